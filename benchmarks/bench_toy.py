"""The seed toy runs through the window's ToyWorkbench: wall time from Play to the last frame.

Runs the straight line (line, 300 epochs, lr 0.01) and the circles (circles-v2, 1500 epochs,
lr 0.1) with the panel's defaults, shown at 1300x800, at the fastest speed. The first run of each
workflow warms up imports and the thread-count cache; the timed runs follow. Target: < 5 s each.

    python benchmarks/bench_toy.py [--repeats 3] [--shots DIR]

--shots DIR also saves a mid-run and a finished picture of each workflow (PNG, via QWidget.grab;
run it under Xvfb with QT_QPA_PLATFORM=xcb to get the real platform's rendering).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(app, condition, timeout=120.0) -> bool:
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    return condition()


def timed_run(app, bench, frames: list) -> dict:
    frames.clear()
    t0 = time.perf_counter()
    bench.play()
    if not wait(app, lambda: bench.done):
        raise SystemExit("the run did not finish in 120 s")
    wall = time.perf_counter() - t0
    last = bench.last_frame
    view = bench.views[bench.task]
    out = {"model": bench.settings().model, "epochs": last.epoch, "wall_s": round(wall, 3),
           "training_s": round(last.seconds, 3), "frames": len(frames),
           "test_loss": view.loss.last("test")}
    if bench.task == "line":
        out.update(weight=last.weight, bias=last.bias)
    else:
        out["test_acc"] = view.acc.last("test")
    return out


def shoot(app, bench, folder: Path, name: str) -> None:
    """A mid-run picture (paused near half way, then resumed) and a finished one."""
    folder.mkdir(parents=True, exist_ok=True)
    bench.reset()
    wait(app, lambda: bench.last_frame is not None)
    half = bench.settings().epochs // 2
    bench.play()
    wait(app, lambda: bench.last_frame is not None and bench.last_frame.epoch >= half)
    bench.pause()
    app.processEvents()
    bench.grab().save(str(folder / f"{name}-mid-run.png"))
    bench.play()
    wait(app, lambda: bench.done)
    app.processEvents()
    bench.grab().save(str(folder / f"{name}-finished.png"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--shots", type=Path, help="folder for screenshots")
    args = p.parse_args()
    app = QApplication.instance() or QApplication([])
    from gui.toy.toy_panel import ToyWorkbench
    bench = ToyWorkbench()
    bench.resize(1300, 800)
    bench.show()
    frames: list = []
    bench._worker.frame.connect(frames.append)
    try:
        for index, name in enumerate(("line", "circles")):
            bench.workflow.setCurrentIndex(index)
            wait(app, lambda: bench.last_frame is not None)
            timed_run(app, bench, frames)  # warm-up: imports, thread-count measurement
            runs = [timed_run(app, bench, frames) for _ in range(args.repeats)]
            for r in runs:
                print(json.dumps(r), flush=True)
            walls = [r["wall_s"] for r in runs]
            print(json.dumps({"workflow": name, "median_wall_s": statistics.median(walls),
                              "max_wall_s": max(walls), "target_s": 5.0}), flush=True)
            if args.shots:
                shoot(app, bench, args.shots, name)
    finally:
        bench.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
