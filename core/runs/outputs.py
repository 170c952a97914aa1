"""Where a kept run's figures go, one writer per output, each with the same three calls:
`batch(point)` for a curve point, `epoch(row, written)` for a finished epoch (`written`: a
checkpoint was just written), and `end(summary)` once. The run history (SQLite), the run's own
folder (run.json and metrics.jsonl, for a window following it) and TensorBoard's event files;
the checkpoints are core/runs/checkpoints.py's."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional

from core.runs.checkpoints import CheckpointWriter
from core.runs.files import TENSORBOARD
from core.runs.folder import RunFolderWriter
from core.runs.store import HEARTBEAT_S, RunStore, StoreError

EPOCHS_EVERY_S = 1.0
CURVE_KEYS = ("step", "epoch", "loss", "acc", "lr", "elapsed")  # what the history keeps of a point


class HistoryOutput:
    """The run's rows in the run history: the curve about once a heartbeat, the epochs at each
    checkpoint (a toy epoch takes a millisecond: their rows go in together, about once a second),
    the end. A write the history refuses is said once per write and the run goes on."""

    def __init__(self, store: RunStore, run_id: str, checkpoints: CheckpointWriter,
                 log: Callable[[str], None]):
        self.store, self.run_id, self.checkpoints, self.log = store, run_id, checkpoints, log
        self._curve: list[dict] = []
        self._epochs: list[dict] = []
        self._epochs_at = self._flushed_at = time.monotonic()

    def batch(self, point: dict) -> None:
        self._curve.append({k: point[k] for k in CURVE_KEYS})
        if time.monotonic() - self._flushed_at >= HEARTBEAT_S:
            self._write(lambda s: s.add_curve(self.run_id, self._take_curve()))

    def epoch(self, row: dict, written: bool) -> None:
        self._epochs.append(row)
        if written or row["epoch"] == row["epochs"] or \
                time.monotonic() - self._epochs_at >= EPOCHS_EVERY_S:
            self._flush_epochs()

    def end(self, summary: dict) -> None:
        self._flush_epochs()
        self._write(lambda s: s.finish(
            self.run_id, summary["status"], summary["model_loss"], summary["model_acc"],
            summary["training_time"], summary["epochs"], summary["checkpoint"],
            self.checkpoints.best, summary["error"], self._take_curve()))

    def reopen(self) -> None:
        self._write(lambda s: s.reopen(self.run_id))

    def _flush_epochs(self) -> None:
        epochs, self._epochs, self._epochs_at = self._epochs, [], time.monotonic()
        if epochs:
            c = self.checkpoints
            self._write(lambda s: s.add_epochs(self.run_id, epochs, self._take_curve(),
                                               str(c.last_path) if c.wrote_last else None, c.best))

    def _take_curve(self) -> list[dict]:
        curve, self._curve = self._curve, []
        self._flushed_at = time.monotonic()
        return curve

    def _write(self, write) -> None:
        try:
            write(self.store)
        except StoreError as e:
            self.log(f"The run history missed an update: {e}")


class FolderOutput:
    """metrics.jsonl in the run's folder: every point, epoch and the end (core/runs/folder.py)."""

    def __init__(self, folder: Path, info: dict, log: Callable[[str], None]):
        self.writer = RunFolderWriter(folder, info, log)

    def batch(self, point: dict) -> None:
        self.writer.batch(point)

    def epoch(self, row: dict, written: bool) -> None:
        self.writer.epoch(row)

    def end(self, summary: dict) -> None:
        self.writer.end(summary)


class TensorBoardOutput:
    """TensorBoard event files in the run's folder ("Write TensorBoard logs")."""

    def __init__(self, writer):
        self.writer = writer

    @classmethod
    def open(cls, folder: Path, log: Callable[[str], None]) -> Optional["TensorBoardOutput"]:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            log("TensorBoard logs need the tensorboard package (pip install tensorboard); "
                "this run writes none.")
            return None
        return cls(SummaryWriter(log_dir=str(folder / TENSORBOARD)))

    def batch(self, point: dict) -> None:
        self.writer.add_scalar("batch/loss", point["loss"], point["step"])
        for key, name in (("acc", "accuracy"), ("lr", "lr")):
            if point[key] is not None:
                self.writer.add_scalar(f"batch/{name}", point[key], point["step"])

    def epoch(self, row: dict, written: bool) -> None:
        for name in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
            if row.get(name) is not None:
                self.writer.add_scalar(f"epoch/{name}", row[name], row["epoch"])
        if written:
            self.writer.flush()

    def end(self, summary: dict) -> None:
        self.writer.close()
