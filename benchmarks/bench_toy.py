"""The seed toy runs through the main window: wall time from Play to the last frame.

Runs the straight line (line, 300 epochs, lr 0.01) and the circles (circles-v2, 1500 epochs,
lr 0.1) with the setup panel's defaults, in the window shown at 1300x800, at the fastest speed.
The first run of each workflow warms up imports and the thread-count cache; the timed runs
follow. Target: < 5 s each. The window keeps its settings and runs in a temporary home, so the
user's own are not touched.

    python benchmarks/bench_toy.py [--repeats 3] [--shots DIR]

--shots DIR also saves a mid-run and a finished picture of each workflow (PNG, via QWidget.grab;
run it under Xvfb with QT_QPA_PLATFORM=xcb to get the real platform's rendering).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOME = tempfile.mkdtemp(prefix="traindesk-bench-toy-")
os.environ["HOME"] = HOME  # before anything reads where TrainDesk keeps its files

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(app, condition, timeout=120.0) -> bool:
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    return condition()


def _view(w):
    from core import workflows
    return w.live_views[workflows.get(w.panel.task()).live_view]


def timed_run(app, w, frames: list, ended: list) -> dict:
    frames.clear()
    ended.clear()
    t0 = time.perf_counter()
    w.start()
    if not wait(app, lambda: bool(ended)):
        raise SystemExit("the run did not finish in 120 s")
    wall = time.perf_counter() - t0
    last, view = w.last_frame, _view(w)
    out = {"model": w.panel.config().model, "epochs": last.epoch, "wall_s": round(wall, 3),
           "training_s": round(last.seconds, 3), "frames": len(frames),
           "test_loss": view.loss.last("test")}
    if w.panel.task() == "line":
        out.update(weight=last.weight, bias=last.bias)
    else:
        out["test_acc"] = view.acc.last("test")
    return out


def shoot(app, w, folder: Path, name: str, frames: list, ended: list) -> None:
    """A mid-run picture (paused near half way, then resumed) and a finished one."""
    folder.mkdir(parents=True, exist_ok=True)
    frames.clear()
    ended.clear()
    half = w.panel.config().epochs // 2
    w.speed.setCurrentIndex(w.speed.findData(100.0))  # slow enough to pause half way
    w.start()
    wait(app, lambda: bool(frames) and frames[-1].epoch >= half)
    w.toggle_pause()
    wait(app, lambda: False, 0.3)  # the paused epoch's frame in
    w.grab().save(str(folder / f"{name}-mid-run.png"))
    w.speed.setCurrentIndex(w.speed.findData(0.0))
    w.toggle_pause()
    if not wait(app, lambda: bool(ended)):
        raise SystemExit("the run did not finish in 120 s")
    app.processEvents()
    w.grab().save(str(folder / f"{name}-finished.png"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--shots", type=Path, help="folder for screenshots")
    args = p.parse_args()
    app = QApplication.instance() or QApplication([])
    from gui.main_window import MainWindow
    w = MainWindow(QSettings(os.path.join(HOME, "settings.ini"), QSettings.Format.IniFormat))
    w.resize(1300, 800)
    w.show()
    frames: list = []
    ended: list = []
    w.session.live_frame.connect(frames.append)
    w.run_ended.connect(ended.append)
    if not wait(app, lambda: w.core_info is not None):
        raise SystemExit("PyTorch did not load in 120 s")
    try:
        for name in ("line", "circles"):
            w.panel.workflow.setCurrentIndex(w.panel.workflow.findData(name))
            # the untrained model of the new workflow is on show
            wait(app, lambda: w.last_frame is not None and w.last_frame.epoch == 0)
            timed_run(app, w, frames, ended)  # warm-up: imports, thread-count measurement
            runs = [timed_run(app, w, frames, ended) for _ in range(args.repeats)]
            for r in runs:
                print(json.dumps(r), flush=True)
            walls = [r["wall_s"] for r in runs]
            print(json.dumps({"workflow": name, "median_wall_s": statistics.median(walls),
                              "max_wall_s": max(walls), "target_s": 5.0}), flush=True)
            if args.shots:
                shoot(app, w, args.shots, name, frames, ended)
    finally:
        w.close()
        shutil.rmtree(HOME, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
