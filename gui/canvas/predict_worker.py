"""Live prediction off the drawing path: a worker on its own QThread, fed at most once per frame.

The window thread only hands over a copy of the picture (a 280x280 array). Preprocessing, every
model's forward pass and the explanation run in the worker thread, so a stroke never waits on a
model. Requests are coalesced: while one is being computed, new strokes only mark the picture
dirty, and the latest picture goes next. torch and the models are imported and touched only in
the worker thread.
"""
from __future__ import annotations

import copy
import time
import traceback
import weakref
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

EXPLAIN_INTERVAL_S = 0.15   # feature maps/Grad-CAM while drawing: a few times a second is plenty

_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Prediction threads started here that still run (tests check none outlives its panel)."""
    return [t for t in list(_threads) if t.isRunning()]


@dataclass
class Prediction:
    revision: int            # the drawing revision this answers
    image28: np.ndarray      # what the models saw
    blank: bool              # nothing drawn: no model is asked
    verdicts: list           # core.explain.Verdict per model, in the order they were added
    probs: list              # [10 floats] per model
    compute_ms: float


@dataclass
class Explained:
    revision: int
    model_index: int
    image28: np.ndarray
    explanation: object      # core.explain.Explanation


class PredictWorker(QObject):
    predicted = Signal(object)     # Prediction
    explained = Signal(object)     # Explained
    failed = Signal(str)

    def __init__(self):
        super().__init__()
        self._models = []          # (model, classes); only this thread ever touches them
        self._threads_set = False

    @Slot(object, object)
    def add_model(self, model, classes):
        self._models.append((model, list(classes)))

    @Slot(int, object, int)
    def predict(self, revision: int, gray: np.ndarray, explain_index: int):
        try:
            from core.evaluate import predict_array
            from core.explain import explain, verdict
            from core.preprocess import to_model_input
            if not self._threads_set:
                import torch
                # One image is far too little work to split: with two OpenMP threads on a busy
                # machine a forward pass took 10-80 ms waiting on a descheduled helper, against
                # 0.8 ms on one. With torch's OpenMP backend the count sticks to the calling
                # thread, and the trainer sets its own in its thread before it trains.
                torch.set_num_threads(1)
                self._threads_set = True
            t0 = time.perf_counter()
            x28 = to_model_input(gray)
            blank = not x28.any()
            probs = [] if blank else [predict_array(m, x28) for m, _ in self._models]
            verdicts = [verdict(p, c) for p, (_, c) in zip(probs, self._models)]
            self.predicted.emit(Prediction(revision, x28, blank, verdicts, probs,
                                           (time.perf_counter() - t0) * 1000))
            if not blank and 0 <= explain_index < len(self._models):
                e = explain(self._models[explain_index][0], x28)
                self.explained.emit(Explained(revision, explain_index, x28, e))
        except Exception as e:  # a model that fails must not take the canvas down
            self.failed.emit(f"prediction failed: {e}\n{traceback.format_exc(limit=3)}")


class LivePredictor(QObject):
    """Owns the worker thread; decides when to ask it (the throttle) and relays its answers."""

    predicted = Signal(object)
    explained = Signal(object)
    failed = Signal(str)
    _add = Signal(object, object)
    _predict = Signal(int, object, int)

    def __init__(self, picture, min_interval_ms: float | None = None, parent=None):
        """`picture()` returns (revision, gray array) of the current drawing when called."""
        super().__init__(parent)
        self._picture = picture
        self.explain_index = 0
        if min_interval_ms is None:
            from PySide6.QtGui import QGuiApplication
            screen = QGuiApplication.primaryScreen()
            hz = screen.refreshRate() if screen and screen.refreshRate() > 1 else 60.0
            # Half a display frame: the bars can change every frame, and an answer computed right
            # after one arrives before the next; a 1000 Hz mouse still costs at most 2 per frame.
            min_interval_ms = 500.0 / hz
        self.min_interval_s = min_interval_ms / 1000
        self._in_flight = False
        self._dirty = False
        self._want_explain = False
        self._last_sent = self._last_explain = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._send)
        self._thread = QThread()
        self._thread.setObjectName("canvas-predict")
        self._worker = PredictWorker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._add.connect(self._worker.add_model)
        self._predict.connect(self._worker.predict)
        self._worker.predicted.connect(self._on_predicted)
        self._worker.explained.connect(self.explained)
        self._worker.failed.connect(self._on_failed)
        _threads.add(self._thread)
        self._thread.start()

    def add_model(self, model, classes):
        """A private eval-mode CPU copy: a training run may keep changing the original elsewhere."""
        model = copy.deepcopy(model).cpu().eval()
        self._add.emit(model, list(classes))

    def request(self, explain: bool = False):
        """The drawing changed: predict now if allowed, else as soon as the throttle lets us."""
        self._dirty = True
        self._want_explain |= explain
        self._maybe_send()

    def _maybe_send(self):
        if self._in_flight or not self._dirty or not self._thread.isRunning():
            return
        wait = self._last_sent + self.min_interval_s - time.perf_counter()
        if wait <= 0:
            self._send()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000 + 0.5)))

    def _send(self):
        if self._in_flight or not self._dirty:
            return
        now = time.perf_counter()
        explain = self._want_explain or now - self._last_explain >= EXPLAIN_INTERVAL_S
        self._dirty = self._want_explain = False
        self._in_flight = True
        self._last_sent = now
        if explain:
            self._last_explain = now
        revision, gray = self._picture()
        self._predict.emit(revision, gray, self.explain_index if explain else -1)

    def _on_predicted(self, p: Prediction):
        self._in_flight = False
        self.predicted.emit(p)
        self._maybe_send()

    def _on_failed(self, message: str):
        self._in_flight = False
        self.failed.emit(message)

    def shutdown(self):
        """Stop the thread and wait for it; safe to call twice."""
        self._timer.stop()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()
