"""`main.py replay notebook01|notebook02|notebook03`: the notebook's steps, its models trained with
its own settings (each an ordinary run in the history), one JSON object per line."""
from __future__ import annotations

import math
from dataclasses import asdict

COMMAND = "replay"


def add_parser(sub) -> None:
    from core.train.replay import NOTEBOOKS
    p = sub.add_parser("replay", help="replay a seed notebook step by step: " + "; ".join(
        f"{k}: {title}" for k, (title, _) in NOTEBOOKS.items()))
    p.add_argument("notebook", choices=list(NOTEBOOKS))
    p.add_argument("--out", default="runs", help="where the runs' folders go (default: ./runs)")
    p.add_argument("--data-dir", help="a folder holding the four Fashion-MNIST files (notebook03)")


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def run(args) -> int:
    from pathlib import Path

    from core.cli.common import StopOnSignal, check_out, emit, say
    from core.config import EpochResult
    from core.train.replay import replay
    from core.train.trainer import Control

    out = Path(args.out)
    check_out(out)
    data = None
    if args.notebook == "notebook03":
        from core.data.fashion_mnist import load_fashion_mnist
        data = load_fashion_mnist(args.data_dir)
    control = Control()
    stopped = False
    with StopOnSignal(control) as signals:
        for row in replay(args.notebook, out, control=control, data=data, log=say):
            if "event" in row:
                ev = row["event"]
                if not isinstance(ev, EpochResult):
                    continue  # the per-batch points are in the history and the run's folder
                row = {"run": row["run"], "model": row["model"], **asdict(ev)}
                if ev.epoch == ev.epochs or ev.epoch % max(1, ev.epochs // 10) == 0:
                    say(f"  epoch {ev.epoch}/{ev.epochs}: test loss {ev.test_loss:.5f}"
                        + (f", test acc {ev.test_acc:.2f}%" if ev.test_acc is not None else ""))
            elif "step" in row:
                say(f"Step {row['step']}/{row['of']}: {row['title']}. {row['caption']}")
            stopped = stopped or bool(row.get("stopped"))
            emit(_clean(row))  # never fails on a closed stdout: the replay goes on and is kept
    if signals.signum is not None:
        return 128 + signals.signum
    return 1 if stopped else 0
