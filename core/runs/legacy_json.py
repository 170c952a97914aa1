"""The old run index, runs.json (TrainDesk 0.2): read once, with these checks, when its runs are
moved into the SQLite history (core/runs/migrate.py, core/runs/store.py); nothing writes it any more
except tests that make one to migrate.

The index is plain JSON written atomically under a lock; a damaged index is set aside, never
trusted and never fatal, and a damaged record is left out with the original kept.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Optional

from core.config import RunResult, TrainConfig
from core.kept_files import (damaged_note, json_type, locked, read_json, reason,
                              remove_stale_temps, set_aside, write_atomic)
from core.paths import runs_dir

INDEX = "runs.json"


@dataclass
class RunRecord:
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

    @classmethod
    def from_run(cls, config: TrainConfig, result: RunResult) -> "RunRecord":
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        run_id = f"{config.model}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        return cls(run_id, config.model, result.model_name, result.model_loss, result.model_acc,
                   result.training_time, result.epochs_done, result.device, config.optimizer,
                   config.lr, config.batch_size, result.checkpoint, stamp)


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


class RunHistory:
    def __init__(self, folder: Optional[Path] = None):
        self.folder = Path(folder) if folder else runs_dir()
        self.problem: Optional[str] = None  # one line, set when the index or a record was set aside
        path = self.folder / INDEX
        if os.path.lexists(path):
            with locked(path):
                self._records = self._load(path) or []
        else:
            self._records = []

    @property
    def records(self) -> list[RunRecord]:
        return list(self._records)

    def _load(self, path: Path) -> Optional[list[RunRecord]]:
        """The records on disk (call with the lock held); None when the index had to be set aside."""
        try:
            rows = read_json(path)
            if not isinstance(rows, list):
                raise ValueError(f"it holds {json_type(rows)} instead of a list of runs")
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as e:
            self.problem = damaged_note("The run history", path, reason(e), set_aside(path))
            return None
        good, bad = [], []
        for i, row in enumerate(rows, start=1):
            try:
                good.append(_record(row))
            except ValueError as e:
                bad.append(f"record {i}: {e}")
        if bad:
            kept = set_aside(path, copy=True)
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            self.problem = (f"The run history {path} had {len(bad)} damaged of {len(rows)} records "
                            f"({bad[0]}{more}); the damaged ones are left out, "
                            + (f"the original is kept as {kept.name}." if kept else
                               "and the file is left as it was (it could not be copied aside)."))
            logging.getLogger("traindesk").warning(self.problem)
            if kept:  # only rewrite once the original is safe, so the next start is clean
                try:
                    self._write(path, good)
                except OSError:
                    pass
        return good

    def add(self, record: RunRecord) -> None:
        self._update(lambda rs: [r for r in rs if r.run_id != record.run_id] + [record])

    def remove(self, run_id: str) -> None:
        self._update(lambda rs: [r for r in rs if r.run_id != run_id])

    def _update(self, change) -> None:
        """Apply `change` to what is on disk now (another window may have added runs since this
        one read it), falling back to what this one holds if the index had to be set aside.
        OSError with a one-line message when the index cannot be written."""
        path = self.folder / INDEX
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with locked(path):
                on_disk = self._load(path)
                self._records = change(self._records if on_disk is None else on_disk)
                self._write(path, self._records)
        except OSError as e:
            raise OSError(f"the run history {path} could not be written ({reason(e)})") from None

    @staticmethod
    def _write(path: Path, records: list[RunRecord]) -> None:
        remove_stale_temps(path.parent, path.name)
        write_atomic(path, json.dumps([asdict(r) for r in records], indent=1).encode())
