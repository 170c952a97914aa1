"""The runs a user has trained: one record per run, kept in an index beside the checkpoints.

The window's comparison table (the seed's compare_results) reads this, so what was trained
survives a restart. The index is plain JSON written atomically; a damaged index is set aside,
never trusted and never fatal.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Optional

from core.config import RunResult, TrainConfig
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


class RunHistory:
    def __init__(self, folder: Optional[Path] = None):
        self.folder = Path(folder) if folder else runs_dir()
        self.problem: Optional[str] = None  # set when the index had to be set aside
        self._records = self._read()

    @property
    def records(self) -> list[RunRecord]:
        return list(self._records)

    def _read(self) -> list[RunRecord]:
        path = self.folder / INDEX
        if not path.exists():
            return []
        try:
            rows = json.loads(path.read_text())
            names = {f.name for f in fields(RunRecord)}
            return [RunRecord(**{k: v for k, v in row.items() if k in names}) for row in rows]
        except (OSError, ValueError, TypeError, AttributeError) as e:
            aside = path.with_name(f"{INDEX}.damaged-{int(time.time())}")
            try:
                os.replace(path, aside)
            except OSError:
                aside = path
            self.problem = f"The run history {path} could not be read ({e}); it was moved to {aside.name}."
            return []

    def add(self, record: RunRecord) -> None:
        self._records.append(record)
        self._write()

    def remove(self, run_id: str) -> None:
        self._records = [r for r in self._records if r.run_id != run_id]
        self._write()

    def _write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / (INDEX + ".tmp")
        tmp.write_text(json.dumps([asdict(r) for r in self._records], indent=1))
        os.replace(tmp, self.folder / INDEX)
