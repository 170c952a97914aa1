"""The data settings of the two toy workflows (notebooks 01 and 02), declared once like a run's.

Each is a `setting()` field (core/settings_spec.py) with the seed notebooks' value as its default,
its range and its help; from that declaration come make_line's and make_circles's defaults
(core/data/toy.py), the `train` flags --line-* and --circles-* (core/cli/common.py), the rows of
the window's toy data panels (gui/toy/data_panels.py) and the clamping of remembered values. A
run keeps only the values that were set (TrainConfig.line, .circles: {name: value}); the rest
are these defaults.

Plain Python and no torch, so the window can read it before its first paint.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from core.settings_spec import check_all, setting

LINE = ("line",)
CIRCLES = ("circles",)


@dataclass
class LineData:
    """y = weight * x + bias on x = arange(start, end, step); the first part trains."""
    FLAG_PREFIX = "line"
    weight: float = setting(
        0.7, "Weight", "the line's slope: y = weight * x + bias (notebook 01's chapter: 0.7)",
        "Data", low=-100, high=100, step=0.1, decimals=3, workflows=LINE)
    bias: float = setting(
        0.3, "Bias", "where the line crosses x = 0 (notebook 01's chapter: 0.3)", "Data",
        low=-100, high=100, step=0.1, decimals=3, workflows=LINE)
    start: float = setting(
        0.0, "From x", "the first point's x: x = arange(start, end, step)", "Data",
        low=-100, high=100, step=0.5, decimals=2, noun="start", workflows=LINE)
    end: float = setting(
        1.0, "To x", "where the points stop (not included); more than the start", "Data",
        low=-100, high=100, step=0.5, decimals=2, noun="end", workflows=LINE)
    step: float = setting(
        0.01, "Step", "the distance between two points' x", "Data",
        low=0.001, high=10, step=0.005, decimals=3, workflows=LINE)
    train_fraction: float = setting(
        0.8, "Train fraction", "the share of the points, from the left, that trains; the rest "
        "tests", "Data", low=0.05, high=0.95, step=0.05, decimals=2, workflows=LINE)

    def validate(self) -> None:
        """ValueError naming the flags unless every value is allowed and they make a line with
        points to train and to test on."""
        check_all(self)
        if self.end <= self.start:
            raise ValueError(f"the line needs start < end (--line-start {self.start:g}, "
                             f"--line-end {self.end:g})")
        points = math.ceil((self.end - self.start) / self.step - 1e-9)
        split = int(self.train_fraction * points)
        if split < 1 or split >= points:
            raise ValueError(f"the line has too few points to split into train and test: "
                             f"{points} from {self.start:g} to {self.end:g} by {self.step:g} at "
                             f"--line-train-fraction {self.train_fraction:g} (choose a smaller "
                             "--line-step)")


@dataclass
class CirclesData:
    """Two noisy concentric rings, as scikit-learn's make_circles draws them."""
    FLAG_PREFIX = "circles"
    n_samples: int = setting(
        1000, "Samples", "points in the two rings together, half on each", "Data",
        low=10, high=100_000, step=100, flag_name="samples", workflows=CIRCLES)
    noise: float = setting(
        0.03, "Noise", "the standard deviation of the noise added to each point", "Data",
        low=0, high=1, step=0.01, decimals=3, workflows=CIRCLES)
    factor: float = setting(
        0.8, "Inner/outer radius", "the inner ring's radius as a share of the outer ring's",
        "Data", low=0.05, high=0.95, step=0.05, decimals=2, noun="factor", workflows=CIRCLES)
    seed: int = setting(
        42, "Seed", "draws the points' noise and order and the train/test split (random_state)",
        "Data", low=0, high=2**31 - 1, step=1, workflows=CIRCLES)

    def validate(self) -> None:
        check_all(self)


# The workflow each toy data set belongs to, and the TrainConfig field holding its values.
TOY_DATA = {"line": LineData, "circles": CirclesData}


def toy_data(task: str, values) -> LineData | CirclesData:
    """The data settings a run's {name: value} ask for, the rest at their defaults, checked:
    ValueError names the flag of the first value that is not allowed."""
    cls = TOY_DATA[task]
    if not isinstance(values, dict):
        raise ValueError(f"the {task} data settings must be a mapping of names to values, "
                         f"not {type(values).__name__}")
    names = [f.name for f in fields(cls)]
    unknown = sorted(str(k) for k in values if k not in names)
    if unknown:
        raise ValueError(f"the {task} data have no setting {unknown[0]!r}; they have "
                         f"{', '.join(names)}")
    data = cls(**values)
    data.validate()
    return data
