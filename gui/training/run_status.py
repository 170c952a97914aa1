"""The status bar: device, the epoch's progress, samples/s, elapsed time and ETA."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar


def clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunStatus:
    """Fills a QStatusBar from the worker's results; the window calls it, it never calls back."""

    def __init__(self, bar: QStatusBar):
        self.state = QLabel()
        self.device = QLabel("Device: …")
        self.progress = QProgressBar()
        # Wide enough for "Epoch 10/10 · 100%" on one line at any font size.
        self.progress.setMinimumWidth(self.progress.fontMetrics().horizontalAdvance(
            "Epoch 100/100 · 100%") + 24)
        self.progress.setMaximumWidth(320)
        self.progress.setTextVisible(True)
        self.speed = QLabel()
        self.time = QLabel()
        bar.addWidget(self.state, 1)
        for w in (self.device, self.progress, self.speed, self.time):
            bar.addPermanentWidget(w)
        self._info = None
        self._t0 = None           # when this run (or "+1 epoch") started, on the UI's clock
        self._paused_at = None
        self._paused_total = 0.0
        self._fraction = 0.0
        self.busy("Starting…")

    # -- states ----------------------------------------------------------------------------------
    def busy(self, text: str) -> None:
        """Something loads and we cannot tell how far it is: an indeterminate bar."""
        self.state.setText(text)
        self.progress.setRange(0, 0)
        self.progress.show()

    def loading(self, what: str, done: int, total: int) -> None:
        """Files being read, with a count: a bar that fills (an image folder's pictures)."""
        self.state.setText(f"{what}: {done:,} of {total:,} files…")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat("%p%")
        self.progress.show()

    def idle(self, text: str) -> None:
        self.state.setText(text)
        self.progress.setRange(0, 1000)
        if self._info is None:
            self.progress.setValue(0)
            self.progress.setFormat("")

    def set_device(self, text: str) -> None:
        self.device.setText(f"Device: {text}")

    def run_started(self, info) -> None:
        self._info = info
        self._t0 = time.perf_counter()
        self._paused_at, self._paused_total, self._fraction = None, 0.0, 0.0
        threads = f" · {info.threads} CPU threads" if info.threads else ""
        self.set_device(f"{info.device}{threads}")
        self.state.setText(f"Training {info.model_name}…")
        self.progress.setRange(0, 1000)
        self._show_epoch(info.first_epoch, 0.0)
        self.speed.setText("")
        self.tick()

    def paused(self, paused: bool) -> None:
        now = time.perf_counter()
        if paused and self._paused_at is None:
            self._paused_at = now
            self.state.setText("Paused")
        elif not paused and self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None
            if self._info:
                self.state.setText(f"Training {self._info.model_name}…")

    def batch(self, ev) -> None:
        if self._info is None:
            return
        self._show_epoch(ev.epoch, ev.batch / max(ev.batches, 1))
        self.speed.setText(f"{ev.samples_per_s:,.0f} samples/s")
        self.tick()

    def epoch(self, ev) -> None:
        if self._info is None:
            return
        self._show_epoch(ev.epoch, 1.0)
        self.speed.setText(f"{ev.samples_per_s:,.0f} samples/s")
        self.tick()

    def finished(self, text: str) -> None:
        self._paused_at = None
        self.tick()
        self._t0 = None  # the clock stops; the last elapsed time stays on screen
        self.state.setText(text)

    # -- numbers ---------------------------------------------------------------------------------
    def _show_epoch(self, epoch: int, within: float) -> None:
        info = self._info
        runs = max(info.last_epoch - info.first_epoch + 1, 1)
        self._fraction = min(max((epoch - info.first_epoch + within) / runs, 0.0), 1.0)
        # A full-batch epoch (the line, the circles) is one step: the bar shows the whole run.
        shown = self._fraction if info.batches <= 1 else within
        self.progress.setValue(int(round(1000 * shown)))
        self.progress.setFormat(f"Epoch {epoch}/{info.last_epoch} · {100 * shown:.0f}%")

    def elapsed(self) -> float:
        if self._t0 is None:
            return 0.0
        now = self._paused_at or time.perf_counter()
        return now - self._t0 - self._paused_total

    def tick(self) -> None:
        """Refresh elapsed and ETA (the window calls this twice a second while training)."""
        if self._t0 is None:
            return
        elapsed = self.elapsed()
        f = self._fraction
        # Before ~2% the rate is mostly start-up noise; say nothing rather than something silly.
        eta = f" · ETA {clock(elapsed * (1 - f) / f)}" if 0.02 <= f < 1 else ""
        self.time.setText(f"Elapsed {clock(elapsed)}{eta}")
