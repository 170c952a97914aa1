"""A kept run's checkpoints: the last one (at most every CHECKPOINT_EVERY_S, and always at the end)
and the best epoch's. A checkpoint is reported only once its bytes are on disk: a write that fails
(a full, read-only or unplugged disk, a deleted run folder) is tried once more, then the run ends
`failed`, and what it reports is the checkpoint that is on disk, with that checkpoint's own figures.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional

from core import checkpoint
from core.runs.files import BEST, LAST

CHECKPOINT_EVERY_S = 5.0
RETRY_WRITE_S = 0.5  # a failed checkpoint write is tried again once, this much later


class CheckpointWriter:
    def __init__(self, folder: Path, log: Callable[[str], None]):
        self.folder, self.log = folder, log
        self.last_path = folder / LAST
        self.best: Optional[dict] = None        # {"path", "epoch", "value", "by"} once written
        self._pending_best = None               # (best, state copy) of a best epoch not yet written
        self._last_written = 0.0
        self.wrote_last = False
        self.epoch_written = -1                 # how many epochs the last checkpoint written had
        self.write_error: Optional[str] = None  # why the last checkpoint could not be written
        self.failed_write: Optional[str] = None  # set when a write failed twice: the run ends failed
        self.on_disk: Optional[dict] = None     # the last checkpoint written: path, epoch, figures

    def note_best(self, trainer) -> None:
        """This epoch is the best so far: keep its state, written with the next checkpoint."""
        self._pending_best = (trainer.best, trainer.state_copy())

    def due(self, epoch: int, epochs: int) -> bool:
        """Whether an epoch's end writes a checkpoint: every CHECKPOINT_EVERY_S, and the last."""
        return time.monotonic() - self._last_written >= CHECKPOINT_EVERY_S or epoch == epochs

    def needed_at_end(self, trainer) -> bool:
        """Whether the run's end writes: after an error the trainer is back on its last good
        epoch, written when it ended (or now); with no epoch at all there is nothing to keep."""
        if self.failed_write is not None:
            return False
        trained = bool(trainer.history) if trainer.error else trainer.steps > 0
        return (trained and (not trainer.error or self.epoch_written != len(trainer.history))) \
            or self._pending_best is not None

    def write(self, trainer) -> bool:
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
        self.wrote_last = True
        self.epoch_written = len(trainer.history)
        self.on_disk = {"path": str(self.last_path), **_figures(trainer, self.epoch_written)}
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
        """The run trains on (the window's "+1 epoch"): its checkpoints are tried again."""
        self.failed_write = None

    @property
    def reported_path(self) -> Optional[str]:
        """The checkpoint the run reports: the last one written now, or after a failed write the
        one still on disk."""
        if self.failed_write is None:
            return str(self.last_path) if self.wrote_last else None
        return self.on_disk["path"] if self.on_disk else None


def _figures(trainer, epochs: int) -> dict:
    """The epoch and test figures a checkpoint of the first `epochs` epochs carries."""
    last = trainer.history[epochs - 1] if epochs else None
    return {"epoch": epochs, "model_loss": last.test_loss if last else None,
            "model_acc": last.test_acc if last else None}


def _why(e: OSError, folder: Path) -> str:
    if isinstance(e, FileNotFoundError) and not folder.is_dir():
        return "the run's folder is gone (deleted, or its disk unmounted)"
    return e.strerror or str(e)
