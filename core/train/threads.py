"""How many CPU threads a run trains with: the user's number, a torchrun rank's share of the
machine's cores, or the count that a few timed steps found fastest for this model and batch on
this machine (remembered, so the probe runs once per kind of run)."""
from __future__ import annotations

import copy

import torch

from core.device import choose_threads, remembered_threads, take_problems
from core.train import distributed
from core.train.precision import autocast


def pick_threads(trainer) -> int:
    """Set torch's thread count for `trainer`'s run and return it (0 off the CPU)."""
    config = trainer.config
    if trainer.device.type != "cpu":
        return 0
    if config.threads > 0:
        torch.set_num_threads(config.threads)
        return config.threads
    if trainer.world_size > 1:  # the ranks on this machine share its cores
        threads = max(1, distributed.cpu_cores() // distributed.local_world_size())
        torch.set_num_threads(threads)
        return threads
    # Probe on a copy so the real model's weights and random stream stay untouched.
    probe = copy.deepcopy(trainer.model)
    opt = torch.optim.SGD(probe.parameters(), lr=1e-9)
    train_x = trainer.data.train_x
    n = min(config.batch_size, len(train_x)) if trainer.workflow.minibatch else len(train_x)
    xb, yb = trainer.inputs(train_x[:n]), trainer.data.train_y[:n]

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast(trainer.device, trainer.bfloat16):  # timed as the run will train
            loss = trainer.loss_fn(probe(xb), yb)
        loss.backward()
        opt.step()

    key = f"{config.model}|hidden {config.hidden_units}|batch {n}" + (
        "|bfloat16" if trainer.bfloat16 else "") + (
        f"|input {'x'.join(map(str, trainer.input_shape))}"
        if trainer.task != "fashion" and trainer.images else "")
    chosen, how = remembered_threads(key, lambda: choose_threads(step))
    trainer.log(f"CPU threads: {chosen}, {how}")
    for note in take_problems():
        if note not in how:  # set aside earlier, by a call that logged nowhere
            trainer.log(note)
    return chosen
