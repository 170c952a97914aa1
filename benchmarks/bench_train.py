"""Seed loop vs TrainDesk's trainer, side by side on this machine, 3 epochs each.

The seed loop is notebook 03's code path: torchvision FashionMNIST + ToTensor per sample, a
DataLoader with batch 32, torch's default thread count. Each run is a fresh subprocess so memory
and thread settings do not leak between them; runs alternate (seed, ours, seed, ours, ...) so a
noisy neighbour hits both. Prints one JSON line per run and a summary with medians and ratios.

    python benchmarks/bench_train.py [--models fashion-v0 fashion-v2] [--repeats 1] [--epochs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed_loop(model_id: str, epochs: int, batch_size: int) -> dict:
    """Notebook 03's train_step/test_step, as written there."""
    import gzip
    import tempfile

    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets
    from torchvision.transforms import ToTensor

    from core.data.fashion_mnist import locate
    from core.models import build_model

    _, files = locate(os.environ.get("TRAINDESK_BENCH_DATA"))
    root = Path(tempfile.mkdtemp(prefix="seedloop-"))
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for stem, path in files.items():  # torchvision wants the plain files under ROOT/FashionMNIST/raw
        (raw / stem).write_bytes(gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes())
    train_data = datasets.FashionMNIST(str(root), train=True, transform=ToTensor(), download=False)
    test_data = datasets.FashionMNIST(str(root), train=False, transform=ToTensor(), download=False)
    train_dl = DataLoader(train_data, batch_size=batch_size, shuffle=True)
    test_dl = DataLoader(test_data, batch_size=batch_size, shuffle=False)
    torch.manual_seed(42)
    model = build_model(model_id)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for X, y in train_dl:
            loss = loss_fn(model(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        test_loss = test_acc = 0.0
        model.eval()
        with torch.inference_mode():
            for X, y in test_dl:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                test_acc += (pred.argmax(1) == y).sum().item() / len(y) * 100
        test_loss /= len(test_dl)
        test_acc /= len(test_dl)
    return {"seconds": time.perf_counter() - start, "test_acc": test_acc,
            "threads": torch.get_num_threads()}


def traindesk(model_id: str, epochs: int, batch_size: int) -> dict:
    from core.config import TrainConfig
    from core.train.trainer import Trainer

    t = Trainer(TrainConfig(model=model_id, epochs=epochs, batch_size=batch_size, lr=0.1,
                            data_dir=os.environ.get("TRAINDESK_BENCH_DATA")))
    for _ in t.run():
        pass
    r = t.result()
    return {"seconds": r.training_time, "test_acc": r.model_acc, "threads": r.threads}


def child(kind: str, model_id: str, epochs: int, batch_size: int) -> None:
    fn = seed_loop if kind == "seed" else traindesk
    out = fn(model_id, epochs, batch_size)
    out.update(kind=kind, model=model_id, epochs=epochs, batch_size=batch_size,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["fashion-v0", "fashion-v2"])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--kinds", nargs="+", default=["seed", "traindesk"])
    ap.add_argument("--child", nargs=2, metavar=("KIND", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child[0], args.child[1], args.epochs, args.batch_size)
    results: dict[tuple[str, str], list[dict]] = {}
    for model_id in args.models:
        for rep in range(args.repeats):
            for kind in args.kinds:
                cmd = [sys.executable, __file__, "--child", kind, model_id,
                       "--epochs", str(args.epochs), "--batch-size", str(args.batch_size)]
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if proc.returncode:
                    sys.exit(f"{kind} {model_id} failed:\n{proc.stderr[-2000:]}")
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                print(json.dumps(row), flush=True)
                results.setdefault((model_id, kind), []).append(row)
    print("\nmodel        kind        median s   test acc   peak MB  threads")
    for (model_id, kind), rows in results.items():
        med = statistics.median(r["seconds"] for r in rows)
        print(f"{model_id:12s} {kind:10s} {med:9.1f} {rows[-1]['test_acc']:9.2f}% "
              f"{max(r['peak_rss_mb'] for r in rows):9.0f} {rows[-1]['threads']:8d}")
    for model_id in args.models:
        if (model_id, "seed") in results and (model_id, "traindesk") in results:
            s = statistics.median(r["seconds"] for r in results[(model_id, "seed")])
            o = statistics.median(r["seconds"] for r in results[(model_id, "traindesk")])
            print(f"{model_id}: TrainDesk is {s / o:.1f}x faster than the seed loop "
                  f"({s:.1f} s -> {o:.1f} s, {args.epochs} epochs, batch {args.batch_size})")


if __name__ == "__main__":
    main()
