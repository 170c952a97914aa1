"""Small image folders trained from the defaults, as a new user would: `main.py train
--image-folder DIR --seed S` with nothing else, against the same runs with the old defaults passed
explicitly (5 epochs, Adam at 0.001, batch 32, no augmentation).

Two folders of real Fashion-MNIST items saved as grey 28x28 PNG files with their own train/test
split: three very different things (Trouser, Sneaker, Bag: 40 training and 10 test pictures each),
and all ten classes at 140 training and 35 test pictures each. Prints one JSON line per run and a
summary per folder and mode: test accuracy of the last epoch, and seconds from reading the folder
to the end of training.

    python benchmarks/bench_small_folders.py [--seeds 10] [--sets three,ten] [--modes before,after]
        [--digits-csv sklearn/datasets/data/digits.csv.gz]

--digits-csv adds the set "digits": scikit-learn's 1,797 handwritten digits (8x8, 0-16 grey
levels; the file ships in scikit-learn's wheel), saved as grey PNG files in class folders and split
by TrainDesk (--test-fraction 0.2: about 144 training pictures a class).
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "core")]

# The folder defaults before issue 26, written out as flags.
OLD_DEFAULTS = ["--epochs", "5", "--lr", "0.001", "--optimizer", "adam", "--batch-size", "32",
                "--no-flip", "--shift", "0"]
SETS = {"three": (("Trouser", "Sneaker", "Bag"), 40, 10),
        "ten": (tuple(range(10)), 140, 35)}


def make_digits(root: Path, csv_gz: str) -> Path:
    import numpy as np
    from PIL import Image
    rows = np.loadtxt(gzip.open(csv_gz), delimiter=",")
    for i, row in enumerate(rows):
        (root / str(int(row[64]))).mkdir(parents=True, exist_ok=True)
        pixels = np.round(row[:64].reshape(8, 8) * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels, "L").save(root / str(int(row[64])) / f"{i}.png")
    return root


def make_folder(root: Path, which: str) -> Path:
    from image_folder_fixture import write_fashion_folder
    classes, train, test = SETS[which]
    write_fashion_folder(root, classes=classes, per_class=train, test_per_class=test,
                         layout="train/test", formats=("png",), colour=False)
    return root


def train_once(folder: Path, seed: int, extra: list[str]) -> dict:
    """One run exactly as `main.py train` builds it from these flags (no checkpoint written)."""
    from core.cli.common import config_from_args
    from core.cli.dispatch import build_parser
    from core.cli.train import _model_of
    from core.models import get_spec
    from core.train.trainer import Trainer

    args = build_parser().parse_args(["train", "--image-folder", str(folder), "--seed", str(seed),
                                      *extra])
    args.model = _model_of(args)
    config = config_from_args(args, get_spec(args.model).task)
    said: list[str] = []
    t0 = time.perf_counter()
    trainer = Trainer(config, log=said.append)
    epochs = [e for e in trainer.run() if hasattr(e, "test_acc")]
    seconds = time.perf_counter() - t0
    best = trainer.best or {}
    return {"seed": seed, "test_acc": round(epochs[-1].test_acc, 2), "epochs": len(epochs),
            "steps": trainer.steps, "best_epoch": best.get("epoch"),
            "best_epoch_acc": round(epochs[best["epoch"] - 1].test_acc, 2) if best else None,
            "seconds": round(seconds, 1), "said": said}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    p.add_argument("--sets", default="three,ten")
    p.add_argument("--modes", default="before,after")
    p.add_argument("--digits-csv", help="scikit-learn's digits.csv.gz: adds the set 'digits'")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="traindesk-small-") as tmp:
        for which in args.sets.split(","):
            folder = make_digits(Path(tmp) / which, args.digits_csv) if which == "digits" else \
                make_folder(Path(tmp) / which, which)
            for mode in args.modes.split(","):
                runs = []
                for seed in range(args.seeds):
                    run = train_once(folder, seed, OLD_DEFAULTS if mode == "before" else [])
                    runs.append(run)
                    print(json.dumps({"set": which, "mode": mode, **run}), flush=True)
                accs = [r["test_acc"] for r in runs]
                print(json.dumps({"summary": which, "mode": mode, "test_acc": accs,
                                  "min": min(accs), "mean": round(statistics.mean(accs), 2),
                                  "max_seconds": max(r["seconds"] for r in runs)}), flush=True)


if __name__ == "__main__":
    main()
