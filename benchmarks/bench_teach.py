"""Teaching a sketch-robust TinyVGG the drawings it got wrong: how much better does it read OTHER
drawings, what does it forget, and how long does one fine-tune take?

A learner corrects 60 drawings (6 per class, the ones the model misreads first, from a pool of
silhouettes, outlines and ink drawings: benchmarks/drawings.py, seed 1). The taught copy then
reads a different set (seed 0, 50 per class and style); Fashion-MNIST's whole test set says what
it forgot. Each variant of the fine-tune (core/teach/finetune.py) is one row.

    python benchmarks/bench_teach.py [--checkpoint CKPT | --save CKPT] [--per-class 6]
                                     [--seeds 0 1] [--variants plain augment ...]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.teach.finetune import TuneSettings  # noqa: E402
from drawings import STYLES, canvas_set, drawing_set  # noqa: E402

VARIANTS = {  # the default first: whole model, 45 steps, 48 replayed images a step
    "default": TuneSettings(),
    "plain (60 steps, replay 32)": TuneSettings(steps=60, replay=32),
    "plain, 45 steps, replay 32": TuneSettings(replay=32),
    "augment (60 steps, replay 32)": TuneSettings(augment=True, steps=60, replay=32),
    "augment, drawings x2": TuneSettings(augment=True, steps=60, replay=32, drawing_weight=2.0),
    "augment, 40 steps": TuneSettings(augment=True, steps=40, replay=32),
    "augment, 90 steps": TuneSettings(augment=True, steps=90, replay=32),
    "turns+scales, 45 steps": TuneSettings(augment=True, pen_widths=False, replay=32),
    "frozen convs, lr 0.05": TuneSettings(freeze_convs=True, lr=0.05, steps=60, replay=32),
    "frozen convs, lr 0.02": TuneSettings(freeze_convs=True, lr=0.02, steps=60, replay=32),
    "frozen convs, lr 0.02, replay 64": TuneSettings(freeze_convs=True, lr=0.02, steps=60, replay=64),
    "plain, 30 steps, lr 0.02": TuneSettings(steps=30, lr=0.02, replay=32),
    "imprinted 0.1, then default": TuneSettings(imprint=0.1),
}
for _name, _settings in VARIANTS.items():  # the variants run all their steps; the default as taught
    if _name != "default":
        _settings.budget_s = None


def sketch_model(save: str | None):
    """TinyVGG (fashion-v2), 3 epochs, the seed's settings, --augment sketch."""
    import core.config
    from core.config import TrainConfig
    from core.train.trainer import Trainer
    own = dict(getattr(core.config, "MODEL_DEFAULTS", {}).get("fashion-v2", {}))
    own.update(augment="sketch", epochs=3)
    t = Trainer(TrainConfig(model="fashion-v2", **own))
    list(t.run())
    path = t.save(save or "/tmp/bench-teach-tinyvgg")
    return str(path)


def read_others(model, others) -> dict:
    model.eval()
    out = {}
    with torch.inference_mode():
        for style, (x, y) in others.items():
            pred = model(torch.from_numpy(x).unsqueeze(1)).argmax(1).numpy()
            out[style] = 100.0 * float((pred == y).mean())
    out["mean"] = float(np.mean([out[s] for s in STYLES]))
    return out


def corrected(model, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `per_class` drawings of each class the model misreads (styles in turn), as the
    model's pixels [N, 1, 28, 28] (0..255); correct ones fill in if too few are wrong."""
    from core.pictures.framing import to_model_input
    pool = canvas_set(per_class=40, seed=1)
    chosen = {c: [] for c in range(10)}
    spare = {c: [] for c in range(10)}
    with torch.inference_mode():
        for i in range(40 * 10):
            for style in STYLES:
                canvases, labels = pool[style]
                x = to_model_input(canvases[i])
                c = int(labels[i])
                wrong = int(model(torch.from_numpy(x)[None, None]).argmax()) != c
                (chosen if wrong else spare)[c].append(x)
    xs, ys = [], []
    for c in range(10):
        picks = (chosen[c] + spare[c])[:per_class]
        xs += picks
        ys += [c] * len(picks)
    return np.stack(xs)[:, None] * 255.0, np.array(ys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", help="a sketch-robust fashion-v2 checkpoint (else one is trained)")
    ap.add_argument("--save", help="where the trained checkpoint goes")
    ap.add_argument("--per-class", type=int, default=6)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--imprint", action="store_true", help="also the instant weight-imprinting answer")
    args = ap.parse_args()
    torch.set_num_threads(1)  # as the teach step does: two threads on a busy 2-core box wait on each other
    from core import checkpoint
    from core.teach.session import Teacher
    path = args.checkpoint or sketch_model(args.save)
    ckpt = checkpoint.load(path)
    teacher = Teacher(ckpt.meta)
    others = drawing_set(per_class=50, seed=0)
    pixels, labels = corrected(ckpt.model.eval(), args.per_class)
    base_read = read_others(ckpt.model, others)
    base_acc = teacher.full_test(ckpt.model)[0]
    print(json.dumps({"model": path, "drawings": len(labels), "other_drawings": base_read,
                      "fashion_test_acc": base_acc}), flush=True)
    rows = []
    if args.imprint:  # the instant answer: no gradient steps
        from core.teach.finetune import imprint
        for strength in (0.1, 0.2, 0.35):
            import time
            t0 = time.perf_counter()
            quick = imprint(ckpt.model, teacher.recipe, torch.from_numpy(pixels).float(),
                            torch.from_numpy(labels), strength)
            seconds = time.perf_counter() - t0
            read = read_others(quick, others)
            print(json.dumps({"variant": f"imprint {strength}", "seconds": round(seconds, 3),
                              "gain": round(read["mean"] - base_read["mean"], 2),
                              "fashion_change": round(teacher.full_test(quick)[0] - base_acc, 2)}),
                  flush=True)
    for name in args.variants:
        for seed in args.seeds:
            settings = TuneSettings(**{**vars(VARIANTS[name]), "seed": seed})
            res = teacher.teach(ckpt.model, pixels, labels, settings)
            read = read_others(res.model, others)
            row = {"variant": name, "seed": seed, "seconds": round(res.seconds, 2), **res.extra,
                   "gain": round(read["mean"] - base_read["mean"], 2),
                   **{s: round(read[s] - base_read[s], 1) for s in STYLES},
                   "fashion_change": round(teacher.full_test(res.model)[0] - base_acc, 2)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(f"\nbefore: other drawings {base_read['mean']:.1f}% (mean of {', '.join(STYLES)}), "
          f"Fashion-MNIST {base_acc:.2f}%; {len(labels)} taught drawings")
    print(f"{'variant':22s} {'gain':>6s} {'F-MNIST':>8s} {'seconds':>8s}")
    for name in args.variants:
        mine = [r for r in rows if r["variant"] == name]
        print(f"{name:22s} {np.mean([r['gain'] for r in mine]):+6.1f} "
              f"{np.mean([r['fashion_change'] for r in mine]):+8.2f} "
              f"{np.mean([r['seconds'] for r in mine]):8.1f}")


if __name__ == "__main__":
    main()
