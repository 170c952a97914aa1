"""Does sketch-robust training help on drawings, and what does it cost on the photos?

Trains the same model twice with the seed's settings, without and with `augment="sketch"`, then
reports Fashion-MNIST test accuracy and top-1 accuracy on the drawing set (benchmarks/drawings.py)
per style.

    python benchmarks/bench_sketch.py [--model fashion-v2] [--epochs 3] [--per-class 20]
                                      [--fractions 0.5 0.25] [--skip-plain] [--seed 42]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import torch  # noqa: E402

from core.config import TrainConfig  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from drawings import drawing_set  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fashion-v2")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--per-class", type=int, default=20)
    ap.add_argument("--fractions", type=float, nargs="+", default=[TrainConfig.sketch_fraction],
                    help="sketch fractions to try, one sketch run each")
    ap.add_argument("--seed", type=int, default=TrainConfig.seed)
    ap.add_argument("--skip-plain", action="store_true", help="leave out the run without sketches")
    ap.add_argument("--save-dir", help="keep the checkpoints here")
    args = ap.parse_args()
    drawings = drawing_set(args.per_class)
    rows = []
    runs = [] if args.skip_plain else [("", 1.0)]
    runs += [("sketch", f) for f in args.fractions]
    for augment, fraction in runs:
        t = Trainer(TrainConfig(model=args.model, epochs=args.epochs, augment=augment,
                                sketch_fraction=fraction, seed=args.seed))
        list(t.run())
        label = f"sketch {fraction:g}" if augment else "none"
        row = {"augment": label, "fashion_test_acc": t.result().model_acc,
               "seconds": round(t.training_time, 1)}
        t.model.eval()
        with torch.inference_mode():
            for style, (x, y) in drawings.items():
                logits = t.model(torch.from_numpy(x).unsqueeze(1).contiguous(
                    memory_format=torch.channels_last if t.channels_last else torch.contiguous_format))
                row[f"{style}_acc"] = round(100.0 * float((logits.argmax(1).numpy() == y).mean()), 1)
        if args.save_dir:
            row["checkpoint"] = str(t.save(Path(args.save_dir) / f"{args.model}-{label.replace(' ', '-')}"))
        print(json.dumps(row), flush=True)
        rows.append(row)
    styles = list(drawings)
    print(f"\n{'augment':12s} {'F-MNIST':>8s} " + " ".join(f"{s:>10s}" for s in styles))
    for r in rows:
        print(f"{r['augment']:12s} {r['fashion_test_acc']:7.2f}% "
              + " ".join(f"{r[s + '_acc']:9.1f}%" for s in styles))
    print(f"drawing set: {args.per_class} per class per style; chance is 10%")


if __name__ == "__main__":
    main()
