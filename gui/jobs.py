"""Background jobs: the one way TrainDesk runs work that must not block the window.

A `JobRunner` owns one QThread and runs the jobs submitted to it there, one at a time, in order.
A job is a plain function `fn(job, *args)`; its first argument is its handle and cancel token:
`job.cancelled` / `job.check()` to stop early, `job.on_cancel(callback)` to pass a cancel on to
code with a stop switch of its own (core's trainer), `job.progress(value)` to report. What the
function returns is its result, what it raises its error. The runner's signals fire on the thread
that made it (the UI thread) whatever the receiver, so no slot runs in the worker by accident:

    progress(tag, value)  result(tag, value)  failed(tag, JobError)  cancelled(tag)  finished(tag)

An error is never lost in the thread: it arrives as a JobError (a message for the window, the
traceback as details) and is written to the log file. `submit(..., coalesce=key)` lets the newest
request win: a job of the same key still waiting is dropped (evaluation, live prediction).
`shutdown(timeout_ms)` drops what waits, cancels what runs, ends the thread and waits for it;
after it the runner emits nothing. `running_threads()` lists the threads still running (tests).

Why one long-lived thread per runner rather than a pool (superqt's thread_worker runs on Qt's
global QThreadPool): torch's thread count sticks to the thread that set it, a model is touched by
one thread only, and the trainer keeps its model between jobs. superqt would also add a package
(with qtpy) to the bundled app, deliver signals to plain callables in the pool thread, and leave
the coalescing, the registry and the wait at shutdown to write anyway.
"""
from __future__ import annotations

import threading
import traceback
import weakref
from dataclasses import dataclass
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from core import applog

_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()
RESULT, FAILED, CANCELLED = "result", "failed", "cancelled"


def running_threads(name: Optional[str] = None) -> list[QThread]:
    """Job threads still running (those of the runners called `name`, or all)."""
    return [t for t in list(_threads) if t.isRunning() and name in (None, t.objectName())]


class Cancelled(Exception):
    """Raised by `Job.check()` once the job is cancelled; the runner reports it as `cancelled`."""


@dataclass
class JobError:
    message: str            # for the window: "TypeName: text", or the text of an expected error
    details: str = ""       # the traceback; empty for an expected error (bad input, not a bug)
    expected: bool = False  # one of the runner's `expected` exception types
    remedy: str = ""        # what the error says would mend it (core.data.fashion_mnist.DataError.remedy)


class Job:
    """One submitted call: the function's handle and cooperative cancel token (thread-safe)."""

    def __init__(self, fn: Callable, args: tuple, tag, coalesce: Optional[str]):
        self.fn, self.args, self.tag, self.coalesce = fn, args, tag, coalesce
        self._lock = threading.Lock()
        self._cancelled = False
        self._callbacks: list[Callable[[], None]] = []
        self._report: Optional[Callable] = None  # set in the worker thread when the job starts

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        """Raise Cancelled once the job is cancelled: call it between steps of the work."""
        if self._cancelled:
            raise Cancelled()

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call `callback` (in the cancelling thread) on cancel; at once if cancelled already."""
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(callback)
                return
        callback()

    def progress(self, value=None) -> None:
        if self._report is not None:
            self._report(self, value)


class _Executor(QObject):
    """Lives in the runner's thread and runs one job per `run` call."""
    progressed = Signal(object, object)   # job, value
    done = Signal(object, str, object)    # job, RESULT / FAILED / CANCELLED, value or JobError

    def __init__(self, name: str, expected: tuple):
        super().__init__()
        self.name, self.expected = name, expected

    @Slot(object)
    def run(self, job: Job) -> None:
        job._report = self.progressed.emit
        try:
            job.check()  # cancelled while its request was on the way here
            value = job.fn(job, *job.args)
        except Exception as e:  # noqa: BLE001 - any failure becomes a message, never a dead thread
            # After a cancel, whatever the job raised (core's own Cancelled, a stopped download)
            # is the cancel's doing, not an error.
            if job.cancelled:  # read once: a cancel may still land while we are here
                self.done.emit(job, CANCELLED, None)
            else:
                self.done.emit(job, FAILED, self._error(job, e))
            return
        finally:
            job._report = None
        self.done.emit(job, CANCELLED if job.cancelled else RESULT, value)

    def _error(self, job: Job, e: Exception) -> JobError:
        log = applog.get()
        if any(c.__name__ in self.expected for c in type(e).__mro__):
            log.warning("%s: job %r: %s", self.name, job.tag, e)
            return JobError(str(e), "", True, getattr(e, "remedy", ""))
        details = "".join(traceback.format_exception(e))
        log.error("%s: job %r failed\n%s", self.name, job.tag, details.rstrip())
        return JobError(f"{type(e).__name__}: {e}", details)


