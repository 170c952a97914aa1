"""Live prediction off the drawing path: a job thread fed at most once per frame.

The window thread only hands over a copy of the picture (a 280x280 array). Preprocessing, every
model's forward pass and the explanation run as jobs on a JobRunner, so a stroke never waits on a
model. Requests are coalesced: while one is being computed, new strokes only mark the picture
dirty, and the latest picture goes next. torch and the models are imported and touched only in
the job thread.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gui.jobs import JobRunner

EXPLAIN_INTERVAL_S = 0.15   # feature maps/Grad-CAM while drawing: a few times a second is plenty


@dataclass
class Picture:
    """The canvas as the job thread gets it: a copy, taken on the UI thread."""
    revision: int              # the drawing revision
    gray: np.ndarray           # the drawing as shown, 0..1: Fashion-MNIST's framing reads this
    ink: np.ndarray            # uint8 ink, 0 = paper: a photo model sees it as dark on white
    photo: Optional[str] = None  # the opened picture file, while the canvas still shows it as opened


@dataclass
class Prediction:
    revision: int            # the drawing revision this answers
    image28: np.ndarray      # what the Fashion-MNIST models saw (the framed drawing)
    blank: bool              # nothing drawn: no model is asked
    verdicts: list           # core.evaluation.explain.Verdict per model, in the order they were added
    probs: list              # [a float per class] per model
    compute_ms: float
    # each model's picture as it sees it, in 0..1 (before its recipe's mean and std): [28, 28]
    # (Fashion-MNIST's framing: image28 itself), or [C, S, S]
    seen: list = field(default_factory=list)
    photo: bool = False      # the photo models saw the opened file itself, not the drawing


@dataclass
class Explained:
    revision: int
    model_index: int
    image28: np.ndarray
    explanation: object      # core.evaluation.explain.Explanation


class Models:
    """The job side: the models and what is done with them; its methods run in the job thread."""

    def __init__(self):
        self._models = []          # (model, classes, its InputRecipe)
        self._threads_set = False
        self._photos: dict = {}    # (path, shape) -> the photo's pixels, for the picture open now

    def add(self, job, model, classes, recipe):
        self._models.append((model, list(classes), recipe))

    def remove(self, job, index: int):
        del self._models[index]

    def replace(self, job, index: int, model):
        self._models[index] = (model, *self._models[index][1:])

    def _input(self, pic: Picture, recipe, x28: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the picture one model sees, in 0..1; its input): each model reads the picture by its
        own recipe, as `predict` would (core.pictures.model_input)."""
        from core.pictures.framing import ImageError
        from core.pictures.model_input import drawing_pixels, photo_pixels
        from core.pictures.recipe import FRAMED
        pixels = None
        if pic.photo and recipe.framing != FRAMED:
            key = (pic.photo, recipe.shape)
            if key not in self._photos:
                try:  # the file itself, as the folder's own pictures were read
                    self._photos = {k: v for k, v in self._photos.items() if k[0] == pic.photo}
                    self._photos[key] = photo_pixels(pic.photo, recipe)
                except ImageError:  # gone or changed since it was opened: the canvas it is
                    self._photos[key] = None
            pixels = self._photos[key]
        if pixels is None:  # Fashion-MNIST's framing of the drawing as shown (x28), or its photo
            pixels = drawing_pixels(pic.gray, pic.ink, recipe, framed01=x28)
        framed_here = recipe.framing == FRAMED and recipe.shape[-1] == x28.shape[-1]
        return (x28 if framed_here else pixels / 255), recipe.to_input(pixels)

    def predict(self, job, pic: Picture, explain_index: int):
        """Reports the Prediction as progress, then returns the Explained (or None)."""
        from core.evaluation.evaluate import predict_array
        from core.evaluation.explain import explain, verdict
        from core.pictures.framing import to_model_input
        if not self._threads_set:
            import torch
            # One image is far too little work to split: with two OpenMP threads on a busy
            # machine a forward pass took 10-80 ms waiting on a descheduled helper, against
            # 0.8 ms on one. With torch's OpenMP backend the count sticks to the calling
            # thread, and the trainer sets its own in its thread before it trains.
            torch.set_num_threads(1)
            self._threads_set = True
        t0 = time.perf_counter()
        x28 = to_model_input(pic.gray)
        blank = not x28.any()
        pairs = [] if blank else [self._input(pic, recipe, x28) for _, _, recipe in self._models]
        seen, inputs = [p[0] for p in pairs], [p[1] for p in pairs]
        probs = [predict_array(m, x) for (m, _, _), x in zip(self._models, inputs)]
        verdicts = [verdict(p, c) for p, (_, c, _) in zip(probs, self._models)]
        job.progress(Prediction(pic.revision, x28, blank, verdicts, probs,
                                (time.perf_counter() - t0) * 1000, seen, bool(pic.photo)))
        if not blank and 0 <= explain_index < len(self._models):
            model, picture = self._models[explain_index][0], seen[explain_index]
            # the heat map lies over what this model saw: its own picture for a colour model
            picture = picture[0] if picture.ndim == 3 and picture.shape[0] == 1 else picture
            return Explained(pic.revision, explain_index, picture, explain(model, inputs[explain_index]))
        return None


