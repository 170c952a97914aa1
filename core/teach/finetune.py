"""The fine-tune: a copy of the model learns the taught drawings while replaying its own training
data, so it keeps what it knew.

Each step's batch is every taught drawing plus REPLAY training images, class-balanced (every
class as often), in SGD with momentum on the whole model. Batch-norm layers keep their running
statistics (a batch of drawings is not the data set they describe) and dropout is off, so the
only change is the gradient steps. Measured (benchmarks/bench_teach.py, README "Teaching a
model"): 48 replayed images forget least; turning, scaling and re-penning each taught drawing
read other drawings worse and forgot more, so it is off by default; frozen convolutions are
twice as fast but forget more.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Callable, Optional

import torch
import torch.nn.functional as F

STEPS = 45
REPLAY = 48            # training images replayed in every step
MAX_DRAWINGS = 64      # taught drawings in one step (a larger set: a fresh sample each step)
LR = 0.01
MOMENTUM = 0.9
BUDGET_S = 4.5
IMPRINT = 0.1          # the instant answer's strength: +4.9 points in 0.03 s, -0.87 Fashion-MNIST
TURN_DEG = 10.0        # the augmentation's largest turn either way
SCALE = 0.1            # ... and its largest change of size (+-10%)


@dataclass
class TuneSettings:
    steps: int = STEPS
    replay: int = REPLAY
    lr: float = LR
    augment: bool = False      # turns and scales of each taught drawing (measured: worse)
    pen_widths: bool = True    # ... and a pen a pixel thicker or thinner
    drawing_weight: float = 1.0  # each taught drawing's weight in the loss (a replayed image: 1)
    freeze_convs: bool = False   # only the last Linear learns (faster; see the README)
    seed: int = 0
    # Seconds a fine-tune may take (None: no limit). A model whose first step says the steps
    # would not fit (fashion-best, a 64x64 colour folder model) goes on with only its last layer
    # learning, and stops when the next step would pass the budget.
    budget_s: Optional[float] = BUDGET_S
    imprint: float = 0.0         # start from the imprinted answer (imprint(), this strength)


def augment(pixels: torch.Tensor, gen: torch.Generator, light_paper: bool,
            pen_widths: bool = True) -> torch.Tensor:
    """A fresh variant of each picture (float [N, C, H, W], 0..255): turned by up to TURN_DEG,
    scaled by up to SCALE, and with the pen a pixel thicker or thinner for a third of them each.
    `light_paper`: the picture is dark ink on light paper (the paper is what fills the corners)."""
    n = pixels.shape[0]
    x = 255.0 - pixels if light_paper else pixels  # work on ink = bright
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(TURN_DEG)
    scale = 1 + (torch.rand(n, generator=gen) * 2 - 1) * SCALE
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, torch.zeros(n)], 1),
                         torch.stack([sin, cos, torch.zeros(n)], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    if not pen_widths:
        return 255.0 - x if light_paper else x
    pen = torch.randint(0, 3, (n,), generator=gen)
    thick = F.max_pool2d(x, 3, 1, 1)
    thin = -F.max_pool2d(-x, 3, 1, 1)
    x = torch.where((pen == 1).view(-1, 1, 1, 1), thick, torch.where((pen == 2).view(-1, 1, 1, 1), thin, x))
    return 255.0 - x if light_paper else x


class BalancedReplay:
    """Training images drawn class by class in turn, so every class is replayed equally often."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, gen: torch.Generator):
        self.images, self.labels, self.gen = images, labels, gen
        self.by_class = [torch.nonzero(labels == c).flatten() for c in range(int(labels.max()) + 1)]
        self.by_class = [ix for ix in self.by_class if len(ix)]
        self._next = 0

    def take(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        picks = []
        for _ in range(n):
            ix = self.by_class[self._next % len(self.by_class)]
            self._next += 1
            picks.append(ix[torch.randint(len(ix), (1,), generator=self.gen)])
        picks = torch.cat(picks)
        return self.images[picks], self.labels[picks]


def fine_tune(model: torch.nn.Module, recipe, pixels: torch.Tensor, labels: torch.Tensor,
              replay_x: Optional[torch.Tensor], replay_y: Optional[torch.Tensor],
              settings: TuneSettings = TuneSettings(),
              progress: Callable[[int, int], None] = lambda done, total: None,
              stop: Callable[[], bool] = lambda: False) -> tuple[torch.nn.Module, float, dict]:
    """(a taught copy of `model`, the seconds it took, {"steps", "last_layer_only"}). `pixels`: the taught drawings as the model
    sees them before its recipe (float [N, C, H, W], 0..255); `labels`: their classes; `replay_x`:
    the model's training images (uint8, as stored; None: no replay). `model` is not changed."""
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)
    taught = (imprint(model, recipe, pixels, labels, settings.imprint) if settings.imprint
              else copy.deepcopy(model).cpu())
    taught.train()
    for m in taught.modules():  # running statistics and dropout as in evaluation
        if isinstance(m, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.Dropout)):
            m.eval()
    opt = _optimizer(taught, settings.freeze_convs, settings.lr)
    frozen = settings.freeze_convs
    t_step = time.perf_counter()
    replay = BalancedReplay(replay_x, replay_y, gen) if replay_x is not None and settings.replay else None
    light = recipe.background == "light" or recipe.framing != "framed"
    pixels, labels = pixels.float(), labels.long()
    done = 0
    for step in range(settings.steps):
        if stop():
            break
        done = step + 1
        pick = (torch.randperm(len(pixels), generator=gen)[:MAX_DRAWINGS]
                if len(pixels) > MAX_DRAWINGS else slice(None))
        x, y = pixels[pick], labels[pick]
        if settings.augment:
            x = augment(x, gen, light, settings.pen_widths)
        weights = torch.full((len(y),), float(settings.drawing_weight))
        if replay is not None:  # one batch, one forward pass
            rx, ry = replay.take(settings.replay)
            x = torch.cat([x, rx.float() if rx.dim() == 4 else rx.float().unsqueeze(1)])
            y = torch.cat([y, ry])
            weights = torch.cat([weights, torch.ones(len(ry))])
        losses = F.cross_entropy(taught(recipe.to_input(x, batch=True)), y, reduction="none")
        loss = (losses * weights).sum() / weights.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        progress(step + 1, settings.steps)
        now = time.perf_counter()
        step_s, t_step = now - t_step, now
        if settings.budget_s is None:
            continue
        if step == 0:
            t_first = now
        # decided on the third step, from the two after the first (which pays for the warm-up)
        if step == 2 and not frozen and \
                now - t0 + (now - t_first) / 2 * (settings.steps - 3) > settings.budget_s:
            frozen = True  # too slow whole: the last layer alone, at twice the rate (measured)
            opt = _optimizer(taught, True, settings.lr * 2)
        elif now - t0 + step_s > settings.budget_s:
            break
    for p in taught.parameters():
        p.requires_grad_(True)
    return taught.eval(), time.perf_counter() - t0, {"steps": done, "last_layer_only": frozen}