class JobRunner(QObject):
    """One worker thread and its queue of jobs; every signal fires on the thread that made it."""
    progress = Signal(object, object)   # tag, value
    result = Signal(object, object)     # tag, what the function returned
    failed = Signal(object, object)     # tag, JobError
    cancelled = Signal(object)          # tag: a job that began and was cancelled
    finished = Signal(object)           # tag, after any of the three above
    _run = Signal(object)

    def __init__(self, name: str, parent: Optional[QObject] = None, expected: tuple = ()):
        """`expected`: names of exception classes whose message is meant for the user as it is
        (missing data, a damaged checkpoint): no traceback, and JobError.expected is set."""
        super().__init__(parent)
        self.name = name
        self.current: Optional[Job] = None     # the job in the thread
        self.waiting: list[Job] = []           # submitted, not started yet, in order
        self._closed = False
        self.thread = QThread()
        self.thread.setObjectName(name)
        self._executor = _Executor(name, tuple(expected))
        self._executor.moveToThread(self.thread)
        self.thread.finished.connect(self._executor.deleteLater)
        queued = Qt.ConnectionType.QueuedConnection
        self._run.connect(self._executor.run, queued)
        self._executor.progressed.connect(self._on_progress, queued)
        self._executor.done.connect(self._on_done, queued)
        _threads.add(self.thread)
        self.thread.start()
        # An owner embedded in a window may get no close of its own: end at the latest on quit.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.waiting)

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable, *args, tag=None, coalesce: Optional[str] = None) -> Job:
        """Queue `fn(job, *args)`. With `coalesce`, a waiting job of the same key is dropped."""
        job = Job(fn, args, tag, coalesce)
        if self._closed:
            job.cancel()  # too late: it never runs
            return job
        if coalesce is not None:  # an older request of the same kind is out of date: drop it
            for stale in [j for j in self.waiting if j.coalesce == coalesce]:
                self.waiting.remove(stale)
                stale.cancel()
        self.waiting.append(job)
        self._dispatch()
        return job

    def cancel(self) -> None:
        """Drop the waiting jobs and cancel the running one (it ends at its next check)."""
        dropped, self.waiting = self.waiting, []
        for job in dropped:
            job.cancel()
        if self.current is not None:
            self.current.cancel()

    def shutdown(self, timeout_ms: Optional[int] = None) -> bool:
        """Cancel everything, end the thread and wait for it (for good when `timeout_ms` is None).
        True when the thread has ended; safe to call again, e.g. with a longer wait."""
        self._closed = True
        self.cancel()
        if not self.thread.isRunning():
            return True
        self.thread.quit()  # the event loop ends once the running job has returned
        ended = self.thread.wait() if timeout_ms is None else self.thread.wait(max(0, timeout_ms))
        if ended:
            self.current = None
        return ended

    @Slot()
    def _on_quit(self) -> None:
        if not self._closed:  # an owner that shut down already chose how long to wait
            self.shutdown()

    def _dispatch(self) -> None:
        if self.current is None and self.waiting and not self._closed:
            self.current = self.waiting.pop(0)
            self._run.emit(self.current)

    @Slot(object, object)
    def _on_progress(self, job: Job, value) -> None:
        if job is self.current and not job.cancelled and not self._closed:
            self.progress.emit(job.tag, value)

    @Slot(object, str, object)
    def _on_done(self, job: Job, outcome: str, value) -> None:
        if job is not self.current or self._closed:
            return
        self.current = None
        self._dispatch()  # the next job starts before the listeners run (they may look at `busy`)
        if outcome == RESULT:
            self.result.emit(job.tag, value)
        elif outcome == FAILED:
            self.failed.emit(job.tag, value)
        else:
            self.cancelled.emit(job.tag)
        self.finished.emit(job.tag)
