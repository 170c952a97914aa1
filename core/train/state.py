"""A run's training state: everything the loop counts as it goes (optimizer steps, time trained,
the doctor's yardsticks, the best epoch and early stopping's count, a mid-epoch position) in one
object that the trainer owns. Its JSON form goes into checkpoints (core/train/resume.py) and is
checked field by field when read back, since a checkpoint file may have been edited or damaged."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch

SCALAR = (int, float, bool, type(None))


class StateError(ValueError):
    """The saved training state does not fit this run; the message is one short reason."""


@dataclass
class TrainingState:
    steps: int = 0                       # optimizer steps taken: 0 means the weights are untrained
    training_time: float = 0.0           # seconds spent training, over every session of the run
    start_loss: Optional[float] = None   # the run's first batch loss: the doctor's yardstick
    steps_rising: int = 0                # steps in a row at chance with a risen loss (the doctor)
    best: Optional[dict] = None          # {"epoch", "value", "by"} of the best epoch so far
    since_best: int = 0                  # epochs since the best one (early stopping's count)
    early_stopped: bool = False
    # A run stopped mid-epoch: where it was ({"epoch", "done", "loss_sum", "correct", "seen",
    # "elapsed"}), so a resumed run finishes that epoch exactly; `epoch_order` is the random
    # stream's state when that epoch drew its order (saved as a tensor beside the weights).
    progress: Optional[dict] = None
    epoch_order: Optional[torch.Tensor] = None

    def note_best(self, epoch: int, value: Optional[float], by: str, fallback: float) -> bool:
        """Track the best epoch by the user's figure (`fallback`, the test loss, where the figure
        does not exist, as for regression); True when this epoch is the new best."""
        if value is None or not math.isfinite(value):
            by, value = "test_loss", fallback
        better = self.best is None or (value > self.best["value"] if by == "test_acc"
                                       else value < self.best["value"])
        if better:
            self.best = {"epoch": epoch, "value": value, "by": by}
            self.since_best = 0
        else:
            self.since_best += 1
        return better

    def note_rising(self, rising: bool, steps: int) -> None:
        """Count the steps an epoch at chance with a risen loss adds; any other epoch resets it."""
        self.steps_rising = self.steps_rising + steps if rising else 0

    def patience_ran_out(self, patience: int) -> bool:
        if patience and self.since_best >= patience:
            self.early_stopped = True
        return self.early_stopped

    def to_meta(self) -> dict:
        return {"steps": self.steps, "training_time": self.training_time,
                "start_loss": self.start_loss, "steps_rising": self.steps_rising,
                "best": self.best, "since_best": self.since_best, "progress": self.progress}

    @classmethod
    def from_meta(cls, meta: dict) -> "TrainingState":
        """The state saved in a checkpoint's metadata; StateError names the first damaged field."""
        start = meta.get("start_loss")
        if start is not None and (isinstance(start, bool) or not isinstance(start, (int, float))):
            raise StateError("its first loss is not a number")
        return cls(steps=_whole(meta.get("steps"), "steps"),
                   training_time=float(_finite(meta.get("training_time"), "training time")),
                   start_loss=start,
                   steps_rising=_whole(meta.get("steps_rising", 0), "steps rising"),
                   best=_best(meta.get("best")),
                   since_best=_whole(meta.get("since_best", 0), "epochs since the best"),
                   progress=_progress(meta.get("progress")))


def as_dict(v) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise StateError("its optimizer values are not a JSON object")
    return v


def _whole(v, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise StateError(f"{what} is not a whole number")
    return v


def _finite(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise StateError(f"{what} is not a number")
    return v


def _best(v):
    if v is None:
        return None
    if not isinstance(v, dict) or v.get("by") not in ("test_loss", "test_acc"):
        raise StateError("its best epoch is damaged")
    _whole(v.get("epoch"), "the best epoch")
    if isinstance(v.get("value"), bool) or not isinstance(v.get("value"), (int, float)):
        raise StateError("its best value is not a number")
    return dict(v)


def _progress(v):
    if v is None:
        return None
    if not isinstance(v, dict):
        raise StateError("its mid-epoch position is damaged")
    for k in ("epoch", "done", "seen"):
        _whole(v.get(k), f"mid-epoch {k}")
    for k in ("loss_sum", "correct", "elapsed"):
        _finite(v.get(k), f"mid-epoch {k}")
    return dict(v)
