"""Python's cycle collector, kept to the UI thread and out of the window's way.

On the UI thread only: the collector runs on whichever thread happens to allocate when a
generation fills up. On a worker's thread (training, reading a run folder) it could meet a closed
window's widgets among the garbage and destroy them there, off the thread they belong to: in the
tests, a worker thread destroying a widget's QObject waited for the interpreter while holding a Qt
lock the UI thread needed, and both stopped for good. So automatic collection is off and a timer on
the UI thread collects, by the same thresholds (as pyqtgraph's GarbageCollector does).

Out of the way: a full collection walks every object the interpreter tracks; with torch, Qt's
wrappers and the panels in, about 230,000 objects and 50-130 ms with the window waiting. Once the
window is built, the objects made so far (modules, classes, widgets: nearly all alive for the whole
session) are moved out of the collector's sight, so later collections walk only what was made
since: the longest stall opening a 2,000,000-line run folder went from 89 to 17 ms."""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 500

_collector = None
_settled = False


class _UiThreadCollector(QObject):
    def __init__(self, app: QObject):
        super().__init__(app)  # lives as long as the application
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self.timer.start()

    def collect(self) -> None:
        """Collect the generations that are due, as the interpreter itself would have."""
        counts, generation = gc.get_count(), -1
        for g in range(3):
            if counts[g] <= self.threshold[g]:
                break
            generation = g
        if generation >= 0:
            gc.collect(generation)


def keep_to_ui_thread() -> None:
    """Once a process, on the UI thread with the application made: collect on its timer only."""
    global _collector
    app = QApplication.instance()
    if _collector is None and app is not None:
        _collector = _UiThreadCollector(app)
        gc.disable()


def settle() -> None:
    """Freeze what exists now, once a process (no collection first: that would be the very pause
    avoided). Once: a frozen object is never collected, so what a later window (a test's) leaves
    behind must stay in the collector's sight."""
    global _settled
    if not _settled:
        _settled = True
        gc.freeze()
