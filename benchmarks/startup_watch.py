"""The window as main.py starts it, watched from inside: bench_startup.py launches this.

A heartbeat (a 5 ms timer on the UI thread) measures the longest time the window could not answer,
from the first tick of its event loop to its close; the steps of the Runs tab and the Evaluate
comparison are timed one by one on the UI thread. With TRAINDESK_READY_PROBE the app prints its
"ready" line as usual, but its close waits until the history (TRAINDESK_BENCH_RUNS runs) is listed
in the Runs tab and in Evaluate, so the stalls of listing it are measured too, however late they
come. Printed at the end: "stalls {json}".
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The steps timed one by one ("module:Class.method"); one that no longer exists is skipped.
STEPS = ["gui.main_window:MainWindow._on_core_ready",  # builds the plots and the tabs below
         "gui.tool_tabs:ToolTabs.build",
         "gui.tool_tabs:ToolTabs._history_listed",
         "gui.runs.runs_table:RunsTable.set_rows",
         "gui.runs.runs_panel:RunsPanel._on_result",
         "gui.runs.runs_panel:RunsPanel._selection_changed",
         "gui.evaluate.comparison:ComparisonView.set_records",
         "gui.evaluate.panel:EvaluationPanel.add_runs"]
LISTING_WAIT_S = 180  # the longest the close waits for the history to be listed
SETTLE_S = 0.5        # and then, for what follows the listing


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QThread, QTimer, Qt
    from PySide6.QtWidgets import QApplication

    from gui.app import _since_interpreter_start, main as app_main

    since_launch = _since_interpreter_start() - time.perf_counter()
    gaps: list[tuple[float, float]] = []  # (stall in seconds, when it ended since launch)
    last = [None]
    steps: dict[str, float] = {}
    steps_cpu: dict[str, float] = {}
    listed_at: list[float] = []
    expected = int(os.environ.get("TRAINDESK_BENCH_RUNS", "0"))

    def on_ui_thread() -> bool:
        app = QApplication.instance()
        return app is not None and QThread.currentThread() == app.thread()

    def beat():
        now = time.perf_counter()
        if last[0] is not None:  # from the first tick: before it, no window is on screen
            gaps.append((now - last[0], now + since_launch))
        last[0] = now

    def report():
        gaps.sort(reverse=True)
        print("stalls " + json.dumps({
            "longest_ms": round(gaps[0][0] * 1000, 1) if gaps else None,
            "at_s": round(gaps[0][1], 2) if gaps else None,
            "top_ms": [round(g * 1000) for g, _ in gaps[:5]],
            "listed_s": round(listed_at[0] + since_launch, 2) if listed_at else None,
            "steps_ms": {k: round(v * 1000, 1) for k, v in steps.items()},
            "steps_cpu_ms": {k: round(v * 1000, 1) for k, v in steps_cpu.items()}}), flush=True)

    def timed(attr: str, original):
        def step(*args, **kwargs):
            if not on_ui_thread():
                return original(*args, **kwargs)
            t, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:  # the longest run, and the CPU time of this thread it took (what a busy
                # machine's other processes cannot stretch)
                took = time.perf_counter() - t
                if took > steps.get(attr, 0.0):
                    steps[attr] = took
                    steps_cpu[attr] = time.thread_time() - cpu
        return step

    def listed(window) -> bool:
        tabs = window.tool_tabs
        return (not expected or tabs.runs is not None and len(tabs.runs.rows) >= expected
                and len(tabs.evaluation.records) >= expected)

    def waiting_close(original):
        """The window's close, once the history is listed (or after LISTING_WAIT_S)."""
        def close(window):
            start = time.perf_counter()

            def attempt():
                if listed_at:
                    if time.perf_counter() - listed_at[0] >= SETTLE_S:
                        return original(window)
                elif listed(window):
                    listed_at.append(time.perf_counter())
                elif time.perf_counter() - start > LISTING_WAIT_S:
                    return original(window)
                QTimer.singleShot(20, attempt)
            attempt()
            return True
        return close

    patches = {}
    if os.environ.get("TRAINDESK_READY_PROBE"):
        for name in STEPS:
            module, attr = name.split(":")
            patches.setdefault(module, []).append((attr, timed))
        patches.setdefault("gui.main_window", []).append(("MainWindow.close", lambda a, o: waiting_close(o)))
    _patch_on_import(patches)

    run_loop = QApplication.exec

    def exec_with_heartbeat(*_):
        """The app's own event loop, with the heartbeat in it (the app is made in gui.app, which
        sets Qt's options before making it)."""
        heart = QTimer()
        heart.setTimerType(Qt.TimerType.PreciseTimer)
        heart.timeout.connect(beat)
        heart.start(5)
        QApplication.instance().aboutToQuit.connect(report)
        return run_loop()

    QApplication.exec = exec_with_heartbeat
    return app_main([sys.argv[0]])


def _patch_on_import(patches: dict) -> None:
    """Replace module:Class.method with make(attr, original) as the module is imported: importing
    them here would move their import time out of the start-up being measured."""

    def patch(module) -> None:
        for attr, make in patches.get(module.__name__, []):
            cls_name, method = attr.split(".")
            cls = getattr(module, cls_name, None)
            original = getattr(cls, method, None)
            if original is not None:
                setattr(cls, method, make(attr, original))

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname not in patches:
                return None
            sys.meta_path.remove(self)  # the ordinary finders find it
            try:
                spec = importlib.util.find_spec(fullname)
            finally:
                sys.meta_path.insert(0, self)
            if spec is None or spec.loader is None:
                return spec
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                patch(module)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())


if __name__ == "__main__":
    sys.exit(main())
