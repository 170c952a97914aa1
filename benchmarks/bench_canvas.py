"""Canvas latency: from a stroke event to the probability bars holding the answer for it.

Drives a real CanvasPanel (offscreen) with mouse strokes at a steady event rate. For each mouse
move it notes the time just before the event is sent and the drawing revision it produced; the
latency of that event is the time until the panel first shows an answer for that revision or a
later one (bars updated; the repaint then follows at the next frame, as it does for the ink).
Also reports how long the window thread spends handling one move event (the stroke's own cost).

    python benchmarks/bench_canvas.py [--model fashion-v2] [--checkpoint PATH] [--rates 60 125 250]

Weights do not change the cost of a forward pass, so without --checkpoint the model is freshly
initialised (same shapes as a trained fashion-v2 with 10 hidden units).
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


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def run_rate(app, panel, rate_hz: float, strokes: int, moves: int) -> dict:
    from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent

    surface = panel.surface
    shown: list[tuple[int, float]] = []
    panel.prediction_shown.connect(lambda rev: shown.append((rev, time.perf_counter())))
    sent: list[tuple[int, float]] = []
    handle_ms: list[float] = []

    def send(kind, x, y):
        p = surface.from_canvas(QPointF(x, y))
        button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        ev = QMouseEvent(kind, p, surface.mapToGlobal(p), button, held, Qt.KeyboardModifier.NoModifier)
        t0 = time.perf_counter()
        app.sendEvent(surface, ev)
        if kind == QEvent.Type.MouseMove:
            handle_ms.append((time.perf_counter() - t0) * 1000)
            sent.append((surface.revision, t0))

    def events():
        """The strokes as a script; the timer below plays one step per tick."""
        for s in range(strokes):
            x0 = 60 + (s * 37) % 160
            yield lambda: surface.clear()
            yield lambda: send(QEvent.Type.MouseButtonPress, x0, 30)
            for k in range(1, moves + 1):
                yield lambda k=k: send(QEvent.Type.MouseMove, x0 + 20 * ((k // 10) % 2), 30 + 220 * k / moves)
            yield lambda: send(QEvent.Type.MouseButtonRelease, x0, 250)
            for _ in range(int(0.2 * rate_hz)):  # a pause between strokes
                yield lambda: None

    # A timer, not a busy loop: between events the window thread sleeps in the event loop as it
    # does in the app (a spinning loop would hold the GIL and starve the worker thread).
    script = events()
    loop = QEventLoop()
    timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=max(1, round(1000 / rate_hz)))

    def tick():
        step = next(script, None)
        if step is None:
            timer.stop()
            loop.quit()
        else:
            step()

    timer.timeout.connect(tick)
    timer.start()
    loop.exec()
    panel.prediction_shown.disconnect()
    latencies, j = [], 0
    for rev, t0 in sent:  # shown is in time order; find the first answer covering this event
        while j < len(shown) and (shown[j][0] < rev or shown[j][1] < t0):
            j += 1
        if j < len(shown):
            latencies.append((shown[j][1] - t0) * 1000)
    return {"rate_hz": rate_hz, "events": len(sent), "answered": len(latencies),
            "predictions": len(shown),
            "latency_ms": {"p50": round(percentile(latencies, 50), 2),
                           "p95": round(percentile(latencies, 95), 2),
                           "max": round(max(latencies), 2)},
            "event_handling_ms": {"p50": round(percentile(handle_ms, 50), 3),
                                  "p95": round(percentile(handle_ms, 95), 3)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="fashion-v2")
    ap.add_argument("--checkpoint", help="a TrainDesk checkpoint to use instead of fresh weights")
    ap.add_argument("--rates", type=float, nargs="+", default=[60, 125, 250])
    ap.add_argument("--strokes", type=int, default=12)
    ap.add_argument("--moves", type=int, default=60)
    args = ap.parse_args()

    import torch
    from PySide6.QtWidgets import QApplication

    from core.models import build_model
    from gui.draw.canvas_panel import CanvasPanel

    app = QApplication.instance() or QApplication([])
    panel = CanvasPanel()
    panel.resize(1200, 760)
    panel.show()
    if args.checkpoint:
        if not panel.load_checkpoint(args.checkpoint):
            sys.exit(panel.message.text())
    else:
        torch.manual_seed(0)
        panel.add_model(args.model, build_model(args.model), [f"class {i}" for i in range(10)])
    computes: list[float] = []
    panel.predictor.predicted.connect(lambda p: computes.append(p.compute_ms))
    results = []
    try:
        for rate in args.rates:
            r = run_rate(app, panel, rate, args.strokes, args.moves)
            print(json.dumps(r))
            results.append(r)
    finally:
        panel.shutdown()
    nonblank = [c for c in computes if c > 0]
    print(json.dumps({"summary": {
        "model": args.model, "cpus": os.cpu_count(), "load_avg_1min": round(os.getloadavg()[0], 2),
        "throttle_ms": round(panel.predictor.min_interval_s * 1000, 2),
        "worker_compute_ms_p50": round(statistics.median(nonblank), 3) if nonblank else None,
        "p95_by_rate": {r["rate_hz"]: r["latency_ms"]["p95"] for r in results}}}))


if __name__ == "__main__":
    main()
