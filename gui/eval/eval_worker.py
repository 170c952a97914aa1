"""Evaluation off the UI thread: one QObject on its own QThread, fed one request at a time.

`Evaluator` (UI side) keeps at most one request waiting: a newer request replaces the waiting
one, so per-epoch updates during training coalesce instead of piling up behind a slow pass.
Results come back as plain numpy arrays; `shutdown()` cancels, quits and waits, so no thread
outlives its owner.
"""
from __future__ import annotations

import threading
import traceback
import weakref
from dataclasses import dataclass
from typing import Optional

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Evaluation threads still running (the tests' leak check reads this)."""
    return [t for t in list(_threads) if t.isRunning()]


@dataclass
class Request:
    key: str                     # which entry of the panel the result belongs to
    model: Optional[object]      # a torch module owned by this request, or None: load `checkpoint`
    checkpoint: Optional[str]
    images: object               # uint8 tensor [N, 28, 28]
    labels: object               # int64 tensor [N]
    classes: tuple


class EvalWorker(QObject):
    progress = Signal(str, int, int)            # key, done, total
    finished = Signal(str, object, object)      # key, probs float32 [N, C], y_true int64 [N]
    failed = Signal(str, str)                   # key, one-line message

    def __init__(self):
        super().__init__()
        self.cancel = threading.Event()  # set from the UI thread; read between chunks

    @Slot(object)
    def run(self, req: Request) -> None:
        # torch is imported here, in the worker thread, so building the panel stays quick
        from core.checkpoint import CheckpointError, load
        from core.eval_report import Cancelled, evaluate
        try:
            model = req.model if req.model is not None else load(req.checkpoint).model
            report = evaluate(model, req.images, req.labels, req.classes,
                              progress=lambda d, t: self._step(req.key, d, t))
        except Cancelled:
            return
        except CheckpointError as e:
            self.failed.emit(req.key, str(e))
            return
        except Exception as e:  # noqa: BLE001 - any failure becomes a message, never a dead thread
            traceback.print_exc()
            self.failed.emit(req.key, f"{type(e).__name__}: {e}")
            return
        self.finished.emit(req.key, np.asarray(report.probs), np.asarray(report.y_true))

    def _step(self, key: str, done: int, total: int) -> bool:
        self.progress.emit(key, done, total)
        return not self.cancel.is_set()


class Evaluator(QObject):
    """UI-side handle: submit requests, get `progress`/`finished`/`failed` on the UI thread."""
    progress = Signal(str, int, int)
    finished = Signal(str, object, object)
    failed = Signal(str, str)
    _request = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("traindesk-eval")
        _threads.add(self.thread)
        self.worker = EvalWorker()
        self.worker.moveToThread(self.thread)
        self._request.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.running: Optional[str] = None   # key of the request in the worker
        self.waiting: Optional[Request] = None
        self.thread.start()
        # a panel embedded in a window gets no closeEvent of its own: stop at the latest on quit
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def busy(self) -> bool:
        return self.running is not None

    def pending(self, key: str | None) -> bool:
        """True while `key` is being evaluated or waits its turn."""
        return key is not None and (self.running == key or (self.waiting is not None and self.waiting.key == key))

    def submit(self, req: Request) -> None:
        if self.running is not None:
            self.waiting = req  # replaces an older waiting request: only the newest matters
            return
        self.running = req.key
        self._request.emit(req)

    def _next(self) -> None:
        self.running = None
        if self.waiting is not None:
            req, self.waiting = self.waiting, None
            self.submit(req)

    def _done(self, key: str, probs, y_true) -> None:
        self._next()
        self.finished.emit(key, probs, y_true)

    def _failed(self, key: str, message: str) -> None:
        self._next()
        self.failed.emit(key, message)

    def shutdown(self) -> None:
        """Cancel the running pass (it stops within one chunk), then quit and wait for the thread."""
        self.waiting = None
        self.worker.cancel.set()
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
