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
