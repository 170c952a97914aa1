"""One model's predictions on a labelled image set, and everything the evaluation views read from it.

The report keeps the full probability table (10,000 x 10 floats is 400 kB), so every view, from the
confusion matrix to a single image's probability bars, is a cheap lookup instead of another pass
through the model. Arrays are numpy so they cross threads and reach widgets without torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import torch

from core.evaluation.evaluate import fashion_logits
from core.evaluation.metrics import accuracy_from_confusion, confusion_matrix, most_confused, normalise, per_class

CHUNK = 2000  # images per progress step: a few steps for the test set, each well under a second
Progress = Callable[[int, int], bool]  # (done, total) -> True to go on, False to cancel


class Cancelled(Exception):
    pass


@dataclass
class EvalReport:
    probs: np.ndarray   # float32 [N, C], softmax of the logits
    y_true: np.ndarray  # int64 [N]
    classes: tuple
    _cm: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def y_pred(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @property
    def confidence(self) -> np.ndarray:
        """The probability the model gave its own prediction."""
        return self.probs.max(axis=1)

    @property
    def confusion(self) -> np.ndarray:
        """int64 [C, C], rows are the true class."""
        if self._cm is None:
            self._cm = confusion_matrix(torch.from_numpy(self.y_true), torch.from_numpy(self.y_pred),
                                        len(self.classes)).numpy()
        return self._cm

    def matrix(self, mode: str) -> np.ndarray:
        """"counts", "recall" (rows sum to 1) or "precision" (columns sum to 1)."""
        if mode == "counts":
            return self.confusion
        return normalise(self.confusion, {"recall": "row", "precision": "column"}[mode]).numpy()

    @property
    def accuracy(self) -> float:
        return accuracy_from_confusion(self.confusion)

    def cell(self, true: int, pred: int) -> np.ndarray:
        """Indices of the images whose (true, predicted) pair is this cell, most confident first."""
        idx = np.flatnonzero((self.y_true == true) & (self.y_pred == pred))
        return idx[np.argsort(-self.confidence[idx], kind="stable")]

    def class_rows(self) -> list[dict]:
        """One dict per class: the per-class table and its CSV."""
        m = per_class(self.confusion)
        return [{"class": name, "precision": float(m["precision"][i]), "recall": float(m["recall"][i]),
                 "f1": float(m["f1"][i]), "support": int(m["support"][i])}
                for i, name in enumerate(self.classes)]

    def confused_pairs(self, k: int = 10) -> list[dict]:
        return [{"true": self.classes[t], "predicted": self.classes[p], "count": n}
                for t, p, n in most_confused(self.confusion, k)]


@torch.inference_mode()
def evaluate(model: torch.nn.Module, images_u8: torch.Tensor, labels: torch.Tensor, classes,
             progress: Optional[Progress] = None, recipe=None) -> EvalReport:
    """Run the model over uint8 [N, 28, 28] images on the device its weights are on, in chunks,
    calling progress(done, total) after each; progress returning False raises Cancelled.
    `recipe`: the model's core.pictures.recipe.InputRecipe (None: pixels / 255)."""
    device = next(model.parameters()).device
    total = len(images_u8)
    parts = []
    for start in range(0, total, CHUNK):
        logits = fashion_logits(model, images_u8[start:start + CHUNK], device, recipe)
        parts.append(torch.softmax(logits, dim=1))
        if progress is not None and progress(min(start + CHUNK, total), total) is False:
            raise Cancelled()
    probs = torch.cat(parts) if parts else torch.empty(0, len(classes))
    return EvalReport(probs.numpy().astype(np.float32), labels.cpu().numpy().astype(np.int64),
                      tuple(classes))
