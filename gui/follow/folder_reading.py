"""The Follow tab's reading of its run folder, off the UI thread.

A followed folder's metrics.jsonl may be hundreds of MB (a long run, curves at ten points a second):
read on the UI thread it froze the window for half a minute. Here a JobRunner's thread reads it
with core.runs.metrics_digest (bounded memory, a slice at a time, cancellable between slices) and
hands the UI thread a Digest now and then while it catches up, then once it has. A newly followed
folder's file is read on the UI thread only when it is small (a couple of hundredths of a second),
so a small folder shows whole at once. The thread never touches a widget; `shutdown()` ends it.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Optional

from PySide6.QtCore import QObject, Signal

from core.runs.folder import METRICS
from core.runs.metrics_digest import SLICE, Digest, MetricsDigest
from gui.jobs import JobRunner

FIRST_READ = 256 << 10  # a metrics file up to this size is read on the UI thread (~20 ms)
NEWS_EVERY_S = 0.3     # while catching up, what was read so far is shown this often
READER_NICE = 10       # the reader thread's niceness (the window's thread keeps its own)


def _lower_priority() -> None:
    """This thread (the reader's) yields the CPU to the window's: on a busy machine the two share
    what the system gives the process, and the window's events came a quarter of a second late
    while a big file was read. Linux's setpriority takes a thread's id; elsewhere nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READER_NICE)
    except (AttributeError, OSError):
        pass


def _read_news(job, reader: MetricsDigest):
    """In the reader's thread: read until caught up, a slice at a time; (Digest, changed)."""
    _lower_priority()
    changed, shown = False, time.monotonic()
    while True:
        job.check()  # a stop, another folder or the window's close ends it between slices
        changed = reader.read(SLICE) or changed
        if not reader.behind:
            return reader.snapshot(), changed
        if time.monotonic() - shown >= NEWS_EVERY_S:
            job.progress((reader.snapshot(), True))
            shown = time.monotonic()


class FolderReading(QObject):
    """`start(folder) -> Digest` (its first slice, read here), then `request()` now and then:
    `news(Digest, changed)` comes back, in the UI thread. One read at a time."""
    news = Signal(object, bool)
    failed = Signal(str)

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.reader: Optional[MetricsDigest] = None
        self._generation = 0   # the folder being read: news of one read before is dropped
        self._busy = False     # a read of this folder is queued or running
        self.jobs = JobRunner("follow-reader", self)
        self.jobs.progress.connect(self._on_news)
        self.jobs.result.connect(self._on_news)
        self.jobs.failed.connect(lambda tag, e: tag == self._generation and self.failed.emit(e.message))
        self.jobs.finished.connect(self._on_finished)

    @property
    def reading(self) -> bool:
        return self._busy

    def start(self, folder) -> Digest:
        """Read a small folder whole, here (it shows at once); of a big one only its run.json."""
        self.stop()
        self.reader = MetricsDigest(folder)
        try:
            small = os.stat(os.path.join(folder, METRICS)).st_size <= FIRST_READ
        except OSError:
            small = True  # nothing to read yet
        self.reader.read(None if small else 0)
        return self.reader.snapshot()

    def request(self) -> None:
        """Read what was appended (the rest of a big file first), unless a read is on its way."""
        if self.reader is not None and not self._busy and not self.jobs.closed:
            self._busy = True
            self.jobs.submit(_read_news, self.reader, tag=self._generation)

    def stop(self) -> None:
        """Stop reading: a read under way ends at its next slice, and its news is dropped."""
        self.jobs.cancel()
        self._generation += 1
        self._busy = False

    def shutdown(self) -> None:
        self.stop()
        self.jobs.shutdown()  # a read ends at its next slice: the wait is a few hundredths of a second

    def _on_news(self, tag, news) -> None:
        if tag == self._generation:
            self.news.emit(*news)

    def _on_finished(self, tag) -> None:
        if tag == self._generation:
            self._busy = False
