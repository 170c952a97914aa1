"""fashion-best with its own defaults against TinyVGG at the seed's settings, side by side.

Each run is a fresh process on the real Fashion-MNIST, through TrainDesk's trainer with the
settings `main.py train --model M` would use (fashion-best: its recipe; fashion-v2: the notebook's
3 epochs, batch 32, SGD lr 0.1). Runs alternate (best, tinyvgg, best, tinyvgg, ...) so a noisy
neighbour hits both. Prints the CPU's vector flags, one JSON line per run, then medians: test
accuracy, training seconds (TrainDesk's training_time: every epoch's training and test pass),
seconds per epoch, and the CPU seconds the training took (all threads: with --threads 1 on a
machine others share, close to what the wall clock would read on an idle core).

    python benchmarks/bench_best.py [--repeats 3] [--models fashion-best fashion-v2] [--threads 0]
        [--isa native avx2] [--before]

--isa avx2 runs as an AVX2-only CPU would (no AVX-512, no bfloat16): oneDNN, MKL and PyTorch's
own kernels capped to AVX2 (ONEDNN_MAX_CPU_ISA, MKL_ENABLE_INSTRUCTIONS, ATEN_CPU_CAPABILITY) and
--no-mixed-precision, so float32. --before adds fashion-best as it was before issue 27 (32/64
channels, the same recipe) as the model `fashion-best@before`, alternating with the rest.

The goal for fashion-best: at least 92.0% test accuracy in at most 120 s of training on a 2-core
CPU, AVX2-only ones included. Extra `train` flags for fashion-best go after `--`, e.g.
`-- --epochs 10 --shift 1`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YARDSTICK = ["--epochs", "3", "--batch-size", "32", "--lr", "0.1", "--optimizer", "sgd"]  # the seed
# fashion-best before issue 27: 32/64 channels (the recipe's settings are unchanged)
BEFORE_WIDTHS = (32, 64)
AVX2_ONLY = {"ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "ATEN_CPU_CAPABILITY": "avx2"}


def cpu_flags() -> str:
    """The CPU's vector extensions, as `grep -o -w 'avx2\\|avx512[a-z_]*\\|amx[a-z_]*'
    /proc/cpuinfo | sort -u` lists them."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    return " ".join(sorted(set(re.findall(r"\b(avx2|avx512[a-z_]*|amx[a-z_]*)\b", text))))


def child(model_id: str, threads: int, extra: list[str]) -> None:
    from core.cli.common import config_from_args
    from core.cli.dispatch import build_parser
    from core.models import get_spec
    from core.train.trainer import Trainer

    model_id, _, variant = model_id.partition("@")
    flags = ["train", "--model", model_id, "--threads", str(threads)]
    if os.environ.get("TRAINDESK_BENCH_DATA"):
        flags += ["--data-dir", os.environ["TRAINDESK_BENCH_DATA"]]
    flags += YARDSTICK if model_id == "fashion-v2" else extra
    if variant == "before":
        from core.models_best import FashionBest
        defaults = list(FashionBest.__init__.__defaults__)  # (input_shape, output_shape, widths, ..)
        defaults[2] = BEFORE_WIDTHS
        FashionBest.__init__.__defaults__ = tuple(defaults)
    config = config_from_args(build_parser().parse_args(flags), get_spec(model_id).task)
    said: list[str] = []
    trainer = Trainer(config, log=said.append)
    cpu = time.process_time()
    for _ in trainer.run():
        pass
    cpu = time.process_time() - cpu  # every thread's: on a shared machine, the steadier figure
    r = trainer.result()
    epochs = [h.seconds for h in trainer.history]
    print(json.dumps({"model": model_id + (f"@{variant}" if variant else ""),
                      "isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "native"),
                      "test_acc": r.model_acc, "seconds": r.training_time, "cpu_s": round(cpu, 1),
                      "epochs": r.epochs_done, "epoch_s": statistics.median(epochs),
                      "accs": [round(h.test_acc, 2) for h in trainer.history],
                      "threads": r.threads, "bfloat16": trainer.bfloat16, "flags": flags[3:],
                      "log": said,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "load": os.getloadavg()[0]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["fashion-best", "fashion-v2"])
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="CPU threads for both (default: every core; 0: TrainDesk measures, picks "
                    "and remembers, as `train` does)")
    ap.add_argument("--isa", nargs="+", choices=["native", "avx2"], default=["native"],
                    help="run as this CPU (native) and/or as an AVX2-only CPU in float32 (avx2)")
    ap.add_argument("--before", action="store_true",
                    help="also run fashion-best's recipe from before issue 27 (fashion-best@before)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args, extra = ap.parse_known_args()
    extra = [e for e in extra if e != "--"]
    if args.child:
        return child(args.child, args.threads, extra)
    models = args.models + (["fashion-best@before"] if args.before else [])
    print(f"CPU flags: {cpu_flags()}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}",
          flush=True)
    rows: dict[tuple, list[dict]] = {(i, m): [] for i in args.isa for m in models}
    for _ in range(args.repeats):
        for isa in args.isa:
            env = {**os.environ, **(AVX2_ONLY if isa == "avx2" else {})}
            for model_id in models:
                more = ["--no-mixed-precision"] if isa == "avx2" else []
                cmd = [sys.executable, __file__, "--child", model_id, "--threads", str(args.threads),
                       "--", *extra, *more]
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
                if proc.returncode:
                    sys.exit(f"{model_id} failed:\n{proc.stderr[-2000:]}")
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                print(json.dumps(row), flush=True)
                rows[(isa, model_id)].append(row)
    print(f"\nmedians of {args.repeats}:  isa     model                 test acc   train s  "
          f"(min-max)     epoch s  epochs  load   CPU s")
    for (isa, model_id), runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs)
               for k in ("test_acc", "seconds", "epoch_s", "load", "cpu_s")}
        span = f"({min(r['seconds'] for r in runs):.1f}-{max(r['seconds'] for r in runs):.1f})"
        print(f"{'':16s}{isa:8s}{model_id:21s} {med['test_acc']:7.2f}% {med['seconds']:8.1f}  "
              f"{span:13s} {med['epoch_s']:7.1f} {runs[0]['epochs']:6d} {med['load']:5.2f} {med['cpu_s']:7.1f}")


if __name__ == "__main__":
    main()
