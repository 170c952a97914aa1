"""The learning-rate range test (Smith 2015; the finders of fastai and PyTorch Lightning): train a
few steps with the rate growing exponentially from START_LR to END_LR, record the smoothed loss at
each rate, stop once it passes DIVERGE times its best, and suggest the rate where it falls
fastest. The model, its optimiser and every random stream are put back afterwards, so a run
started next begins exactly as it would have without the test.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from core.train.precision import autocast

START_LR = 1e-7
END_LR = 10.0
STEPS = 100
DIVERGE = 4.0   # stop once the smoothed loss is this many times its best so far
BETA = 0.98     # the loss's exponential smoothing, bias-corrected as fastai's
SKIP_START = 10  # the first points are mostly noise and the smoothing's warm-up
SKIP_END = 1     # and the last is where it blew up
FELL = 0.03      # a curve whose loss falls by less than this share is flat (see suggest)
ROSE = 1.1       # a flat curve has begun to blow up once its loss is this much above its best


@dataclass
class LrFindResult:
    suggested_lr: Optional[float]               # None: the curve never fell (see `why`)
    points: list = field(default_factory=list)  # [(lr, smoothed loss)], in order
    diverged: bool = False                      # stopped by the DIVERGE rule, not by END_LR
    stopped: bool = False                       # stopped by the caller
    why: str = ""

    def to_dict(self) -> dict:
        return {"suggested_lr": self.suggested_lr,
                "points": [[lr, loss] for lr, loss in self.points]}


def rates(steps: int = STEPS, start: float = START_LR, end: float = END_LR) -> list[float]:
    """The exponential schedule: start * (end / start) ** (i / (steps - 1))."""
    return [start * (end / start) ** (i / max(steps - 1, 1)) for i in range(steps)]


def find_lr(trainer, steps: int = STEPS, start: float = START_LR, end: float = END_LR,
            should_stop: Callable[[], bool] = lambda: False,
            on_point: Callable[[float, float], None] = lambda lr, loss: None) -> LrFindResult:
    """The range test on `trainer`'s model, optimiser, data, inputs and training loss (an image
    or toy workflow alike), then everything restored. on_point(lr, loss) after each step."""
    if not (0 < start < end) or steps < 2:
        raise ValueError(f"the range test needs 0 < start < end and 2 steps or more (start {start:g}, "
                         f"end {end:g}, steps {steps})")
    model, optimizer = trainer.model, trainer.optimizer
    saved = (copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()),
             torch.get_rng_state(), model.training)
    try:
        return _range_test(trainer, rates(steps, start, end), should_stop, on_point)
    finally:
        weights, opt_state, rng, was_training = saved
        model.load_state_dict(weights)
        optimizer.load_state_dict(opt_state)  # its learning rates too
        torch.set_rng_state(rng)
        model.train(was_training)


def _batches(trainer):
    """Training batches, as model inputs, in an order of their own (the run's batch order and
    its generator are left alone), again and again if the set is smaller than the test."""
    x, y = trainer.data.train_x, trainer.data.train_y
    if not trainer.workflow.minibatch:
        while True:
            yield x, y
    g = torch.Generator().manual_seed(trainer.config.seed + 7)
    bs = trainer.config.batch_size
    while True:
        perm = torch.randperm(len(x), generator=g).to(x.device)
        for i in range(0, len(x) - (len(x) % bs if len(x) > bs else 0), bs):
            idx = perm[i:i + bs]
            yield trainer.inputs(x[idx]), y[idx]


def _range_test(trainer, lrs, should_stop, on_point) -> LrFindResult:
    model, optimizer, loss_fn = trainer.model, trainer.optimizer, trainer.train_loss_fn
    model.train()
    result = LrFindResult(None)
    avg, best = 0.0, math.inf
    batches = _batches(trainer)
    for i, lr in enumerate(lrs):
        if should_stop():
            result.stopped = True
            break
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb, yb = next(batches)
        with autocast(trainer.device, trainer.bfloat16):
            loss = loss_fn(model(xb), yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = loss.item()
        if not math.isfinite(value):
            result.diverged = True
            break
        avg = BETA * avg + (1 - BETA) * value
        smoothed = avg / (1 - BETA ** (i + 1))
        result.points.append((lr, smoothed))
        on_point(lr, smoothed)
        if smoothed > DIVERGE * best:
            result.diverged = True
            break
        best = min(best, smoothed)
    result.suggested_lr, result.why = suggest(result.points)
    return result


def suggest(points) -> tuple[Optional[float], str]:
    """The rate where the smoothed loss falls fastest against log(rate) (Lightning's and fastai's
    'steepest' suggestion), leaving out the first SKIP_START points and the last SKIP_END.

    A model that needs more steps than the test has before its loss moves (TinyVGG with plain SGD
    sits at log(10) for its first few hundred steps) gives a flat curve until it blows up, and the
    steepest point of a flat curve is noise: then the suggestion is a tenth of the rate where the
    loss began to rise, as fastai's 'minimum / 10' rule keeps clear of the blow-up."""
    usable = points[SKIP_START:len(points) - SKIP_END]
    if len(usable) < 3:
        return None, (f"the loss blew up after {len(points)} of the test's steps, too soon to read "
                      "a slope: try a lower start or check the data")
    losses = [loss for _, loss in usable]
    if losses[0] - min(losses) >= FELL * losses[0]:
        logs = [math.log10(lr) for lr, _ in usable]
        slopes = [(losses[i + 1] - losses[i - 1]) / (logs[i + 1] - logs[i - 1])
                  for i in range(1, len(usable) - 1)]
        i = min(range(len(slopes)), key=slopes.__getitem__)
        return usable[i + 1][0], "where the loss falls fastest"
    best = math.inf
    for lr, loss in points:
        if loss > ROSE * best:
            return lr / 10, (f"the loss hardly fell before it rose at {lr:.3g}: a tenth of that "
                             "rate")
        best = min(best, loss)
    return None, "the loss neither fell nor rose over the range tried"
