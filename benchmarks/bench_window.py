"""The window under load: event-loop stalls while training, cost against the headless trainer,
launch-to-first-paint, and memory over many start/stop cycles.

Every measurement runs in a fresh subprocess (offscreen Qt unless --show), window and headless
runs alternating so a noisy neighbour hits both; they share one temporary data home, so both use
the same remembered CPU thread count. Prints one JSON line per run and a summary.

    python benchmarks/bench_window.py [--model fashion-v2] [--epochs 1] [--repeats 1]
                                      [--paints 5] [--cycles 50]

Targets: event-loop stall p99 <= 30 ms while training; window training time within 5% of the
headless trainer's; first paint <= 1.0 s after launch; < 50 MB growth over 50 start/stop cycles.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROBE_MS = 10  # the stall probe's timer interval


def child_headless(args) -> dict:
    from core.config import TrainConfig
    from core.train.trainer import Trainer

    trainer = Trainer(TrainConfig(model=args.model, epochs=args.epochs))
    t0 = time.perf_counter()
    for _ in trainer.run():
        pass
    result = trainer.result()
    return {"kind": "headless", "training_time": result.training_time,
            "wall": time.perf_counter() - t0, "test_acc": result.model_acc,
            "threads": result.threads}


def _window(settings_dir: str):
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.shared.settings import make_settings
    app = QApplication.instance() or QApplication([])
    w = MainWindow(make_settings(Path(settings_dir) / "settings.ini"))
    w.resize(1240, 780)
    return app, w


def child_window(args) -> dict:
    from PySide6.QtCore import Qt, QTimer

    app, w = _window(args.tmp)
    out = {"kind": "window"}
    ticks: list[float] = []
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    marks = {}

    def ready():
        w.panel.set_config({"model": args.model, "epochs": args.epochs})
        QTimer.singleShot(300, start)  # let the data preload finish first

    def start():
        # Start once the data set is in memory, as the headless run times only training.
        if not w.start_action.isEnabled() or w.data_source is None:
            QTimer.singleShot(100, start)
            return
        w.run_ended.connect(ended)
        marks["cpu"] = time.thread_time()
        marks["start"] = time.perf_counter()
        probe.start()
        w.start()

    def ended(result):
        if hasattr(result, "kind"):  # a Failure, not a RunResult
            out["error"] = result.message
            QTimer.singleShot(0, w.close)
            return
        probe.stop()
        end = time.perf_counter()
        gaps = [(b - a) * 1000 - PROBE_MS for a, b in zip(ticks, ticks[1:])]
        stalls = sorted(max(g, 0.0) for g in gaps)
        out.update(training_time=result.training_time, wall=end - marks["start"],
                   test_acc=result.model_acc, threads=result.threads,
                   stall_max_ms=stalls[-1] if stalls else None,
                   stall_p99_ms=stalls[int(0.99 * (len(stalls) - 1))] if stalls else None,
                   stall_p50_ms=stalls[len(stalls) // 2] if stalls else None,
                   worst_ms_at_s=sorted(((round(g, 1), round(a - marks["start"], 2))
                                         for g, a in zip(gaps, ticks)), reverse=True)[:5],
                   probe_ticks=len(ticks), plot_redraws=w.plots.redraws,
                   ui_thread_cpu_s=time.thread_time() - marks["cpu"])
        QTimer.singleShot(0, w.close)

    w.ready.connect(ready)
    w.show()
    rc = app.exec()
    out["exit_code"] = rc
    return out


def child_cycles(args) -> dict:
    from PySide6.QtCore import QTimer

    from gui.training.worker import running_threads
    app, w = _window(args.tmp)
    state = {"cycle": 0, "rss": [], "tasks": []}
    out = {"kind": "cycles", "cycles": args.cycles}

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

    def step():
        if w.phase == "idle":
            if state["cycle"] in (5, args.cycles):
                state["rss"].append(rss_mb())
                state["tasks"].append(len(os.listdir("/proc/self/task")))
            if state["cycle"] == args.cycles:
                out.update(rss_start_mb=state["rss"][0], rss_end_mb=state["rss"][-1],
                           rss_growth_mb=state["rss"][-1] - state["rss"][0],
                           os_threads_after_warmup=state["tasks"][0],
                           os_threads_at_end=state["tasks"][-1],
                           worker_qthreads_running=len(running_threads()))
                w.close()
                return
            state["cycle"] += 1
            w.start()
        elif w.phase == "running" and w.plots.series["batch_loss"].n:
            w.stop()  # mid-epoch: at least one batch has come in
        QTimer.singleShot(5, step)

    def ready():
        w.panel.set_config({"model": "fashion-v0", "epochs": 2, "batch_size": 32})
        QTimer.singleShot(300, step)

    w.ready.connect(ready)
    w.show()
    out["exit_code"] = app.exec()
    out["worker_qthreads_running_after_close"] = len(running_threads())
    return out


def first_paint(env) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(env, TRAINDESK_FIRST_PAINT_PROBE="1"))
    line = proc.stdout.readline()
    seen = time.perf_counter() - t0
    proc.communicate(timeout=120)
    return {"kind": "first_paint", "since_process_start_s": float(line.split()[1]),
            "spawn_to_report_s": seen, "exit_code": proc.returncode}


def spawn(kind: str, args, env) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--model", args.model,
           "--epochs", str(args.epochs), "--cycles", str(args.cycles), "--tmp", args.tmp]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{kind} run failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(lines[-1])
    if "QThread" in out.stderr:
        result["qthread_warning"] = True
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="fashion-v2")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1, help="window/headless pairs")
    p.add_argument("--paints", type=int, default=5, help="launches timed to first paint")
    p.add_argument("--cycles", type=int, default=50, help="start/stop cycles (0: skip)")
    p.add_argument("--show", action="store_true", help="use the real display, not offscreen")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        run = {"headless": child_headless, "window": child_window, "cycles": child_cycles}
        print(json.dumps(run[args.child](args)), flush=True)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-window-") as tmp:
        args.tmp = tmp
        env = dict(os.environ, TRAINDESK_DATA_HOME=str(Path(tmp) / "home"),
                   TRAINDESK_SETTINGS=str(Path(tmp) / "settings.ini"))
        if not args.show:
            env["QT_QPA_PLATFORM"] = "offscreen"
        results = []

        def note(r):
            results.append(r)
            print(json.dumps(r), flush=True)

        for _ in range(args.paints):
            note(first_paint(env))
        # A throwaway headless run first: it measures and remembers the thread count for all.
        note(dict(spawn("headless", args, env), warmup=True))
        for _ in range(args.repeats):
            note(spawn("window", args, env))
            note(spawn("headless", args, env))
        if args.cycles:
            note(spawn("cycles", args, env))

    def med(kind, key, **match):
        vals = [r[key] for r in results if r["kind"] == kind and r.get(key) is not None
                and not r.get("warmup") and all(r.get(k) == v for k, v in match.items())]
        return statistics.median(vals) if vals else None

    win, head = med("window", "training_time"), med("headless", "training_time")
    summary = {
        "model": args.model, "epochs": args.epochs, "repeats": args.repeats,
        "first_paint_s_median": med("first_paint", "since_process_start_s"),
        "first_paint_s_max": max(r["since_process_start_s"] for r in results
                                 if r["kind"] == "first_paint") if args.paints else None,
        "stall_p99_ms": med("window", "stall_p99_ms"),
        "stall_max_ms": med("window", "stall_max_ms"),
        "window_training_s": win, "headless_training_s": head,
        "window_vs_headless": win / head if win and head else None,
        "window_wall_s": med("window", "wall"), "headless_wall_s": med("headless", "wall"),
    }
    if args.cycles:
        cyc = next(r for r in results if r["kind"] == "cycles")
        summary.update(cycles=args.cycles, cycles_rss_growth_mb=cyc["rss_growth_mb"],
                       cycles_qthreads_left=cyc["worker_qthreads_running_after_close"])
    print(json.dumps({"summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
