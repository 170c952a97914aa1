"""The training doctor: tells a run that has gone wrong from one that is learning, or learning
slowly, using plain numbers only (losses, accuracies, class count, learning rate).

A NaN or infinite loss is the trainer's own check; the doctor catches the runs that stay finite
but are ruined, which used to end "successfully". Two diagnoses, both "diverged":

1. Blow-up (every workflow): a loss above BLOWUP_FACTOR times the run's first-batch loss (and
   above BLOWUP_FLOOR, so a lucky near-zero start cannot trip it). It looks at the mean training
   loss of each log window and epoch, and at the test loss after each epoch, which for the toy
   workflows (one full-batch step per epoch) is the first number to show a step that went wrong.
   Measured at the seed settings, no loss rose more than 7% above its start (fashion-v2's early
   log windows, 2.47 against 2.30; the circles stay flat at ~0.693 or fall). Measured ruined
   runs: circles-v2 at lr 1e6 has test loss 4e10 after epoch 1 (start 0.693) and settles at 2.3e5
   with 50%; fashion-v1 at lr 1e4 has a window at 5.1e10 and an epoch mean of 3.5e9 (start 2.3);
   the line at lr 10 swings between 0.56 and 11-13 (start 0.56).

2. Stuck at chance (classifiers): training accuracy within CHANCE_MARGIN points of 100/classes,
   and either the loss rose to GREW_FACTOR times its start, or the workflow is one where chance
   after a full epoch is itself a failure. Chance alone is not enough: notebook 02's straight
   boundaries cannot separate two rings, so circles-v0/v1 sit at ~51% with loss 0.693 (= ln 2, where
   they started) for all 1500 seed epochs; that is the notebook's lesson, and the ReLU model looks
   the same for its first ~500 epochs before it bends the boundary. A loss rising while at chance
   means the steps make things worse: circles-v2 at lr 10 ends at 50% with loss 1.04 (1.5x its
   start). On Fashion-MNIST every model, even the linear one, is far above 10% after one epoch at
   the seed settings (79%, 61% and 79% training accuracy for v0, v1, v2), so a model still at
   10% then has failed, even with a flat loss: fashion-v1 at lr 1 ends epoch 1 at 10.03% with
   loss 2.3026 = ln 10, every ReLU dead. Below the default rate a flat loss at chance is a rate
   too low, not a divergence (TinyVGG at SGD 1e-4 sits at 10.1% after an epoch of a 6,000-image
   slice): core/train/diagnoses.py says so (lr-too-low) and the run goes on.

   A rising loss at chance must last PATIENCE_STEPS optimiser steps in a row before it is called
   divergence: the toy workflows take one full-batch step per epoch and can wander before they
   learn. circles-v2 at lr 0.5 sits at 50% with its loss up to 1.39x its start around epoch 235,
   then reaches 98.5% test accuracy; at lr 1 it goes back to chance with the loss at 4.2x around
   epoch 374 and still ends at 100%. One Fashion-MNIST epoch is 1875 steps, so there the rule
   still judges after the first epoch.

The advice names the learning rate, the usual cause of both: try the workflow's default, or a
hundredth of the current one when the default is not lower.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

BLOWUP_FACTOR = 10.0
BLOWUP_FLOOR = 1.0
GREW_FACTOR = 1.25
CHANCE_MARGIN = 3.0  # percentage points either side of 100 / classes
PATIENCE_STEPS = 300  # optimiser steps a rising loss at chance must last to count (see above)
# Workflows where every model beats chance within its first epoch at the defaults (see above).
CHANCE_AFTER_AN_EPOCH_IS_FAILURE = {"fashion"}


@dataclass
class Diagnosis:
    status: str    # "diverged"
    finding: str   # what is wrong, in numbers: "the test loss reached 3.96e+10 (it started at 0.693)"
    advice: str    # one sentence a learner can act on


def suggest_lr(lr: float, default_lr: float) -> float:
    return default_lr if default_lr < lr else lr / 100


def lr_advice(lr: float, default_lr: float) -> str:
    return (f"The learning rate {lr:g} is too high for this model: "
            f"try {suggest_lr(lr, default_lr):g}.")


def blew_up(loss: float, start_loss: float) -> bool:
    """True for a finite start and a loss far above it (an infinite loss counts, NaN does not)."""
    return math.isfinite(start_loss) and loss > max(BLOWUP_FACTOR * start_loss, BLOWUP_FLOOR)


def at_chance(acc: Optional[float], classes: Optional[int]) -> bool:
    if acc is None or not classes or classes < 2:
        return False
    return abs(acc - 100.0 / classes) <= CHANCE_MARGIN


def _reached(name: str, loss: float, start_loss: float) -> str:
    return f"the {name} loss reached {loss:.3g} (it started at {start_loss:.3g})"


def check_window(loss: float, start_loss: float, lr: float, default_lr: float) -> Optional[Diagnosis]:
    """During an epoch: only the blow-up, on the mean training loss since the last log point."""
    if blew_up(loss, start_loss):
        return Diagnosis("diverged", _reached("training", loss, start_loss), lr_advice(lr, default_lr))
    return None


def rising_at_chance(start_loss: float, train_loss: float, test_loss: float,
                     train_acc: Optional[float], classes: Optional[int]) -> bool:
    """At chance with a loss at least GREW_FACTOR times its start: the trainer counts the steps."""
    return (at_chance(train_acc, classes) and math.isfinite(start_loss)
            and max(train_loss, test_loss) >= GREW_FACTOR * start_loss)


def check_epoch(start_loss: float, train_loss: float, test_loss: float, train_acc: Optional[float],
                classes: Optional[int], lr: float, default_lr: float,
                chance_is_failure: bool = False,
                steps_rising: int = PATIENCE_STEPS) -> Optional[Diagnosis]:
    """After a full epoch: blow-up of either loss, then a model stuck at chance (with a risen loss
    for `steps_rising` steps in a row, as counted by the caller with rising_at_chance)."""
    advice = lr_advice(lr, default_lr)
    for name, loss in (("training", train_loss), ("test", test_loss)):
        if blew_up(loss, start_loss):
            return Diagnosis("diverged", _reached(name, loss, start_loss), advice)
    if not at_chance(train_acc, classes):
        return None
    stuck = f"the model is stuck at chance ({train_acc:.1f}% training accuracy, {classes} classes)"
    loss = max(train_loss, test_loss)
    if steps_rising >= PATIENCE_STEPS and rising_at_chance(start_loss, train_loss, test_loss,
                                                          train_acc, classes):
        return Diagnosis("diverged", f"{stuck} and its loss rose from {start_loss:.3g} to {loss:.3g}",
                         advice)
    if chance_is_failure and lr >= default_lr:
        return Diagnosis("diverged", stuck, advice)
    return None