def _optimizer(model: torch.nn.Module, last_layer_only: bool, lr: float) -> torch.optim.SGD:
    """SGD with momentum over the whole model, or over its last Linear only (the rest frozen)."""
    last = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
    for p in model.parameters():
        p.requires_grad_(not last_layer_only)
    params = list(last.parameters()) if last_layer_only else list(model.parameters())
    for p in params:
        p.requires_grad_(True)
    return torch.optim.SGD(params, lr=lr, momentum=MOMENTUM)


@torch.no_grad()
def imprint(model: torch.nn.Module, recipe, pixels: torch.Tensor, labels: torch.Tensor,
            strength: float = 0.5) -> torch.nn.Module:
    """An instant answer (weight imprinting): a copy whose last layer's row for each taught class
    moves towards the mean of its drawings' features, scaled to the row's own length. No steps."""
    out = copy.deepcopy(model).cpu().eval()
    last = [m for m in out.modules() if isinstance(m, torch.nn.Linear)][-1]
    seen = []
    hook = last.register_forward_hook(lambda _m, inp, _o: seen.append(inp[0].detach()))
    out(recipe.to_input(pixels.float(), batch=True))
    hook.remove()
    features = seen[0]
    for c in labels.unique().tolist():
        mean = features[labels == c].mean(0)
        row = last.weight[c]
        last.weight[c] = (1 - strength) * row + strength * mean / mean.norm().clamp_min(1e-6) * row.norm()
    return out
