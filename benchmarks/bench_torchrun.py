"""One process vs torchrun with 2 ranks, the same global batch, side by side on this machine.

Runs `main.py train` (each a fresh process, a private data home) as: one process with 1 thread,
one process with 2 threads, and `torchrun --nproc-per-node 2` with 1 thread per rank. The kinds
take turns so a noisy neighbour hits them alike. Prints one JSON line per run, then the medians.

    python benchmarks/bench_torchrun.py [--model fashion-v2] [--epochs 1] [--repeats 2]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"1 process x 1 thread": (1, 1), "1 process x 2 threads": (1, 2),
         "torchrun 2 ranks x 1 thread": (2, 1)}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(kind: str, model: str, epochs: int, batch: int, home: Path) -> dict:
    ranks, threads = KINDS[kind]
    train = [str(ROOT / "main.py"), "train", "--model", model, "--epochs", str(epochs),
             "--batch-size", str(batch), "--threads", str(threads), "--out", str(home / "out")]
    cmd = [sys.executable, *train] if ranks == 1 else [
        sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node",
        str(ranks), "--master-addr", "127.0.0.1", "--master-port", str(_port()), *train]
    env = dict(os.environ, TRAINDESK_DATA_HOME=str(home), OMP_NUM_THREADS=str(threads))
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if out.returncode:
        raise RuntimeError(f"{kind} failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])["result"]
    return {"kind": kind, "training_s": round(result["training_time"], 2), "wall_s": round(wall, 2),
            "test_acc": result["model_acc"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="fashion-v2")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32, help="the global batch")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rows: dict[str, list[dict]] = {k: [] for k in KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for kind in KINDS:
                row = run(kind, args.model, args.epochs, args.batch_size, Path(tmp) / f"{r}-{len(rows[kind])}-{kind[:3]}")
                rows[kind].append(row)
                print(json.dumps(row), flush=True)
    base = statistics.median(r["training_s"] for r in rows["1 process x 2 threads"])
    for kind, rs in rows.items():
        t = statistics.median(r["training_s"] for r in rs)
        print(json.dumps({"summary": kind, "median_training_s": t, "vs_1x2": round(t / base, 2),
                          "test_acc": [r["test_acc"] for r in rs]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
