"""Start-up against the size of the run history: launch to first paint, and launch to ready to
train (core loaded, data loaded, history listed, every tab built), with 0, 100 and 1000 saved runs.

Each launch is a fresh `main.py` process (offscreen Qt) with its own data home holding a run
history of N records; the sizes take turns so a noisy neighbour hits them alike. Medians printed.

    python benchmarks/bench_startup.py [--runs 0 100 1000] [--repeats 3]

Target (issue 17): ready with 1000 runs within 1 s of ready with none.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_history(home: Path, n: int) -> None:
    """N plausible finished runs in the run history, each with 3 epochs and a 120-point curve
    (checkpoints absent: listing must not need them)."""
    sys.path.insert(0, str(ROOT))
    from core.runs.store import RunStore

    runs = home / "runs"
    store = RunStore(runs / "runs.sqlite")
    config = {"model": "fashion-v0", "optimizer": "sgd", "lr": 0.1, "batch_size": 32, "epochs": 3}
    for i in range(n):
        run_id = f"fashion-v0-bench-{i:05d}"
        store.begin(run_id, config, "FashionMNISTModelV0", "cpu", "2.x", None, "bench")
        for e in (1, 2, 3):
            curve = [{"step": (e - 1) * 1875 + k * 47, "epoch": e, "loss": 0.5, "acc": 83.0,
                      "lr": 0.1, "elapsed": e * 5.0} for k in range(40)]
            store.add_epoch(run_id, {"epoch": e, "train_loss": 0.5, "train_acc": 83.0,
                                     "test_loss": 0.45 + i * 1e-5, "test_acc": 83.0 + (i % 50) / 100,
                                     "seconds": 5.0, "lr": 0.1}, curve,
                            str(runs / f"missing-{i}.safetensors"), None)
        store.finish(run_id, "finished", 0.45 + i * 1e-5, 83.0 + (i % 50) / 100, 15.0, 3,
                     str(runs / f"missing-{i}.safetensors"), None, None, [])


def launch(home: Path, probe: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAINDESK_DATA_HOME=str(home),
               TRAINDESK_SETTINGS=str(home / "settings.ini"), **{probe: "1"})
    out = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, capture_output=True,
                         text=True, timeout=600)
    word = "ready" if probe == "TRAINDESK_READY_PROBE" else "first-paint"
    for line in out.stdout.splitlines():
        if line.startswith(word + " "):
            return float(line.split()[1])
    raise RuntimeError(f"no '{word}' line (exit {out.returncode}): {out.stderr[-2000:]}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, nargs="+", default=[0, 100, 1000])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    results: dict[int, dict[str, list[float]]] = {n: {"paint": [], "ready": []} for n in args.runs}
    with tempfile.TemporaryDirectory() as tmp:
        homes = {}
        for n in args.runs:
            homes[n] = Path(tmp) / f"home-{n}"
            write_history(homes[n], n)
            launch(homes[n], "TRAINDESK_READY_PROBE")  # warm-up: thread probe, page cache
        for _ in range(args.repeats):
            for n in args.runs:
                paint = launch(homes[n], "TRAINDESK_FIRST_PAINT_PROBE")
                ready = launch(homes[n], "TRAINDESK_READY_PROBE")
                results[n]["paint"].append(paint)
                results[n]["ready"].append(ready)
                print(json.dumps({"runs": n, "first_paint_s": paint, "ready_s": ready}), flush=True)
    base = statistics.median(results[args.runs[0]]["ready"])
    for n in args.runs:
        ready = statistics.median(results[n]["ready"])
        print(f"{n:5d} runs: first paint {statistics.median(results[n]['paint']):.2f} s, "
              f"ready {ready:.2f} s ({ready - base:+.2f} s against {args.runs[0]} runs; "
              f"medians of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
