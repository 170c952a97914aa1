"""The toy data sets of notebooks 01 and 02: a straight line and two circles. Their settings'
defaults, ranges and checks are declared in core/data/toy_settings.py."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.data.toy_settings import CirclesData, LineData

_LINE, _CIRCLES = LineData(), CirclesData()  # the declared defaults


@dataclass
class ToyData:
    train_x: torch.Tensor  # float32 [N, features]
    train_y: torch.Tensor  # float32 [N, 1]
    test_x: torch.Tensor
    test_y: torch.Tensor
    source: str

    def to(self, device) -> "ToyData":
        return ToyData(self.train_x.to(device), self.train_y.to(device),
                       self.test_x.to(device), self.test_y.to(device), self.source)


def make_line(weight: float = _LINE.weight, bias: float = _LINE.bias, start: float = _LINE.start,
              end: float = _LINE.end, step: float = _LINE.step,
              train_fraction: float = _LINE.train_fraction) -> ToyData:
    """y = weight * X + bias on X = arange(start, end, step); the first part trains, the rest tests.
    ValueError (naming the flag) for settings the declarations do not allow."""
    LineData(weight, bias, start, end, step, train_fraction).validate()
    x = torch.arange(start, end, step, dtype=torch.float32).unsqueeze(1)
    y = weight * x + bias
    split = int(train_fraction * len(x))
    if split < 1 or split >= len(x):
        raise ValueError("the line has too few points to split into train and test")
    return ToyData(x[:split], y[:split], x[split:], y[split:],
                   f"line y = {weight}x + {bias}, {len(x)} points")


def make_circles(n_samples: int = _CIRCLES.n_samples, noise: float = _CIRCLES.noise,
                 factor: float = _CIRCLES.factor, seed: int = _CIRCLES.seed,
                 test_fraction: float = 0.2) -> ToyData:
    """Two concentric circles as scikit-learn's make_circles draws them, split as train_test_split.

    Written out here (same algorithm and random stream) so TrainDesk does not need scikit-learn.
    ValueError (naming the flag) for settings the declarations do not allow.
    """
    CirclesData(n_samples, noise, factor, seed).validate()
    rng = np.random.RandomState(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    x = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor),
                   np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    order = np.arange(n_samples)
    rng.shuffle(order)
    x, y = x[order], y[order]
    x = x + rng.normal(scale=noise, size=x.shape)
    # train_test_split(test_size=..., random_state=seed): one permutation, test first.
    n_test = int(np.ceil(test_fraction * n_samples))
    perm = np.random.RandomState(seed).permutation(n_samples)
    test, train = perm[:n_test], perm[n_test:]

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a)).float()

    return ToyData(t(x[train]), t(y[train]).unsqueeze(1), t(x[test]), t(y[test]).unsqueeze(1),
                   f"circles n={n_samples} noise={noise} factor={factor} seed={seed}")
