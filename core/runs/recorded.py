"""One training run as it is kept: its own folder, its last and best checkpoints, its rows in the
run history (core/runs/store.py) and, if asked, TensorBoard event files. The window's worker and
the CLI both train through this, so a run is kept the same way whatever started it.

The recorder passes each curve point, finished epoch and the end to one writer per output
(core/runs/outputs.py), after the checkpoints (core/runs/checkpoints.py): a run killed outright
keeps its last written epoch and can be continued from it, and a checkpoint that cannot be written
ends the run `failed`, reporting the checkpoint that is on disk. Problems are said through `log`
and kept in the log file.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Iterator, Optional

from core import applog
from core.config import BatchResult, EpochResult, RunResult
from core.runs.checkpoints import CheckpointWriter
from core.runs.files import new_run_folder
from core.runs.outputs import FolderOutput, HistoryOutput, TensorBoardOutput
from core.runs.store import RunStore, StoreError

CURVE_EVERY_S = 0.1  # the per-batch curve kept: at most ten points a second
# What the history calls a trainer's ending: a NaN halt or a divergence is a failed run.
STATUS = {"finished": "finished", "stopped": "stopped", "halted": "failed", "diverged": "failed"}


class RecordedRun:
    def __init__(self, trainer, base_dir: Path, source: str, store: Optional[RunStore] = None,
                 log: Callable[[str], None] = lambda msg: None, sweep: Optional[str] = None):
        import time

        import torch

        self.trainer, self._show, self.source = trainer, log, source
        self.run_id, self.folder = new_run_folder(Path(base_dir).absolute(), trainer.config.model)
        self.checkpoints = CheckpointWriter(self.folder, self.log)
        self._curve_at = -1.0
        trainer.on_epoch = self._on_epoch
        # The folder describes the run by itself, for a window following it (core/runs/folder.py).
        folder = FolderOutput(self.folder, {
            "run_id": self.run_id, "model": trainer.config.model,
            "model_name": trainer.spec.class_name, "task": trainer.task,
            "classes": list(trainer.classes), "config": trainer.config.to_dict(),
            "device": _device(trainer), "torch_version": torch.__version__, "source": source,
            "started": time.time(), "resumed_from": trainer.resumed_from,
            "world_size": getattr(trainer, "world_size", 1), "sweep": sweep}, self.log)
        for ev in trainer.history:  # a continued run starts with the epochs it already has
            folder.epoch(vars(ev), written=False)
        self.outputs: list = [folder]
        if trainer.config.tensorboard:
            tb = TensorBoardOutput.open(self.folder, self.log)
            self.outputs += [tb] if tb is not None else []
        self.store = store if store is not None else RunStore()
        try:
            self.store.begin(self.run_id, trainer.config.to_dict(), trainer.spec.class_name,
                             _device(trainer), torch.__version__, str(self.folder), source,
                             trainer.resumed_from, sweep, getattr(trainer, "world_size", 1))
            if self.store.problem:
                self.log(self.store.problem)
            self._copy_parent()
            self.history: Optional[HistoryOutput] = HistoryOutput(self.store, self.run_id,
                                                                  self.checkpoints, self.log)
            self.outputs.append(self.history)
        except StoreError as e:  # the run goes on and its checkpoints are written all the same
            self.log(f"This run is not in the run history: {e}")
            self.store, self.history = None, None

    # What the commands and the window read of the checkpoints.
    last_path = property(lambda self: self.checkpoints.last_path)
    best = property(lambda self: self.checkpoints.best)
    failed_write = property(lambda self: self.checkpoints.failed_write)
    write_error = property(lambda self: self.checkpoints.write_error)

    # -- training ---------------------------------------------------------------------------------
    def events(self, epochs: Optional[int] = None) -> Iterator:
        """The trainer's events, kept as they pass."""
        for ev in self.trainer.run(epochs):
            if isinstance(ev, BatchResult) and (ev.elapsed - self._curve_at >= CURVE_EVERY_S
                                                or ev.batch == ev.batches):
                self._curve_at = ev.elapsed
                point = {"step": ev.step, "epoch": ev.epoch, "loss": ev.loss, "acc": ev.acc,
                         "lr": ev.lr, "elapsed": ev.elapsed, "batch": ev.batch,
                         "batches": ev.batches}
                for out in self.outputs:
                    out.batch(point)
            yield ev

    def _on_epoch(self, trainer, ev: EpochResult, improved: bool) -> None:
        """Called by the trainer after each epoch that passed its checks: the checkpoints first,
        so an epoch in the history or the run folder is one a checkpoint may hold."""
        c = self.checkpoints
        if improved:
            c.note_best(trainer)
        written = c.due(ev.epoch, ev.epochs) and c.failed_write is None
        if written:
            c.write(trainer)
        for out in self.outputs:
            out.epoch(vars(ev), written)

    def reopen(self) -> None:
        """The same run trains on (the window's "+1 epoch"): it is running again."""
        self.checkpoints.reopen()  # its checkpoints are tried again (the disk may be back)
        if self.history is not None:
            self.history.reopen()

    # -- the end ----------------------------------------------------------------------------------
    def finish(self) -> RunResult:
        """Write the final checkpoints and the run's end; the RunResult names the last checkpoint.
        After a failed write it names none (nothing was saved now): the run is `failed`, its error
        and figures are those of the checkpoint still on disk (extra["checkpoint_on_disk"])."""
        t, c = self.trainer, self.checkpoints
        if c.needed_at_end(t):
            c.write(t)
        result = t.result(checkpoint=c.reported_path) if c.failed_write is None \
            else self._failed_result(t.result())
        best = c.best
        summary = {"status": STATUS.get(result.status, "failed"), "model_loss": result.model_loss,
                   "model_acc": result.model_acc, "training_time": result.training_time,
                   "epochs": result.epochs_done, "checkpoint": c.reported_path,
                   "best_checkpoint": best["path"] if best else None,
                   "best_epoch": best["epoch"] if best else None, "error": result.error}
        for out in self.outputs:
            out.end(summary)
        return result

    def _failed_result(self, result: RunResult) -> RunResult:
        """The run as it ended after a failed write. Its figures are those of the checkpoint on
        disk, so that a checkpoint and the figures beside it always agree; with none on disk,
        those of its last epoch (nothing then carries them)."""
        c = self.checkpoints
        error = c.failed_write if not result.error else f"{result.error} {c.failed_write}"
        result = dataclasses.replace(result, status="failed", stopped=False, error=error,
                                     checkpoint=None,
                                     extra={**result.extra, "checkpoint_on_disk": c.on_disk})
        if c.on_disk is not None:
            result.model_loss, result.model_acc = c.on_disk["model_loss"], c.on_disk["model_acc"]
        return result

    # -- helpers ----------------------------------------------------------------------------------
    def log(self, msg: str) -> None:
        """A problem: shown where the run is watched, and kept in the log file."""
        applog.get().warning("run %s: %s", self.run_id if hasattr(self, "run_id") else "?", msg)
        self._show(msg)

    def _copy_parent(self) -> None:
        """A continued run starts with the epochs (and curve) of the run it continues."""
        t = self.trainer
        for ev in t.history:
            self.store.add_epoch(self.run_id, vars(ev), [], None, None)
        if t.resumed_from:
            self.store.add_curve(self.run_id, self.store.curve_of_checkpoint(t.resumed_from, t.steps))


def _device(trainer) -> str:
    from core.device import describe
    return describe(trainer.device)
