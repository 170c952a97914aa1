"""The settings a run left to its data (config.from_data: the image folder's epochs and
augmentation), filled in once the data is loaded, by its workflow's data_defaults, and said in the
log. The workflow needs one optimiser step's time to keep a run within its time budget: measured
here on a copy of the model, so the run's own weights, gradients and random numbers are untouched.
"""
from __future__ import annotations

import copy
import time

import torch

from core.train import distributed

TIMED_STEPS = 5
WARM_UP_STEPS = 2  # the first steps of a shape build its kernels: not what the run will see


def fill_in(trainer) -> None:
    config = trainer.config
    choose = trainer.workflow.data_defaults
    if not config.from_data or choose is None:
        config.from_data = ()
        return
    values, why = choose(config, len(trainer.data.train_x), step_seconds(trainer))
    for name, value in values.items():
        if name in config.from_data:
            setattr(config, name, value)
    config.from_data = ()  # chosen once: a checkpoint keeps these values
    config.validate()
    if why:
        trainer.log(f"Chosen from the data: {why}. A setting given (--epochs, --shift, ...) is "
                    "always obeyed.")


def step_seconds(trainer) -> float:
    """One forward and backward pass of a full batch, the fastest of a few after a warm-up (the
    optimiser's own update is small beside it). The fastest, not the median: a moment of load on
    a busy machine made a median twenty times the real figure, and the run was cut to its minimum
    epochs. Under torchrun the ranks' mean, so every rank chooses the same."""
    model = copy.deepcopy(trainer.model).train()
    n = min(trainer.config.batch_size, len(trainer.data.train_x))
    x = trainer.inputs(trainer.data.train_x[:n])
    y = trainer.data.train_y[:n]
    times = []
    for _ in range(WARM_UP_STEPS + TIMED_STEPS):
        t0 = time.perf_counter()
        trainer.train_loss_fn(model(x), y).backward()
        model.zero_grad(set_to_none=True)
        if trainer.device.type == "cuda":
            torch.cuda.synchronize(trainer.device)
        times.append(time.perf_counter() - t0)
    seconds = min(times[WARM_UP_STEPS:]) * trainer.config.batch_size / max(n, 1)
    if trainer.world_size > 1:
        seconds = distributed.all_sum([seconds], trainer.device)[0] / trainer.world_size
    return seconds