class LivePredictor(QObject):
    """Decides when to ask the job thread (the throttle) and relays its answers on the UI thread."""

    predicted = Signal(object)
    explained = Signal(object)
    failed = Signal(str)

    def __init__(self, picture, min_interval_ms: float | None = None, parent=None):
        """`picture()` returns the current drawing as a Picture when called."""
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
        self._dirty = False
        self._want_explain = False
        self._last_sent = self._last_explain = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._send)
        self._models = Models()
        # Bumped when a model is removed: an answer computed for the old list (its i-th figures
        # another model's) is dropped when it arrives.
        self._lineup = 0
        self._jobs = JobRunner("canvas-predict", self)
        self._jobs.progress.connect(
            lambda tag, p: self.predicted.emit(p) if tag[1] == self._lineup else None)
        self._jobs.result.connect(self._on_result)
        self._jobs.failed.connect(
            lambda _tag, e: self.failed.emit(f"prediction failed: {e.message}\n{e.details}"))
        self._jobs.finished.connect(lambda _tag: self._maybe_send())  # the newest picture next

    def add_model(self, model, classes, recipe):
        """A private eval-mode CPU copy: a training run may keep changing the original elsewhere.
        `recipe`: its core.pictures.recipe.InputRecipe."""
        model = copy.deepcopy(model).cpu().eval()
        self._jobs.submit(self._models.add, model, list(classes), recipe, tag=("add", self._lineup))

    def replace_model(self, index: int, model):
        """Another version of the model at `index` (same classes and recipe): a private copy too."""
        model = copy.deepcopy(model).cpu().eval()
        self._lineup += 1  # an answer on its way is the old version's
        self._jobs.submit(self._models.replace, index, model, tag=("replace", self._lineup))

    def remove_model(self, index: int):
        self._lineup += 1
        self._jobs.submit(self._models.remove, index, tag=("remove", self._lineup))

    def request(self, explain: bool = False):
        """The drawing changed: predict now if allowed, else as soon as the throttle lets us."""
        self._dirty = True
        self._want_explain |= explain
        self._maybe_send()

    def _maybe_send(self):
        if self._jobs.busy or not self._dirty or self._jobs.closed:
            return
        wait = self._last_sent + self.min_interval_s - time.perf_counter()
        if wait <= 0:
            self._send()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000 + 0.5)))

    def _send(self):
        if self._jobs.busy or not self._dirty or self._jobs.closed:
            return
        now = time.perf_counter()
        explain = self._want_explain or now - self._last_explain >= EXPLAIN_INTERVAL_S
        self._dirty = self._want_explain = False
        self._last_sent = now
        if explain:
            self._last_explain = now
        self._jobs.submit(self._models.predict, self._picture(),
                          self.explain_index if explain else -1, tag=("predict", self._lineup),
                          coalesce="predict")

    def _on_result(self, tag, explained):
        # None: a blank picture, an added model, or no explanation asked; an old lineup: dropped
        if explained is not None and tag[1] == self._lineup:
            self.explained.emit(explained)

    def shutdown(self):
        """Stop the thread and wait for it; safe to call twice."""
        self._timer.stop()
        self._jobs.shutdown()
