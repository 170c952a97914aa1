"""One training run as it is kept: its own folder, its last and best checkpoints, its rows in the
run history (core/runs/store.py) and, if asked, TensorBoard event files. The window's worker and
the CLI both train through this, so a run is kept the same way whatever started it.

Checkpoints are written at the end of an epoch (at most every CHECKPOINT_EVERY_S, so the line and
circles models' millisecond epochs do not turn into a disk benchmark) and always at the end: a run
killed outright keeps its last written epoch and can be continued from it. A checkpoint that cannot
be written (a full, read-only or unplugged disk, a deleted run folder) is tried once more; then the
run ends `failed`, and what it reports is the checkpoint that is on disk, with its own figures.
Problems are said through `log` and kept in the log file.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

from core import applog, checkpoint
from core.config import BatchResult, EpochResult, RunResult
from core.runs.files import BEST, LAST, TENSORBOARD, new_run_folder
from core.runs.folder import RunFolderWriter
from core.runs.store import HEARTBEAT_S, RunStore, StoreError

CHECKPOINT_EVERY_S = 5.0
RETRY_WRITE_S = 0.5  # a failed checkpoint write is tried again once, this much later
EPOCHS_EVERY_S = 1.0
CURVE_EVERY_S = 0.1  # the per-batch curve kept in the history: at most ten points a second
# What the history calls a trainer's ending: a NaN halt or a divergence is a failed run.
STATUS = {"finished": "finished", "stopped": "stopped", "halted": "failed", "diverged": "failed"}


class RecordedRun:
    def __init__(self, trainer, base_dir: Path, source: str, store: Optional[RunStore] = None,
                 log: Callable[[str], None] = lambda msg: None, sweep: Optional[str] = None):
        import torch

        self.trainer, self._show, self.source = trainer, log, source
        self.run_id, self.folder = new_run_folder(Path(base_dir).absolute(), trainer.config.model)
        self.last_path = self.folder / LAST
        self.best: Optional[dict] = None        # {"path", "epoch", "value"} once written
        self._pending_best = None               # a snapshot of a best epoch not yet written
        self._last_written = 0.0
        self._wrote_last = False
        self._epoch_written = -1                # how many epochs the last checkpoint written had
        self.write_error: Optional[str] = None  # why the last checkpoint could not be written
        self.failed_write: Optional[str] = None  # set when a write failed twice: the run ends failed
        self.on_disk: Optional[dict] = None     # the last checkpoint written: path, epoch, figures
        self._curve: list[dict] = []
        self._epochs: list[dict] = []           # epoch rows not yet in the history
        self._epochs_at = time.monotonic()
        self._curve_at = -1.0
        self._flushed_at = time.monotonic()
        self.tb = self._tensorboard() if trainer.config.tensorboard else None
        trainer.on_epoch = self._on_epoch
        # The folder describes the run by itself, for a window following it (core/runs/folder.py).
        self.metrics = RunFolderWriter(self.folder, {
            "run_id": self.run_id, "model": trainer.config.model,
            "model_name": trainer.spec.class_name, "task": trainer.task,
            "classes": list(trainer.classes), "config": trainer.config.to_dict(),
            "device": _device(trainer), "torch_version": torch.__version__, "source": source,
            "started": time.time(), "resumed_from": trainer.resumed_from,
            "world_size": getattr(trainer, "world_size", 1), "sweep": sweep}, self.log)
        for ev in trainer.history:  # a continued run starts with the epochs it already has
            self.metrics.epoch(vars(ev))
        self.store = store if store is not None else RunStore()
        try:
            self.store.begin(self.run_id, trainer.config.to_dict(), trainer.spec.class_name,
                             _device(trainer), torch.__version__, str(self.folder), source,
                             trainer.resumed_from, sweep, getattr(trainer, "world_size", 1))
            if self.store.problem:
                self.log(self.store.problem)
            self._copy_parent()
        except StoreError as e:  # the run goes on and its checkpoints are written all the same
            self.log(f"This run is not in the run history: {e}")
            self.store = None

    # -- training ---------------------------------------------------------------------------------
    def events(self, epochs: Optional[int] = None) -> Iterator:
        """The trainer's events, kept as they pass."""
        for ev in self.trainer.run(epochs):
            if isinstance(ev, BatchResult):
                self._batch(ev)
            yield ev

    def _batch(self, ev: BatchResult) -> None:
        if ev.elapsed - self._curve_at >= CURVE_EVERY_S or ev.batch == ev.batches:
            self._curve_at = ev.elapsed
            point = {"step": ev.step, "epoch": ev.epoch, "loss": ev.loss, "acc": ev.acc,
                     "lr": ev.lr, "elapsed": ev.elapsed}
            self._curve.append(point)
            self.metrics.batch(dict(point, batch=ev.batch, batches=ev.batches))
            if self.tb is not None:
                self.tb.add_scalar("batch/loss", ev.loss, ev.step)
                if ev.acc is not None:
                    self.tb.add_scalar("batch/accuracy", ev.acc, ev.step)
                if ev.lr is not None:
                    self.tb.add_scalar("batch/lr", ev.lr, ev.step)
        if self.store is not None and time.monotonic() - self._flushed_at >= HEARTBEAT_S:
            self._store(lambda s: s.add_curve(self.run_id, self._take_curve()))

    def _on_epoch(self, trainer, ev: EpochResult, improved: bool) -> None:
        """Called by the trainer after each epoch that passed its checks."""
        if improved:
            self._pending_best = (trainer.best, trainer.state_copy())
        now = time.monotonic()
        written = now - self._last_written >= CHECKPOINT_EVERY_S or ev.epoch == ev.epochs
        if written and self.failed_write is None:
            self._write_checkpoints(trainer)
        if self.tb is not None:
            for name in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
                value = getattr(ev, name)
                if value is not None:
                    self.tb.add_scalar(f"epoch/{name}", value, ev.epoch)
            if written:
                self.tb.flush()
        self._epochs.append(vars(ev))
        self.metrics.epoch(vars(ev))
        # A toy epoch takes a millisecond: their rows go in together, about once a second.
        if self.store is not None and (written or ev.epoch == ev.epochs or
                                       now - self._epochs_at >= EPOCHS_EVERY_S):
            self._flush_epochs()

    def _flush_epochs(self) -> None:
        epochs, self._epochs, self._epochs_at = self._epochs, [], time.monotonic()
        if epochs and self.store is not None:
            self._store(lambda s: s.add_epochs(self.run_id, epochs, self._take_curve(),
                                               str(self.last_path) if self._wrote_last else None,
                                               self.best))

    def _write_checkpoints(self, trainer) -> bool:
        """Write the last checkpoint (and a best one not yet written); True when both are on disk.
        A failure is tried once more; a second one ends the run: `failed_write` says why."""
        self._last_written = time.monotonic()
        for attempt in (1, 2):
            try:
                self._write(trainer)
                self.write_error = None
                return True
            except OSError as e:
                self.write_error = _why(e, self.folder)
                self.log(f"Could not write the checkpoint in {self.folder}: {self.write_error}"
                         + (" (trying once more)" if attempt == 1 else ""))
                if attempt == 1:
                    time.sleep(RETRY_WRITE_S)
        self.failed_write = self._failure_text(len(trainer.history))
        trainer.control.stop()  # training on could not be kept: end the run now
        return False

    def _write(self, trainer) -> None:
        # make_folder=False: a run folder deleted meanwhile is not made again behind the history
        checkpoint.save(self.last_path, *trainer.snapshot(), make_folder=False)
        self._wrote_last = True
        self._epoch_written = len(trainer.history)
        self.on_disk = {"path": str(self.last_path), **_figures(trainer, self._epoch_written)}
        if self._pending_best is not None:
            best, state = self._pending_best
            path = checkpoint.save(self.folder / BEST, *trainer.snapshot(state), make_folder=False)
            self.best = {"path": str(path), "epoch": best["epoch"], "value": best["value"],
                         "by": best["by"]}
            self._pending_best = None

    def _failure_text(self, epochs: int) -> str:
        if self.on_disk is not None and not Path(self.on_disk["path"]).is_file():
            self.on_disk = None  # removed since (its folder deleted)
        kept = self.on_disk
        where = "no checkpoint of this run is on disk" if kept is None else (
            f"the last checkpoint on disk is {kept['path']}, from epoch {kept['epoch']}"
            + (f" (test accuracy {kept['model_acc']:.2f}%)" if kept.get("model_acc") is not None
               else f" (test loss {kept['model_loss']:.5f})" if kept.get("model_loss") is not None
               else ""))
        return (f"Could not write the checkpoint after epoch {epochs} ({self.write_error}), so "
                f"the run ended there; {where}.")

    def reopen(self) -> None:
        """The same run trains on (the window's "+1 epoch"): it is running again."""
        self.failed_write = None  # its checkpoints are tried again (the disk may be back)
        if self.store is not None:
            self._store(lambda s: s.reopen(self.run_id))

    # -- the end ----------------------------------------------------------------------------------
    def finish(self) -> RunResult:
        """Write the final checkpoints and the run's end; the RunResult names the last checkpoint.
        After a failed write it names none (nothing was saved now): the run is `failed`, its error
        and figures are those of the checkpoint still on disk (extra["checkpoint_on_disk"])."""
        t = self.trainer
        # After an error the trainer is back on its last good epoch, which was written when it
        # ended (or is written now); with no epoch at all there is nothing worth keeping.
        trained = bool(t.history) if t.error else t.steps > 0
        if self.failed_write is None:
            if (trained and (not t.error or self._epoch_written != len(t.history))) \
                    or self._pending_best is not None:
                self._write_checkpoints(t)
        if self.failed_write is None:
            path = str(self.last_path) if self._wrote_last else None
            result = t.result(checkpoint=path)
        else:
            path = self.on_disk["path"] if self.on_disk else None
            result = self._failed_result(t.result())
        status = STATUS.get(result.status, "failed")
        self._flush_epochs()
        if self.tb is not None:
            self.tb.close()
        self.metrics.end({"status": status, "model_loss": result.model_loss,
                          "model_acc": result.model_acc, "training_time": result.training_time,
                          "epochs": result.epochs_done, "checkpoint": path,
                          "best_checkpoint": self.best["path"] if self.best else None,
                          "best_epoch": self.best["epoch"] if self.best else None,
                          "error": result.error})
        if self.store is not None:
            self._store(lambda s: s.finish(self.run_id, status, result.model_loss, result.model_acc,
                                           result.training_time, result.epochs_done, path,
                                           self.best, result.error, self._take_curve()))
        return result

    def _failed_result(self, result: RunResult) -> RunResult:
        """The run as it ended after a failed write. Its figures are those of the checkpoint on
        disk, so that a checkpoint and the figures beside it always agree; with none on disk,
        those of its last epoch (nothing then carries them)."""
        error = self.failed_write if not result.error else f"{result.error} {self.failed_write}"
        result = dataclasses.replace(result, status="failed", stopped=False, error=error,
                                     checkpoint=None,
                                     extra={**result.extra, "checkpoint_on_disk": self.on_disk})
        if self.on_disk is not None:
            result.model_loss, result.model_acc = self.on_disk["model_loss"], self.on_disk["model_acc"]
        return result

    # -- helpers ----------------------------------------------------------------------------------
    def _take_curve(self) -> list[dict]:
        curve, self._curve = self._curve, []
        self._flushed_at = time.monotonic()
        return curve

    def _store(self, write) -> None:
        try:
            write(self.store)
        except StoreError as e:
            self.log(f"The run history missed an update: {e}")

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

    def _tensorboard(self):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self.log("TensorBoard logs need the tensorboard package (pip install tensorboard); "
                     "this run writes none.")
            return None
        return SummaryWriter(log_dir=str(self.folder / TENSORBOARD))


def _figures(trainer, epochs: int) -> dict:
    """The epoch and test figures a checkpoint of the first `epochs` epochs carries."""
    last = trainer.history[epochs - 1] if epochs else None
    return {"epoch": epochs, "model_loss": last.test_loss if last else None,
            "model_acc": last.test_acc if last else None}


def _why(e: OSError, folder: Path) -> str:
    if isinstance(e, FileNotFoundError) and not folder.is_dir():
        return "the run's folder is gone (deleted, or its disk unmounted)"
    return e.strerror or str(e)


def _device(trainer) -> str:
    from core.device import describe
    return describe(trainer.device)
