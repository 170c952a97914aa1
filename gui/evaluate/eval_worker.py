"""Evaluation off the UI thread: one model over the test set per request, on a JobRunner.

`Evaluator` (UI side) keeps at most one request waiting: a newer request replaces the waiting
one, so per-epoch updates during training coalesce instead of piling up behind a slow pass.
Results come back as plain numpy arrays; `shutdown()` cancels and waits, so no thread outlives
its owner.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

from gui.jobs import JobRunner


@dataclass
class Request:
    key: str                     # which entry of the panel the result belongs to
    model: Optional[object]      # a torch module owned by this request, or None: load `checkpoint`
    checkpoint: Optional[str]
    images: object               # uint8 tensor [N, 28, 28] (Fashion-MNIST) or [N, 3, S, S] (a folder)
    labels: object               # int64 tensor [N]
    classes: tuple
    data: object = None          # what the images belong to (a data_sets.DataSet), handed back
    model_classes: Optional[tuple] = None  # the model's own class names, when the caller knows them
    # its core.pictures.recipe.InputRecipe, when the caller knows it (a checkpoint says its own;
    # None otherwise: pixels / 255, the recipe of every workflow today)
    recipe: Optional[object] = None


class DataMismatch(Exception):
    """The model was not trained on this data set (its classes or its pictures differ)."""


def _check(model, model_classes, req: Request, recipe) -> None:
    """Refuse, in words, a model that cannot be scored on these images: other class names, another
    number of outputs, or pictures of another shape. One image is enough to tell."""
    from core.evaluation.evaluate import image_logits
    if model_classes is not None and list(model_classes) != list(req.classes):
        raise DataMismatch(f"it was trained on the classes {', '.join(model_classes)[:120]}, but "
                           f"the data set has {', '.join(req.classes)[:120]}")
    if not len(req.images):
        return
    device = next(model.parameters()).device
    try:
        outputs = image_logits(model, req.images[:1], device, recipe).shape[1]
    except (RuntimeError, ValueError) as e:  # the layers (or its recipe) do not fit the pictures
        shape = "x".join(str(v) for v in req.images.shape[1:])
        raise DataMismatch(f"it does not take this data set's {shape} pictures "
                           f"({str(e).splitlines()[0][:120]})") from None
    if outputs != len(req.classes):
        raise DataMismatch(f"it has {outputs} outputs, but the data set has {len(req.classes)} classes")


def evaluate(job, req: Request):
    """The job: (probs float32 [N, C], y_true int64 [N], req.data); stops within a chunk once
    cancelled."""
    # torch is imported here, in the worker thread, so building the panel stays quick
    from core.checkpoint import load
    from core.evaluation.report import evaluate as evaluate_model
    from core.pictures.recipe import InputRecipe
    if req.model is not None:
        model, model_classes, recipe = req.model, req.model_classes, req.recipe
    else:
        ckpt = load(req.checkpoint)  # its recipe was checked as it loaded
        model, model_classes = ckpt.model, ckpt.meta.get("classes")
        recipe = InputRecipe.from_meta(ckpt.meta)
    _check(model, model_classes, req, recipe)

    def step(done: int, total: int) -> bool:
        job.progress((done, total))
        return not job.cancelled

    report = evaluate_model(model, req.images, req.labels, req.classes, progress=step, recipe=recipe)
    return np.asarray(report.probs), np.asarray(report.y_true), req.data


class Evaluator(QObject):
    """UI-side handle: submit requests, get `progress`/`finished`/`failed` on the UI thread."""
    progress = Signal(str, int, int)            # key, done, total
    finished = Signal(str, object, object, object)  # key, probs [N, C], y_true [N], Request.data
    failed = Signal(str, str)                   # key, message (a damaged checkpoint: its text)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs = JobRunner("traindesk-eval", self, expected=("CheckpointError", "DataMismatch"))
        self.jobs.progress.connect(lambda key, p: self.progress.emit(key, *p))
        self.jobs.result.connect(lambda key, r: self.finished.emit(key, *r))
        self.jobs.failed.connect(lambda key, error: self.failed.emit(key, error.message))

    @property
    def running(self) -> Optional[str]:
        """Key of the request being evaluated."""
        return self.jobs.current.tag if self.jobs.current is not None else None

    @property
    def waiting(self) -> Optional[Request]:
        return self.jobs.waiting[-1].args[0] if self.jobs.waiting else None

    @property
    def busy(self) -> bool:
        return self.running is not None

    def pending(self, key: str | None) -> bool:
        """True while `key` is being evaluated or waits its turn."""
        return key is not None and key in (self.running, getattr(self.waiting, "key", None))

    def submit(self, req: Request) -> None:
        self.jobs.submit(evaluate, req, tag=req.key, coalesce="eval")

    def shutdown(self) -> None:
        """Cancel the running pass (it stops within one chunk) and wait for the thread."""
        self.jobs.shutdown()
