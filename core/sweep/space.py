"""A study's search space: for each swept setting a list (a choice) or a range (sampled), written on
the command line as `--batch-size 32,64,128` or `--lr 0.005:0.5:log`, `--momentum 0:0.95`.

Every value a trial can get is checked before anything starts, with the settings' own checks: each
list value and both ends of each range (core/sweep/plan.py's make_plan does the checking).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

from core.config import TrainConfig
from core.settings_spec import settings_of
from core.sweep.plan import SWEPT, parse_list

_SETTINGS = {s.name: s for s in settings_of(TrainConfig)}


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def to_json(self) -> dict:
        return {"low": self.low, "high": self.high, "log": self.log}

    def ends(self) -> list:
        return [self.low, self.high]


Values = Union[list, Range]


def is_range(text: str) -> bool:
    return ":" in str(text)


def parse_values(name: str, text: str) -> Values:
    """A list (comma-separated) or a range (LOW:HIGH or LOW:HIGH:log) of one setting's values.
    ValueError names the flag."""
    spec = _SETTINGS[name]
    if not is_range(text):
        return parse_list(name, text)
    example = "e.g. 0.005:0.5:log" if spec.kind is float else "e.g. 16:128"
    if spec.kind not in (int, float):
        raise ValueError(f"{spec.words} ({spec.flag}) is a choice: list its values separated by "
                         f"commas, not a range ({text!r})")
    parts = [p.strip() for p in str(text).split(":")]
    if "," in text or len(parts) not in (2, 3) or len(parts) == 3 and parts[2].lower() != "log":
        raise ValueError(f"{spec.words} ({spec.flag}): {text!r} is neither a list nor a range "
                         f"(LOW:HIGH or LOW:HIGH:log, {example})")
    ends = []
    for part in parts[:2]:
        try:
            value = spec.kind(part)
        except ValueError:
            raise spec.error("a whole number" if spec.kind is int else "a number", part) from None
        if not math.isfinite(value):
            raise spec.error("a finite number", part)
        ends.append(value)
    low, high = ends
    log = len(parts) == 3
    if not low < high:
        raise ValueError(f"{spec.words} ({spec.flag}): a range goes from low to high; "
                         f"{text!r} does not")
    if log and low <= 0:
        raise ValueError(f"{spec.words} ({spec.flag}): a log range must start above 0, not at {low:g}")
    return Range(low, high, log, spec.kind is int)


def parse_space(texts: dict) -> dict:
    """{setting: list or Range} from {setting: text}, in SWEPT order."""
    return {name: parse_values(name, texts[name]) for name in SWEPT if texts.get(name) is not None}


def has_range(space: dict) -> bool:
    return any(isinstance(v, Range) for v in space.values())


def check_lists(space: dict) -> dict:
    """The lists make_plan checks: each list as it is, each range as its two ends."""
    return {k: v.ends() if isinstance(v, Range) else v for k, v in space.items()}


def space_json(space: dict) -> dict:
    return {k: v.to_json() if isinstance(v, Range) else list(v) for k, v in space.items()}


def grid_size(space: dict) -> int:
    n = 1
    for v in space.values():
        n *= len(v) if isinstance(v, list) else 1
    return n


def suggest(trial, space: dict) -> dict:
    """The trial's values, one per setting of the space (a range sampled, a list chosen from)."""
    values = {}
    for name, v in space.items():
        if isinstance(v, Range) and v.integer:
            values[name] = trial.suggest_int(name, int(v.low), int(v.high), log=v.log)
        elif isinstance(v, Range):
            values[name] = trial.suggest_float(name, v.low, v.high, log=v.log)
        else:
            values[name] = trial.suggest_categorical(name, list(v))
    return values
