"""Start-up against the size of the run history: launch to first paint, launch to ready to train
(core loaded, data loaded, every tab built), launch to the history listed (Runs tab and Evaluate),
and the longest stall of the UI thread on the way, with 0, 1000 and 10,000 saved runs.

Each launch is a fresh process (offscreen Qt, benchmarks/startup_watch.py) with its own data home
holding a run history of N records; the sizes take turns so a noisy neighbour hits them alike.
Medians printed. The ready launch measures stalls with a heartbeat: a 5 ms timer on the UI thread,
whose longest gap between two ticks is the longest time the window could not answer; the steps of
the Runs tab and the Evaluate comparison are also timed one by one.

    python benchmarks/bench_startup.py [--runs 0 1000 10000] [--repeats 3]

Targets (issue 27): ready with 1000 and with 10,000 runs within 1 s of ready with none; no step of
building the Runs tab or the Evaluate comparison longer than 100 ms at 10,000 runs.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A RAM-backed folder where the system has one: each of the runs' writes is a transaction the
# store syncs to disk, which on a slow disk makes 10,000 runs take minutes instead of seconds.
RAM = Path("/dev/shm")


def write_history(home: Path, n: int) -> None:
    """N plausible finished runs in the run history, written by the real store: each with 3 epochs
    and a 120-point curve (checkpoints absent: listing must not need them)."""
    sys.path.insert(0, str(ROOT))
    from core.runs.store import RunStore

    runs = home / "runs"
    store = RunStore(runs / "runs.sqlite")
    config = {"model": "fashion-v0", "optimizer": "sgd", "lr": 0.1, "batch_size": 32, "epochs": 3}
    for i in range(n):
        run_id = f"fashion-v0-bench-{i:05d}"
        checkpoint = str(runs / f"missing-{i}.safetensors")
        store.begin(run_id, config, "FashionMNISTModelV0", "cpu", "2.x", None, "bench")
        epochs = [{"epoch": e, "train_loss": 0.5, "train_acc": 83.0, "test_loss": 0.45 + i * 1e-5,
                   "test_acc": 83.0 + (i % 50) / 100, "seconds": 5.0, "lr": 0.1} for e in (1, 2, 3)]
        curve = [{"step": (e - 1) * 1875 + k * 47, "epoch": e, "loss": 0.5, "acc": 83.0,
                  "lr": 0.1, "elapsed": e * 5.0} for e in (1, 2, 3) for k in range(40)]
        store.add_epochs(run_id, epochs, curve, checkpoint, None)
        store.finish(run_id, "finished", 0.45 + i * 1e-5, 83.0 + (i % 50) / 100, 15.0, 3,
                     checkpoint, None, None, [])


def launch(home: Path, probe: str, runs: int) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAINDESK_DATA_HOME=str(home),
               TRAINDESK_SETTINGS=str(home / "settings.ini"), TRAINDESK_BENCH_RUNS=str(runs),
               **{probe: "1"})
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup_watch.py")], env=env,
                         capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    word = "ready" if probe == "TRAINDESK_READY_PROBE" else "first-paint"
    result = {}
    for line in out.stdout.splitlines():
        if line.startswith(word + " "):
            result["s"] = float(line.split()[1])
        elif line.startswith("stalls "):
            result.update(json.loads(line[len("stalls "):]))
    if "s" not in result:
        raise RuntimeError(f"no '{word}' line (exit {out.returncode}): {out.stderr[-2000:]}")
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, nargs="+", default=[0, 1000, 10_000])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    results: dict[int, dict[str, list]] = {n: {"paint": [], "ready": [], "listed": [], "stall": [],
                                               "runs_steps": [], "runs_cpu": [], "build": []} for n in args.runs}
    with tempfile.TemporaryDirectory(dir=RAM if RAM.is_dir() else None) as tmp:
        homes = {}
        for n in args.runs:
            homes[n] = Path(tmp) / f"home-{n}"
            t = time.perf_counter()
            write_history(homes[n], n)
            print(f"{n} runs written in {time.perf_counter() - t:.1f} s", flush=True)
            launch(homes[n], "TRAINDESK_READY_PROBE", n)  # warm-up: thread probe, page cache
        for _ in range(args.repeats):
            for n in args.runs:
                paint = launch(homes[n], "TRAINDESK_FIRST_PAINT_PROBE", n)["s"]
                ready = launch(homes[n], "TRAINDESK_READY_PROBE", n)
                r = results[n]
                r["paint"].append(paint)
                r["ready"].append(ready["s"])
                r["listed"].append(ready["listed_s"] if ready["listed_s"] is not None else math.inf)
                r["stall"].append(ready["longest_ms"])
                # building the tabs makes every panel, not only the two measured here: apart
                steps = dict(ready["steps_ms"])
                r["build"].append(steps.pop("ToolTabs.build", 0.0))
                steps.pop("MainWindow._on_core_ready", None)
                longest = max(steps, key=steps.get, default=None)
                r["runs_steps"].append(steps.get(longest, 0.0))
                r["runs_cpu"].append(ready["steps_cpu_ms"].get(longest, 0.0))
                print(json.dumps({"runs": n, "first_paint_s": paint, "ready_s": ready["s"],
                                  **{k: v for k, v in ready.items() if k != "s"}}), flush=True)
    base = statistics.median(results[args.runs[0]]["ready"])
    for n in args.runs:
        r = results[n]
        ready = statistics.median(r["ready"])
        print(f"{n:6d} runs: first paint {statistics.median(r['paint']):.2f} s, ready {ready:.2f} s "
              f"({ready - base:+.2f} s against {args.runs[0]} runs), history listed at "
              f"{statistics.median(r['listed']):.2f} s; longest UI stall "
              f"{statistics.median(r['stall']):.0f} ms, longest step of the Runs tab and the "
              f"comparison {statistics.median(r['runs_steps']):.0f} ms "
              f"({statistics.median(r['runs_cpu']):.0f} ms of CPU), building the tabs "
              f"{statistics.median(r['build']):.0f} ms (medians of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
