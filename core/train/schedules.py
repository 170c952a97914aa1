"""Learning-rate schedules as one pure function of the step: no scheduler object to save or restore.

A resumed run sets the rate from its step counter alone, so continuing a run needs nothing but the
count of steps already taken. The exported training script (core/export/script.py) carries a
copy of this arithmetic, so the two must stay the same formula.
"""
from __future__ import annotations

import math

STEP_GAMMA = 0.1            # "step": multiply by this every `step_epochs`
ONECYCLE_PCT_START = 0.3    # "onecycle": share of the run spent rising (torch's OneCycleLR default)
ONECYCLE_DIV = 25.0         # ... starting from lr / 25
ONECYCLE_FINAL_DIV = 1e4    # ... and ending at lr / 25 / 1e4


def lr_at(step: int, base_lr: float, schedule: str, steps_per_epoch: int, total_epochs: int,
          step_epochs: int = 1, warmup_epochs: float = 0.0) -> float:
    """The learning rate for optimiser step `step` (0-based) of a run of `total_epochs` epochs."""
    total = max(1, steps_per_epoch * total_epochs)
    t = min(step, total - 1) / max(1, total - 1)  # 0 at the first step, 1 at the last
    if schedule == "constant":
        lr = base_lr
    elif schedule == "step":
        lr = base_lr * STEP_GAMMA ** (step // max(1, step_epochs * steps_per_epoch))
    elif schedule == "cosine":
        lr = base_lr * 0.5 * (1.0 + math.cos(math.pi * t))
    elif schedule == "onecycle":
        start, end = base_lr / ONECYCLE_DIV, base_lr / ONECYCLE_DIV / ONECYCLE_FINAL_DIV
        if t <= ONECYCLE_PCT_START:
            lr = _cos_between(start, base_lr, t / ONECYCLE_PCT_START)
        else:
            lr = _cos_between(base_lr, end, (t - ONECYCLE_PCT_START) / (1 - ONECYCLE_PCT_START))
    else:
        raise ValueError(f"unknown learning-rate schedule {schedule!r}")
    warm = warmup_epochs * steps_per_epoch
    if warm > 0 and step < warm:
        lr *= (step + 1) / (warm + 1)
    return lr


def _cos_between(a: float, b: float, frac: float) -> float:
    """From a (frac 0) to b (frac 1) along half a cosine."""
    return b + (a - b) * 0.5 * (1.0 + math.cos(math.pi * frac))
