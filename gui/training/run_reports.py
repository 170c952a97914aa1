"""What the worker reports about a run, shown in the main window: the curves, the status bar,
the log (one line an epoch, in the notebook's words) and the message bar for a failure.

A mixin of gui.main_window.MainWindow: it reads the window's plots, status bar, panel, message
bar and log.
"""
from __future__ import annotations

import math

from gui.training.run_status import clock
from gui.training.session import PAUSED


class RunReports:
    def _on_run_started(self, info) -> None:
        self._first_epoch = info.first_epoch
        self.status.run_started(info)
        if self.plots is not None:
            if info.resumed_from:  # another run than the one on show: its own curves
                self.plots.clear()
            self.plots.set_epochs(info.last_epoch)
            self.plots.show_lr(info.scheduled)
        if self.phase == PAUSED:
            self.status.paused(True)
        what = "Continuing" if info.continued else "Training"
        self.log(f"{what} {info.model_name} ({info.parameters:,} parameters) on {info.device}"
                 f"{f' with {info.threads} threads' if info.threads else ''}, "
                 f"{info.batches:,} batches per epoch; data: {info.data_source}")

    def _on_batch(self, ev) -> None:
        if self.plots is not None:
            self.plots.add_batch(ev)
        self._last_batch = ev  # the status bar shows it at its next tick: text needs no 20 Hz

    def _tick(self) -> None:
        if self._last_batch is not None:
            self.status.batch(self._last_batch)
            self._last_batch = None
        self.status.tick()

    def _on_epoch(self, ev) -> None:
        self._last_batch = None
        if self.plots is not None:
            self.plots.add_epoch(ev)
        self.status.epoch(ev)
        # A paced run of thousands of epochs keeps a readable log: its milestones only. The
        # worker sends each of them even when a frame (<= 20 a second) holds many epochs.
        if not self._workflow().paced or ev.milestone(self._first_epoch):
            self.log(ev.line())

    def _on_finished(self, result) -> None:
        acc = "" if result.model_acc is None else f", test acc {result.model_acc:.2f}%"
        loss = f"{result.model_loss:.5f}" if math.isfinite(result.model_loss) else str(result.model_loss)
        how = "Stopped" if result.stopped else "Halted" if result.error else "Finished"
        summary = (f"{how}: {result.model_name} after {result.epochs_done} epochs, "
                   f"test loss {loss}{acc}, {clock(result.training_time)} training")
        self.log(summary)
        if result.error:
            self.message.show_error(result.error)  # the trainer has logged it already
        self.status.finished(result.error or summary)
        if self.plots is not None:
            self.plots.refresh()

    def _on_failed(self, failure, settled: bool) -> None:
        self.log(failure.message)
        if failure.details:
            self.log(failure.details.rstrip())
        if failure.remedy == "download":  # the error says so: not whichever workflow is picked now
            self.message.show_data_missing(failure.message)  # with Download and Choose folder
            self.panel.set_data_source("Data: not found")
        else:
            self.message.show_error(failure.message)
        if settled:  # the session went back to idle (or broken)
            self.status.idle("Failed: " + failure.message.splitlines()[0])
