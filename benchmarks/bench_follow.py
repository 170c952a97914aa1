"""The Follow tab on a long run's folder, measured: write a run folder whose metrics.jsonl holds
2,000,000 batch lines (~280 MB, as TrainDesk writes them; in a temp folder), open it in the real
Follow panel (offscreen unless a display is set) and print how long it took until everything was
read and drawn, the longest the UI thread was kept from its events (a 10 ms QTimer heartbeat: the
largest gap between two beats; the same measured for 3 s before, with nothing to do, says what
the machine's own load costs) and the process's peak memory. Then lines are appended and the
time until they are on screen is measured too. Not a test: nothing fails on a number.

    python benchmarks/bench_follow.py [--lines 2000000] [--per-epoch 20000] [--folder DIR]
                                      [--window] [--hold SECONDS]

--folder writes (or reuses) the run folder there and keeps it; --window opens the whole main
window (torch, every tab) and follows the folder from its Run menu's action, as a user would;
--hold keeps it on screen that long at the end (for a screenshot).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "gui")]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=2_000_000)
    p.add_argument("--per-epoch", type=int, default=20_000)
    p.add_argument("--folder")
    p.add_argument("--window", action="store_true")
    p.add_argument("--hold", type=float, default=0.0)
    args = p.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="traindesk-bench-follow-") as tmp:
        folder = Path(args.folder) if args.folder else Path(tmp) / "fashion-v0-20260101-120000-b1g000"
        run(folder, args)


def run(folder: Path, args) -> None:
    from big_run_folder import batch_line, write_big_run
    from core.runs.folder import METRICS

    t0 = time.perf_counter()
    if not (folder / METRICS).is_file():
        write_big_run(folder, args.lines, args.per_epoch, end=False)
    written = time.perf_counter() - t0
    size_mb = (folder / METRICS).stat().st_size / 1e6

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    window = None
    if args.window:
        from gui.main_window import MainWindow
        from gui.shared.settings import make_settings
        window = MainWindow(make_settings(Path(tempfile.mkdtemp()) / "settings.ini"))
        window.resize(1560, 960)
        window.show()
        while not window.tool_tabs.built:
            app.processEvents()
            time.sleep(0.01)
    else:
        # The Follow tab exists once torch is in (ToolTabs); its comparison names data sets with
        # core.models: imported here first, as in the window, so the open time is Follow's own.
        import core.models  # noqa: F401
        from gui.follow.follow_panel import FollowPanel
        from gui.shared import collector
        collector.keep_to_ui_thread()  # as the window does (gui/main_window.py)
        collector.settle()  # as the window does once its tabs are built (gui/tool_tabs.py)
        panel = FollowPanel()
        panel.resize(1400, 900)
        panel.show()
    app.processEvents()
    rss_before = _rss_mb()

    gaps, last = [], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    end = time.perf_counter() + 3  # the heartbeat alone first: what this machine's load costs it
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)
    idle = max(gaps[1:], default=0.0)
    last[0] = time.perf_counter()
    gaps.clear()

    def settled() -> bool:  # all of the file read and drawn
        v, size = panel.view, (folder / METRICS).stat().st_size
        return v is not None and not v.behind and v.read_bytes == size and not panel._dirty

    print(f"following {folder}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    if window is not None:
        from gui.follow.follow_action import follow_folder
        follow_folder(window, str(folder))
        panel = window.tool_tabs.follow_panel
    else:
        panel.follow(folder)
    follow_call = time.perf_counter() - t0
    first_status = panel.status.text()
    while not settled():
        app.processEvents()
        time.sleep(0.002)
    opened = time.perf_counter() - t0
    lines = panel.view.batches_read + panel.view.epochs_read
    open_stall, open_stalls = max(gaps, default=0.0), sum(g > 0.1 for g in gaps)

    # Lines appended while it is followed: time until the last one is on screen
    gaps.clear()
    t0 = time.perf_counter()
    with open(folder / METRICS, "a", encoding="utf-8") as f:
        first = panel.view.batches_read + 1
        f.write("".join(batch_line(s, args.per_epoch) for s in range(first, first + 1000)))
    while not settled():
        app.processEvents()
        time.sleep(0.002)
    appended = time.perf_counter() - t0
    print(f"read and drawn; holding for {args.hold:g} s", file=sys.stderr, flush=True)
    items = panel.curves.items[panel.row.run_id]
    end = time.perf_counter() + args.hold
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)
    heart.stop()
    print(json.dumps({
        "lines": lines, "metrics_mb": round(size_mb, 1), "write_s": round(written, 1),
        "whole_window": bool(window), "follow_call_s": round(follow_call, 3),
        "idle_longest_gap_ms": round(idle * 1000, 1),
        "open_s": round(opened, 2), "longest_ui_stall_ms": round(open_stall * 1000, 1),
        "ui_stalls_over_100ms": open_stalls,
        "append_1000_lines_s": round(appended, 2),
        "longest_ui_stall_while_appended_ms": round(max(gaps, default=0.0) * 1000, 1),
        "curve_points": len(items["loss"].xData), "epochs_shown": len(panel.comparison.records),
        "first_status": first_status, "status": panel.status.text(),
        "rss_before_open_mb": round(rss_before), "rss_after_mb": round(_rss_mb()),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}, indent=1))
    if window is not None:
        window.close()
    else:
        panel.shutdown()


if __name__ == "__main__":
    main()
