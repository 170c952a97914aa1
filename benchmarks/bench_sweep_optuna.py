"""A 16-trial TPE sweep with median pruning against the same 16-run random sweep without pruning,
one after the other on this machine, with the same space, seed and settings: the time each took,
the epochs each trained and the best test accuracy each found.

    python benchmarks/bench_sweep_optuna.py [--model fashion-v0] [--epochs 4] [--trials 16]

Each sweep is `main.py sweep` as a user runs it, in a fresh data folder (its own history and study
database), so neither sees the other's trials.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACE = ["--lr", "0.001:0.5:log", "--batch-size", "32,64,128,256", "--momentum", "0:0.95"]


def sweep(label: str, extra: list[str], args, home: Path) -> dict:
    env = {**os.environ, "TRAINDESK_DATA_HOME": str(home / label)}
    cmd = [sys.executable, str(ROOT / "main.py"), "sweep", "--model", args.model,
           "--epochs", str(args.epochs), "--trials", str(args.trials), "--seed", str(args.seed),
           "--study", label, "--out", str(home / label / "out"), *SPACE, *extra]
    print("$ main.py " + " ".join(cmd[2:]), flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    summary = next((json.loads(line)["sweep"] for line in proc.stdout.splitlines()
                    if line.startswith('{"sweep"')), None)
    if summary is None:
        sys.exit(f"{label}: no summary (exit {proc.returncode}): {proc.stderr[-2000:]}")
    runs = summary["runs"]
    best = summary["study_best"] or {}
    return {"label": label, "seconds": seconds, "runs": len(runs),
            "pruned": sum(r["status"] == "pruned" for r in runs),
            "failed": sum(r["status"] not in ("finished", "pruned") for r in runs),
            "epochs": sum(r.get("epochs") or 0 for r in runs),
            "best_acc": best.get("value"), "best_params": best.get("params")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="fashion-v0")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--trials", type=int, default=16)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        home = Path(tmp)
        results = [sweep("random", ["--sampler", "random", "--pruner", "none"], args, home),
                   sweep("tpe-median", ["--sampler", "tpe", "--pruner", "median"], args, home)]
    print(f"\n{args.trials} trials of {args.model}, {args.epochs} epochs each, seed {args.seed}, "
          f"{os.cpu_count()} CPUs; space: {' '.join(SPACE)}")
    print(f"{'sweep':<12} {'wall s':>8} {'epochs':>7} {'pruned':>7} {'failed':>7} {'best acc':>9}  best values")
    for r in results:
        acc = f"{r['best_acc']:.2f}%" if r["best_acc"] is not None else "-"
        params = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                           for k, v in (r["best_params"] or {}).items())
        print(f"{r['label']:<12} {r['seconds']:>8.1f} {r['epochs']:>7} {r['pruned']:>7} "
              f"{r['failed']:>7} {acc:>9}  {params}")


if __name__ == "__main__":
    main()
