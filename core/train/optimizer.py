"""The optimizer a run's settings ask for (its rate then moves with core/train/schedules.py)."""
from __future__ import annotations

import torch

from core.config import TrainConfig


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                               weight_decay=config.weight_decay)
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    return kinds[config.optimizer](params, lr=config.lr, weight_decay=config.weight_decay)
