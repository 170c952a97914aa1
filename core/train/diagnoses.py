"""Diagnoses: what a run's numbers say went wrong, in plain words, with the figures that show it
and what to try. The trainer calls `Diagnoses.epoch_end` after each epoch that passed the doctor
(core/train/doctor.py, whose divergence becomes `lr-too-high`), with the test logits its own
evaluation computed, so nothing is run twice. A finding is said once in the run's log when first
found; `as_list()` is what the CLI's result, the history and the window show.

Two kinds of finding. Trends (lr-too-high, lr-too-low, too-few-steps, overfitting, plateau) stay
once found: they describe the run's course. States of the model now (clipped-outputs,
class-never-predicted) are measured again after every epoch and dropped when no longer true.

Thresholds, measured with the real trainer (seed 42, CPU; tests/core/test_diagnoses*.py):
- clipped-outputs: fashion-v1 (a ReLU after its last layer) gives an all-zero row to 6.6% of the
  test images after the seed's 3 epochs (0.5%, 7.8% and 10.6% after epochs 1-3 on a 6,000-image
  slice); models without a final ReLU never give one. CLIPPED_SHARE = 1%.
- class-never-predicted: fashion-v1 never predicts Dress; v0 and v2 predict every class from their
  first epoch (Shirt least: 8-9 of 1,000 on the slice).
- lr-too-low: TinyVGG at SGD 1e-4 still has a test loss within 1% of its start after an epoch;
  every seed run is below 60% of its start after its first epoch.
- too-few-steps: a 3-class folder of 40 pictures a class at 5 epochs of 4 steps; judged at the last
  planned epoch (a short run may still learn in its last steps).
- The trends over epochs (overfitting, plateau) need OVER_EPOCHS epochs after the best one; the
  line's and the circles' epochs are single full-batch steps, so there they are judged at the
  run's last planned epoch over a tenth of the run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import torch

CLIPPED_SHARE = 1.0      # % of test rows whose scores are all equal
MIN_CLASS_IMAGES = 5     # a class needs this many test images before "never predicted" is said
FEW_STEPS = 100          # optimiser steps in the whole planned run below which it cannot learn
FEW_STEPS_LEARNED = 0.5  # ...unless the test accuracy is past half way from chance to 100%
                         # (regression: the test loss below half its start)
LOW_RATE_STEPS = 300     # steps before a loss that has not moved is put down to the rate
LOW_RATE_MOVED = 0.9     # "barely moved": the test loss still above this share of its start
OVER_EPOCHS = 3          # epochs after the best test loss before a rise counts
OVERFIT_RISE = 1.10      # the test loss at least 10% above its best (and each of those epochs
OVERFIT_EVERY = 1.05     # at least 5% above it: one noisy epoch is not a trend)...
OVERFIT_GAP = 2.0        # ...while the train-test accuracy gap grew by at least 2 points
PLATEAU_EPOCHS = 3       # epochs without progress
PLATEAU_GAIN = 0.01      # "progress": the best test or training loss improved by 1% of itself
ROOM_ACC = 98.0          # a model above this training accuracy has nothing left to learn


@dataclass(frozen=True)
class Finding:
    code: str
    says: str       # what is wrong, in plain words
    evidence: str   # the numbers that show it
    try_: str       # what to do about it

    def to_dict(self) -> dict:
        return {"code": self.code, "says": self.says, "evidence": self.evidence, "try": self.try_}

    def line(self) -> str:
        return f"Diagnosis ({self.code}): {self.says} {self.evidence}. Try: {self.try_}"


TRENDS = ("lr-too-high", "lr-too-low", "too-few-steps", "overfitting", "plateau")


class Diagnoses:
    def __init__(self, log: Callable[[str], None] = lambda msg: None):
        self.log = log
        self.found: dict[str, Finding] = {}
        self.version = 0  # counts changes, so a watcher sends the list only when it changed
        self._said: set[str] = set()  # codes logged: a state that comes back is not said again

    def as_list(self) -> list[dict]:
        return [f.to_dict() for f in self.found.values()]

    def _set(self, finding: Finding) -> None:
        if self.found.get(finding.code) != finding:
            self.found[finding.code] = finding
            self.version += 1
        if finding.code not in self._said:
            self._said.add(finding.code)
            self.log(finding.line())

    def _drop(self, code: str) -> None:
        if self.found.pop(code, None) is not None:
            self.version += 1

    # -- the trainer's calls ----------------------------------------------------------------------
    def diverged(self, finding: str, when: str, advice: str) -> None:
        """The doctor ended the run (core/train/doctor.py): its finding, as lr-too-high."""
        self._set(Finding("lr-too-high", "The loss blew up or the model fell back to chance: the "
                          "learning rate is too high for this model.", f"{finding} {when}",
                          f"{advice} `main.py lr-find` suggests a rate that trains well."))

    def epoch_end(self, trainer, logits: Optional[torch.Tensor]) -> None:
        """After the epoch the trainer just added to its history; `logits`: its test logits (None
        where they are not whole, as under torchrun)."""
        h, st = trainer.history, trainer.state
        last = h[-1]
        final = last.epoch >= last.epochs
        minibatch = trainer.workflow.minibatch
        # The model's outputs are judged once it has had a chance to learn (a folder's first
        # epoch may be 3 steps): after FEW_STEPS steps, or at the run's planned end.
        if trainer.images and logits is not None and len(logits) and (
                trainer.steps >= FEW_STEPS or final):
            self._outputs(logits, trainer.data.test_y, trainer.classes, _last_is_relu(trainer.model))
        start = st.start_loss
        if start is None or not math.isfinite(start) or start <= 0:
            return
        if final and "too-few-steps" not in self.found:
            self._few_steps(trainer, last, start)
        if minibatch and "lr-too-low" not in self.found:
            self._low_rate(trainer, last, start)
        if minibatch or final:
            window = OVER_EPOCHS if minibatch else max(OVER_EPOCHS, len(h) // 10)
            if "overfitting" not in self.found:
                self._overfitting(h, window)
            if "plateau" not in self.found and "overfitting" not in self.found:
                self._plateau(h, start, PLATEAU_EPOCHS if minibatch else window, trainer.config.lr)

    # -- the checks -------------------------------------------------------------------------------
    def _outputs(self, logits: torch.Tensor, y: torch.Tensor, classes: list, relu_last: bool) -> None:
        logits = logits.float()
        n = len(logits)
        flat = (logits.max(dim=1).values - logits.min(dim=1).values) <= 1e-6
        share = 100.0 * flat.sum().item() / n
        if share >= CLIPPED_SHARE:
            zeros = int((flat & (logits.abs().max(dim=1).values == 0)).sum().item())
            cause = ("the last layer is a ReLU, which turns every negative score into 0"
                     if relu_last else "something after the last layer clips the scores")
            self._set(Finding(
                "clipped-outputs", f"The model gives some pictures the same score for every class, "
                f"so its pick among them is arbitrary: {cause}.",
                f"{share:.1f}% of the {n:,} test pictures ({int(flat.sum().item()):,}) get an output "
                f"row of equal scores ({zeros:,} of them all zeros)",
                "remove the ReLU (or clamp) after the last layer: a classifier's last layer should "
                "give raw scores (logits)." if relu_last else
                "remove any activation after the last layer: it should give raw scores (logits)."))
        else:
            self._drop("clipped-outputs")
        c = len(classes)
        predicted = torch.bincount(logits.argmax(dim=1), minlength=c).cpu()
        present = torch.bincount(y.cpu(), minlength=c)
        never = [i for i in range(c) if predicted[i] == 0 and present[i] >= MIN_CLASS_IMAGES]
        if c >= 2 and never and len(never) < c:
            names = ", ".join(str(classes[i]) for i in never[:5]) + (" …" if len(never) > 5 else "")
            counts = "; ".join(f"{int(present[i]):,} pictures of {classes[i]}" for i in never[:3])
            self._set(Finding(
                "class-never-predicted", f"The model never predicts {names}: every picture of "
                f"{'it' if len(never) == 1 else 'them'} counts as a mistake.",
                f"0 of the {n:,} test pictures are predicted {names} ({counts} in the test set)",
                "fix clipped outputs first if they are found; else train longer or at a better "
                "rate, and check that the class has enough training pictures."))
        else:
            self._drop("class-never-predicted")

    def _few_steps(self, trainer, last, start: float) -> None:
        planned = trainer.steps_per_epoch() * last.epochs
        if planned >= FEW_STEPS:
            return
        if last.test_acc is not None and trainer.classes_count:
            chance = 100.0 / trainer.classes_count
            if last.test_acc >= chance + FEW_STEPS_LEARNED * (100.0 - chance):
                return
        elif last.test_loss < FEW_STEPS_LEARNED * start:
            return
        per = trainer.steps_per_epoch()
        self._set(Finding(
            "too-few-steps", "The run made too few optimiser steps to learn much.",
            f"{last.epochs} epochs of {per} steps = {planned} steps in all (fewer than {FEW_STEPS}); "
            f"the test loss went only from {start:.3f} to {last.test_loss:.3f}"
            + ("" if last.test_acc is None else f", test accuracy {last.test_acc:.1f}%"),
            "more epochs, or a smaller batch (more steps per epoch)"
            + (f": e.g. batch {max(1, trainer.config.batch_size // 4)}" if per > 0 and
               trainer.config.batch_size > 4 else "") + "."))

    def _low_rate(self, trainer, last, start: float) -> None:
        if trainer.steps < LOW_RATE_STEPS or last.test_loss < LOW_RATE_MOVED * start:
            return
        if max(last.test_loss, last.train_loss) > 1.05 * start:
            return  # rising, not slow: the doctor's side
        self._set(Finding(
            "lr-too-low", f"The loss has barely moved from where it started: the learning rate "
            f"{last.lr:g} looks too low to learn in this many steps.",
            f"after {trainer.steps:,} optimiser steps the test loss is {last.test_loss:.4f}, "
            f"{100 * last.test_loss / start:.0f}% of its start ({start:.4f})",
            f"a higher rate: the rate `main.py lr-find` suggests, or {_higher(trainer, last.lr):g}."))

    def _overfitting(self, h: list, window: int) -> None:
        best = min(range(len(h)), key=lambda i: h[i].test_loss)
        last = h[-1]
        after = h[best + 1:]
        if last.train_acc is None or len(after) < window:
            return
        b = h[best]
        if min(e.test_loss for e in after[-window:]) < OVERFIT_EVERY * b.test_loss:
            return
        gap_then, gap_now = b.train_acc - b.test_acc, last.train_acc - last.test_acc
        if (last.test_loss >= OVERFIT_RISE * b.test_loss and last.train_acc > b.train_acc
                and gap_now - gap_then >= OVERFIT_GAP):
            self._set(Finding(
                "overfitting", "The model is learning the training pictures by heart: training "
                "accuracy keeps rising while the test loss rises.",
                f"the test loss rose from {b.test_loss:.4f} (epoch {b.epoch}, its best) to "
                f"{last.test_loss:.4f} (epoch {last.epoch}) while training accuracy went from "
                f"{b.train_acc:.1f}% to {last.train_acc:.1f}%; the train-test gap grew from "
                f"{gap_then:.1f} to {gap_now:.1f} points",
                f"use the best epoch ({b.epoch}) or train about that many epochs; add augmentation "
                "(random flips, shifts) or weight decay (e.g. 5e-4)."))

    def _plateau(self, h: list, start: float, window: int, lr: float) -> None:
        if len(h) <= window:
            return
        before, recent = h[:-window], h[-window:]
        last = h[-1]
        learned = (last.train_acc >= ROOM_ACC if last.train_acc is not None
                   else last.train_loss <= 0.1 * start)
        if learned:
            return
        gains = [_gain(min(getattr(e, k) for e in before), min(getattr(e, k) for e in recent))
                 for k in ("test_loss", "train_loss")]
        if max(gains) >= PLATEAU_GAIN:
            return
        first = recent[0].epoch
        acc = f", test accuracy {last.test_acc:.1f}%" if last.test_acc is not None else ""
        self._set(Finding(
            "plateau", f"No progress for {window} epochs: the model has stopped improving.",
            f"from epoch {first} to {last.epoch} the best test loss improved by "
            f"{100 * gains[0]:.1f}% and the best training loss by {100 * gains[1]:.1f}% "
            f"(test loss {last.test_loss:.4f}{acc}; learning rate now {last.lr:g})",
            ("a gentler schedule (cosine, or later steps): it has lowered the rate to "
             f"{last.lr:g} from {lr:g}; " if last.lr is not None and last.lr < lr / 100 else
             "a learning-rate schedule (cosine, one-cycle), ")
            + "a higher rate, or a wider model (more hidden units; for a boundary that must bend, "
            "one with a non-linear activation)."))


def _higher(trainer, lr: float) -> float:
    """A rate to try instead of a slow one: the model's default when that is higher, else 10x."""
    default = trainer._default_lr()
    return default if default > lr else 10 * lr


def _gain(old: float, new: float) -> float:
    """How much `new` improved on `old`, as a share of `old` (negative: it got worse)."""
    if not (math.isfinite(old) and math.isfinite(new)) or old <= 0:
        return 0.0
    return (old - new) / old


def _last_is_relu(model) -> bool:
    """Whether the model's last module is a ReLU (as notebook 03's V1)."""
    mods = [m for m in model.modules() if not list(m.children())]
    return bool(mods) and isinstance(mods[-1], torch.nn.ReLU)
