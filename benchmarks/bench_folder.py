"""An image-folder run, measured: write a folder of real pictures (Fashion-MNIST items as coloured
PNG and JPEG files, upscaled to the notebook's 64x64), read it as TrainDesk does, train notebook
04's TinyVGG with its settings, and print what it took: files, read time, memory, accuracy, time.

    python benchmarks/bench_folder.py [--classes 10] [--per-class 300] [--epochs 5] [--size 64]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "core")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--per-class", type=int, default=300)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--model", default="tinyvgg")
    p.add_argument("--trivial-augment", action="store_true")
    args = p.parse_args()

    from core.config import TrainConfig
    from core.data.fashion_mnist import CLASS_NAMES
    from core.data.image_folder import load_image_folder, scan
    from core.train.trainer import Trainer
    from image_folder_fixture import write_fashion_folder

    with tempfile.TemporaryDirectory(prefix="traindesk-bench-folder-") as tmp:
        root = Path(tmp) / "pictures"
        t0 = time.perf_counter()
        write_fashion_folder(root, classes=tuple(CLASS_NAMES[:args.classes]),
                             per_class=args.per_class, formats=("png", "jpg"), size=args.size)
        written = time.perf_counter() - t0
        plan = scan(root)
        t0 = time.perf_counter()
        data = load_image_folder(root, args.size)
        read = time.perf_counter() - t0
        config = TrainConfig(model=args.model, image_folder=str(root), image_size=args.size,
                             epochs=args.epochs, lr=0.001, optimizer="adam",
                             trivial_augment=args.trivial_augment)
        trainer = Trainer(config, data=data)
        t0 = time.perf_counter()
        epochs = [e for e in trainer.run() if hasattr(e, "test_acc")]
        trained = time.perf_counter() - t0
    print(json.dumps({
        "model": args.model, "classes": args.classes, "files": len(plan.train_files) + len(plan.test_files),
        "train": len(plan.train_files), "test": len(plan.test_files), "size": args.size,
        "memory_mb": round(plan.memory_bytes(args.size) / 2**20, 1), "write_s": round(written, 2),
        "read_s": round(read, 2), "epochs": args.epochs, "threads": trainer.threads,
        "train_s": round(trained, 1), "test_acc": [round(e.test_acc, 2) for e in epochs],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "trivial_augment": args.trivial_augment}))


if __name__ == "__main__":
    main()
