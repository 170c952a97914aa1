"""One run as the window and `main.py runs` show it, read defensively from its database row:
a value someone edited into nonsense makes the row a ValueError (left out with a note by
core.runs.store), never a crash later in a table or a plot."""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Optional

from core.runs.annotations import checked_diagnoses

STATUSES = ("running", "finished", "stopped", "failed", "interrupted", "pruned")  # pruned: by a study


@dataclass
class RunRow:
    """One run as the window and `main.py runs` show it. The first fields keep the names the
    seed's comparison table (and the older runs.json records) use."""
    run_id: str
    model_id: str
    model_name: str
    model_loss: Optional[float]
    model_acc: Optional[float]
    training_time: float
    epochs: int
    device: str
    optimizer: str
    lr: Optional[float]
    batch_size: Optional[int]
    checkpoint: Optional[str]
    created: str
    status: str = "finished"
    name: str = ""
    note: str = ""
    best_checkpoint: Optional[str] = None
    best_epoch: Optional[int] = None
    best_value: Optional[float] = None
    best_by: str = "test_loss"
    started: float = 0.0
    ended: Optional[float] = None
    torch_version: str = ""
    error: Optional[str] = None
    folder: Optional[str] = None
    source: str = ""
    resumed_from: Optional[str] = None
    config: dict = field(default_factory=dict)
    sweep: Optional[str] = None     # the id of the sweep that started it
    world_size: int = 1             # processes that trained it together (torchrun)
    diagnoses: list = field(default_factory=list)  # [{"code", "says", "evidence", "try"}]

    @property
    def title(self) -> str:
        """The name the user gave it, else the model and its start time."""
        return self.name or f"{self.model_name} {self.created[5:16]}"


# Bounds of what TrainDesk writes, so a damaged or hand-edited file cannot reach a plot or numpy
# with a number they cannot take: JSON integers are unbounded (10**30 overflowed numpy's int64
# and math.isfinite), and a figure near 1e308 made the plot's padded range infinite.
MAX_COUNT = 2 ** 53      # steps, epochs, batches, pids
MAX_FIGURE = 1e39        # losses, rates, times: above any float32 value


def is_number(v, integer: bool = False) -> bool:
    """A JSON number of the kind asked for, within the bounds above (NaN and inf still pass as
    numbers: finite_or_none turns those into None)."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return -MAX_COUNT <= v <= MAX_COUNT if integer else abs(v) <= MAX_FIGURE
    if integer or not isinstance(v, float):
        return False
    return not math.isfinite(v) or abs(v) <= MAX_FIGURE


def finite_or_none(v) -> Optional[float]:
    return float(v) if is_number(v) and math.isfinite(v) else None


def _text(v, what: str, optional: bool = False) -> Optional[str]:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise ValueError(f"{what} is not text")
    return v


def row_from_db(r) -> RunRow:
    """A RunRow from a database row, checking what the window formats and computes with."""
    try:
        config = json.loads(r["config"]) if isinstance(r["config"], str) else None
    except (ValueError, RecursionError):
        config = None
    if not isinstance(config, dict):
        raise ValueError("its settings are not a JSON object")
    status = r["status"]
    if status not in STATUSES:
        raise ValueError(f"status is {str(status)[:20]!r}")
    if not is_number(r["started"]):
        raise ValueError("its start time is not a number")
    for k in ("training_time",):
        if not is_number(r[k]) or not 0 <= r[k] < math.inf:
            raise ValueError(f"{k} is {r[k]!r}")
    if not is_number(r["epochs_done"], integer=True) or r["epochs_done"] < 0:
        raise ValueError(f"epochs is {r['epochs_done']!r}")
    for k in ("final_loss", "final_acc", "best_value", "ended"):
        if r[k] is not None and not is_number(r[k]):
            raise ValueError(f"{k} is {str(r[k])[:20]!r}")
    if r["final_acc"] is not None and not 0 <= r["final_acc"] <= 100:
        raise ValueError(f"accuracy is {r['final_acc']!r}")
    if r["best_epoch"] is not None and not is_number(r["best_epoch"], integer=True):
        raise ValueError("best epoch is not a whole number")
    return build_row(
        run_id=_text(r["id"], "id"), model_id=_text(r["model"], "model"),
        model_name=_text(r["model_name"], "model name"), model_loss=r["final_loss"],
        model_acc=r["final_acc"], training_time=float(r["training_time"]), epochs=r["epochs_done"],
        device=_text(r["device"], "device"), config=config, started=float(r["started"]),
        status=status, checkpoint=_text(r["checkpoint"], "checkpoint", True),
        name=_text(r["name"], "name"), note=_text(r["note"], "note"),
        best_checkpoint=_text(r["best_checkpoint"], "best checkpoint", True),
        best_epoch=r["best_epoch"], best_value=r["best_value"], ended=r["ended"],
        torch_version=_text(r["torch_version"], "torch version"),
        error=_text(r["error"], "error", True), folder=_text(r["folder"], "folder", True),
        source=_text(r["source"], "source"), resumed_from=_text(r["resumed_from"], "resumed from", True),
        sweep=_text(r["sweep"], "sweep", True),
        world_size=r["world_size"] if is_number(r["world_size"], integer=True) else 1,
        diagnoses=checked_diagnoses(r["diagnoses"] if "diagnoses" in r.keys() else None))


def build_row(*, config: dict, started: float, **values) -> RunRow:
    """One run as shown, from what its source holds: the history's database (row_from_db) or a
    run folder being followed (gui/follow/run_summary.py). The columns that come from the run's
    settings (optimizer, rate, batch, the best epoch's figure) and its start time are read here,
    the same way for both; `values` are RunRow's other fields, already checked by the caller."""
    lr, bs = config.get("lr"), config.get("batch_size")
    return RunRow(**values, optimizer=str(config.get("optimizer", "")),
                  lr=float(lr) if is_number(lr) and math.isfinite(lr) else None,
                  batch_size=bs if is_number(bs, integer=True) else None,
                  created=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
                  best_by=str(config.get("best_by", "test_loss")), started=started, config=config)
