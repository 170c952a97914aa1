"""fashion-best with its own defaults against TinyVGG at the seed's settings, side by side.

Each run is a fresh process on the real Fashion-MNIST, through TrainDesk's trainer with the
settings `main.py train --model M` would use (fashion-best: its recipe; fashion-v2: the notebook's
3 epochs, batch 32, SGD lr 0.1). Runs alternate (best, tinyvgg, best, tinyvgg, ...) so a noisy
neighbour hits both. Prints one JSON line per run, then medians: test accuracy, training seconds
(TrainDesk's training_time: every epoch's training and test pass), seconds per epoch.

    python benchmarks/bench_best.py [--repeats 3] [--models fashion-best fashion-v2] [--threads 0]

The goal for fashion-best: at least 92.0% test accuracy in at most 120 s of training on a 2-core
CPU. Extra `train` flags for fashion-best go after `--`, e.g. `-- --epochs 10 --shift 1`.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YARDSTICK = ["--epochs", "3", "--batch-size", "32", "--lr", "0.1", "--optimizer", "sgd"]  # the seed


def child(model_id: str, threads: int, extra: list[str]) -> None:
    from core.cli.common import config_from_args
    from core.cli.dispatch import build_parser
    from core.models import get_spec
    from core.train.trainer import Trainer

    flags = ["train", "--model", model_id, "--threads", str(threads)]
    if os.environ.get("TRAINDESK_BENCH_DATA"):
        flags += ["--data-dir", os.environ["TRAINDESK_BENCH_DATA"]]
    flags += YARDSTICK if model_id == "fashion-v2" else extra
    config = config_from_args(build_parser().parse_args(flags), get_spec(model_id).task)
    trainer = Trainer(config)
    for _ in trainer.run():
        pass
    r = trainer.result()
    epochs = [h.seconds for h in trainer.history]
    print(json.dumps({"model": model_id, "test_acc": r.model_acc, "seconds": r.training_time,
                      "epochs": r.epochs_done, "epoch_s": statistics.median(epochs),
                      "accs": [round(h.test_acc, 2) for h in trainer.history],
                      "threads": r.threads, "flags": flags[3:],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "load": os.getloadavg()[0]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["fashion-best", "fashion-v2"])
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="CPU threads for both (default: every core; 0: TrainDesk measures, picks "
                    "and remembers, as `train` does)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != "--"]
    if args.child:
        return child(args.child, args.threads, extra)
    rows: dict[str, list[dict]] = {m: [] for m in args.models}
    for _ in range(args.repeats):
        for model_id in args.models:
            cmd = [sys.executable, __file__, "--child", model_id, "--threads", str(args.threads),
                   "--", *extra]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode:
                sys.exit(f"{model_id} failed:\n{proc.stderr[-2000:]}")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            print(json.dumps(row), flush=True)
            rows[model_id].append(row)
    print(f"\nmedians of {args.repeats}: model          test acc   train s   epoch s  epochs")
    for model_id, runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("test_acc", "seconds", "epoch_s")}
        print(f"{'':25s}{model_id:14s} {med['test_acc']:7.2f}% {med['seconds']:8.1f} "
              f"{med['epoch_s']:8.1f} {runs[0]['epochs']:6d}")


if __name__ == "__main__":
    main()
