"""The old run index, runs.json (TrainDesk 0.2), read once when its runs move into the SQLite
history (core/runs/migrate.py). Nothing writes it any more.

Each record is checked before it is trusted: a damaged index is set aside whole, a damaged record
is left out (a copy of the original kept), and neither is ever fatal.
"""
from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Optional

from core.kept_files import damaged_note, json_type, locked, read_json, reason, set_aside

INDEX = "runs.json"


@dataclass
class RunRecord:
    """One run of the old index, with the names of the seed notebook's comparison table."""
    run_id: str
    model_id: str
    model_name: str
    model_loss: float
    model_acc: Optional[float]
    training_time: float
    epochs: int
    device: str
    optimizer: str
    lr: float
    batch_size: int
    checkpoint: Optional[str]
    created: str


def _number(ok: Callable[[float], bool], integer: bool = False, optional: bool = False):
    def check(v):
        if v is None:
            return optional
        if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)):
            return False
        return ok(v)
    return check


def _text(optional: bool = False):
    return lambda v: isinstance(v, str) or (optional and v is None)


# What the window formats and computes with; a value outside these would fail there, later.
# A diverged run's loss is NaN or inf in earnest, so the loss may be non-finite but not negative.
CHECKS: dict[str, Callable[[object], bool]] = {
    "run_id": lambda v: isinstance(v, str) and v != "", "model_id": _text(), "model_name": _text(),
    "model_loss": _number(lambda v: not v < 0),
    "model_acc": _number(lambda v: 0 <= v <= 100, optional=True),
    "training_time": _number(lambda v: 0 <= v < math.inf),
    "epochs": _number(lambda v: 0 <= v <= 10**7, integer=True),
    "device": _text(), "optimizer": _text(), "lr": _number(lambda v: 0 < v < math.inf),
    "batch_size": _number(lambda v: 1 <= v <= 10**9, integer=True),
    "checkpoint": _text(optional=True), "created": _text(),
}
OPTIONAL = {"model_acc", "checkpoint"}


def _record(row) -> RunRecord:
    """A RunRecord from one row of the index; ValueError saying which field is wrong."""
    if not isinstance(row, dict):
        raise ValueError(f"{json_type(row)} instead of an object")
    values = {}
    for f in fields(RunRecord):
        if f.name not in row and f.name not in OPTIONAL:
            raise ValueError(f"no {f.name}")
        v = row.get(f.name)
        if not CHECKS[f.name](v):
            raise ValueError(f"{f.name} is {json.dumps(v)[:40]}")
        values[f.name] = float(v) if isinstance(v, int) and f.type in ("float", "Optional[float]") else v
    return RunRecord(**values)


def read_index(folder: Path) -> tuple[list[RunRecord], Optional[str]]:
    """The good records of `folder`'s runs.json, and a one-line note when something was set aside
    or left out (None when all was well, or there is no index)."""
    path = Path(folder) / INDEX
    if not os.path.lexists(path):
        return [], None
    with locked(path):  # an older TrainDesk may still be writing it
        try:
            rows = read_json(path)
            if not isinstance(rows, list):
                raise ValueError(f"it holds {json_type(rows)} instead of a list of runs")
        except FileNotFoundError:
            return [], None
        except (OSError, ValueError) as e:
            return [], damaged_note("The run history", path, reason(e), set_aside(path))
        good, bad = [], []
        for i, row in enumerate(rows, start=1):
            try:
                good.append(_record(row))
            except ValueError as e:
                bad.append(f"record {i}: {e}")
        if not bad:
            return good, None
        kept = set_aside(path, copy=True)
    more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
    note = (f"The run history {path} had {len(bad)} damaged of {len(rows)} records ({bad[0]}{more}); "
            "the damaged ones are left out, " + (f"the original is kept as {kept.name}." if kept else
                                                  "and the file is left as it was (it could not be copied aside)."))
    logging.getLogger("traindesk").warning(note)
    return good, note
