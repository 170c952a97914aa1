"""Does sketch-robust training help on drawings, and what does it cost on the photos?

Trains the same model twice with the seed's settings, without and with `augment="sketch"`, then
reports Fashion-MNIST test accuracy and top-1 accuracy on the drawing sets (benchmarks/drawings.py)
per style: "realistic" (random size, place and a slight tilt on the 280x280 canvas, as people
draw; the figures quoted in the README) and "upright" (the earlier set, never tilted).
Drawings are framed by TrainDesk's own preprocessing (core.pictures.framing.to_model_input), as the Draw
tab and `main.py predict` frame them; Fashion-MNIST test images are not re-framed.

    python benchmarks/bench_sketch.py [--model fashion-v2] [--epochs N] [--per-class 50]
                                      [--fractions 0.35] [--skip-plain] [--seed 42]
                                      [--sets realistic upright] [--threads 1] [--save-dir DIR]
    python benchmarks/bench_sketch.py --load CKPT [CKPT ...]   # no training: read saved models
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import torch  # noqa: E402

import core.config  # noqa: E402
from core.config import TrainConfig  # noqa: E402
from core.train.trainer import Trainer  # noqa: E402
from drawings import SETS, drawing_set  # noqa: E402


def read_drawings(model: torch.nn.Module, drawings: dict, row: dict, prefix: str = "") -> None:
    """Top-1 accuracy per style, in percent, into row[f"{prefix}{style}_acc"]."""
    model.eval()
    channels_last = any(p.dim() == 4 and p.is_contiguous(memory_format=torch.channels_last)
                        and not p.is_contiguous() for p in model.parameters())
    with torch.inference_mode():
        for style, (x, y) in drawings.items():
            xt = torch.from_numpy(x).unsqueeze(1).contiguous(
                memory_format=torch.channels_last if channels_last else torch.contiguous_format)
            pred = model(xt).argmax(1).numpy()
            row[f"{prefix}{style}_acc"] = round(100.0 * float((pred == y).mean()), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fashion-v2")
    ap.add_argument("--epochs", type=int, default=0,
                    help="0: the model's own (3 for the seed's models, fashion-best's recipe)")
    ap.add_argument("--per-class", type=int, default=50, help="drawings per class and style")
    ap.add_argument("--fractions", type=float, nargs="*", default=[TrainConfig.sketch_fraction],
                    help="sketch fractions to try, one sketch run each (none: the plain run only)")
    ap.add_argument("--seed", type=int, default=TrainConfig.seed)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads per training (0: measure)")
    ap.add_argument("--sets", nargs="+", choices=SETS, default=["realistic", "upright"],
                    help="drawing sets to read; the first is the one in the table")
    ap.add_argument("--skip-plain", action="store_true", help="leave out the run without sketches")
    ap.add_argument("--save-dir", help="keep the checkpoints here")
    ap.add_argument("--load", nargs="+", metavar="CKPT",
                    help="read these saved checkpoints instead of training (F-MNIST from the file)")
    args = ap.parse_args()
    sets = {kind: drawing_set(args.per_class, kind=kind) for kind in args.sets}
    rows = []

    def read_all(model, row):
        for i, (kind, drawings) in enumerate(sets.items()):
            read_drawings(model, drawings, row, "" if i == 0 else f"{kind}_")
        print(json.dumps(row), flush=True)
        rows.append(row)

    if args.load:
        from core import checkpoint
        from core.data.fashion_mnist import load_fashion_mnist
        from core.evaluation.evaluate import evaluate_model
        data = load_fashion_mnist()
        for path in args.load:
            ckpt = checkpoint.load(path)
            row = {"augment": Path(path).stem[-12:],
                   "fashion_test_acc": evaluate_model(ckpt, data, "cpu")["model_acc"]}
            read_all(ckpt.model, row)
    else:
        runs = [] if args.skip_plain else [("", 1.0)]
        runs += [("sketch", f) for f in args.fractions]
        for augment, fraction in runs:
            own = dict(getattr(core.config, "MODEL_DEFAULTS", {}).get(args.model, {}))  # its recipe
            own.update(augment=augment, sketch_fraction=fraction, seed=args.seed, threads=args.threads)
            if args.epochs:
                own["epochs"] = args.epochs
            t = Trainer(TrainConfig(model=args.model, **own))
            list(t.run())
            label = f"sketch {fraction:g}" if augment else "none"
            row = {"augment": label, "fashion_test_acc": t.result().model_acc,
                   "seconds": round(t.training_time, 1)}
            if args.save_dir:
                row["checkpoint"] = str(t.save(Path(args.save_dir) / f"{args.model}-{label.replace(' ', '-')}"))
            read_all(t.model, row)
    styles = list(next(iter(sets.values())))
    print(f"\n{args.sets[0]} drawings:")
    print(f"{'augment':12s} {'F-MNIST':>8s} " + " ".join(f"{s:>10s}" for s in styles))
    for r in rows:
        print(f"{r['augment']:12s} {r['fashion_test_acc']:7.2f}% "
              + " ".join(f"{r[s + '_acc']:9.1f}%" for s in styles))
    print(f"drawing sets: {', '.join(args.sets)}; {args.per_class} per class per style; chance is 10%")


if __name__ == "__main__":
    main()
