"""Evaluation numbers computed from predictions: plain tensors and lists in, plain numbers out."""
from __future__ import annotations

import torch


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """[num_classes, num_classes] int64 counts; rows are the true class, columns the prediction."""
    idx = y_true.long().cpu() * num_classes + y_pred.long().cpu()
    return torch.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def accuracy(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Percent correct, as the seed's accuracy_fn reports it."""
    return 100.0 * (y_true == y_pred).sum().item() / max(len(y_true), 1)


def _counts(cm) -> torch.Tensor:
    return torch.as_tensor(cm).to(torch.float64)


def _safe_div(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """num / den, with 0 where den is 0 (a class never predicted has precision 0, not NaN)."""
    return torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(num))


def normalise(cm, by: str) -> torch.Tensor:
    """Float copy of a confusion matrix scaled so each row ("row": recall view) or each column
    ("column": precision view) sums to 1; an empty row or column stays all zeros."""
    dim = {"row": 1, "column": 0}[by]
    c = _counts(cm)
    return _safe_div(c, c.sum(dim=dim, keepdim=True).expand_as(c))


def per_class(cm) -> dict[str, torch.Tensor]:
    """Precision, recall, F1 (float64) and support (int64) per class, from a rows-are-true matrix."""
    c = _counts(cm)
    tp = c.diagonal()
    precision = _safe_div(tp, c.sum(dim=0))
    recall = _safe_div(tp, c.sum(dim=1))
    f1 = _safe_div(2 * precision * recall, precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1,
            "support": torch.as_tensor(cm).sum(dim=1).long()}


def accuracy_from_confusion(cm) -> float:
    """Percent correct: the diagonal over the total."""
    c = _counts(cm)
    return 100.0 * c.diagonal().sum().item() / max(c.sum().item(), 1)


def most_confused(cm, k: int = 10) -> list[tuple[int, int, int]]:
    """The k largest off-diagonal cells as (true, predicted, count), largest first, zeros left out.
    Ties keep row-major order so the list is stable between runs."""
    c = torch.as_tensor(cm).long().clone()
    c.fill_diagonal_(0)
    flat = c.flatten()
    order = sorted(range(len(flat)), key=lambda i: (-int(flat[i]), i))
    n = c.shape[1]
    return [(i // n, i % n, int(flat[i])) for i in order[:k] if flat[i] > 0]
