"""What the toy workflows draw, as plain numpy: the line's fit and the circles' decision boundary.

No Qt here: the window's worker calls these between epochs, and the tests check them directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def least_squares_line(x, y) -> tuple[float, float]:
    """The closed-form best straight line through (x, y): what a perfect fit of `line` would learn.

    Solved in float64 so it is a reference for the float32 training, not another approximation.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    design = np.stack([x, np.ones_like(x)], axis=1)
    (weight, bias), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(weight), float(bias)


def learned_line(model: nn.Module) -> tuple[float, float]:
    """Weight and bias of a model that computes a straight line (`line`, `line-stack`).

    Read off two points, so it holds for any affine model, however many layers it stacks.
    """
    at = next(model.parameters())
    with torch.inference_mode():
        ends = model(torch.tensor([[0.0], [1.0]], dtype=at.dtype, device=at.device)).double().cpu()
    bias = float(ends[0, 0])
    return float(ends[1, 0]) - bias, bias


def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """The model's raw outputs for x as a flat float32 array (eval mode, no autograd)."""
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        out = model(x).reshape(-1).float().cpu().numpy()
    model.train(was_training)
    return out


@dataclass(frozen=True)
class Grid:
    """A square lattice over the data's bounding box, as notebook 02's plot_decision_boundary uses.

    `points` is [steps * steps, 2], row-major with y outer, so `probabilities` reshapes it straight
    into an image whose first axis is x once transposed for pyqtgraph's ImageItem.
    """
    x0: float
    y0: float
    width: float
    height: float
    steps: int
    points: torch.Tensor


def boundary_grid(*point_sets, steps: int = 101, margin: float = 0.1) -> Grid:
    """One grid covering every set given (train and test), so both panels share one boundary."""
    xy = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in point_sets])
    lo, hi = xy.min(axis=0) - margin, xy.max(axis=0) + margin
    xs = np.linspace(lo[0], hi[0], steps)
    ys = np.linspace(lo[1], hi[1], steps)
    gx, gy = np.meshgrid(xs, ys)  # gx[j, i] = xs[i]: row j is one y
    points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()
    return Grid(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]), steps, points)


def probabilities(model: nn.Module, grid: Grid) -> np.ndarray:
    """Probability of class 1 at each grid point, shape [steps (x), steps (y)], float32 in 0..1."""
    device = next(model.parameters()).device
    logits = predict(model, grid.points.to(device))
    prob = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    return prob.astype(np.float32).reshape(grid.steps, grid.steps).T  # [y, x] -> [x, y]


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Percent of points on the right side of the boundary (logit > 0 means class 1)."""
    hits = (predict(model, x) > 0) == (y.reshape(-1).cpu().numpy() > 0.5)
    return 100.0 * float(hits.mean())
