"""The order in which an epoch visits the training samples."""
from __future__ import annotations

import torch


def notebook_order(n: int, generator: torch.Generator) -> torch.Tensor:
    """The epoch's sample order exactly as the seed notebook's shuffled DataLoader draws it.

    Each epoch the notebook's random stream gives three numbers: the training DataLoader's
    iterator takes a worker base seed, then its sampler's seed (which seeds the permutation); the
    test DataLoader's iterator takes one more base seed. Drawing them from a private generator
    seeded like the notebook's torch.manual_seed(42) gives the notebook's batches, without touching
    the process-wide random state.
    """
    def draw() -> int:
        return int(torch.empty((), dtype=torch.int64).random_(generator=generator))

    draw()  # training loader's base seed
    sampler_seed = draw()
    draw()  # test loader's base seed, drawn when the epoch's test pass starts
    return torch.randperm(n, generator=torch.Generator().manual_seed(sampler_seed))


def epoch_batches(trainer):
    """One epoch's training batches of `trainer`'s data, as model inputs on its device: the toy
    workflows' whole set at once; otherwise slices of one gathered, converted permutation (each
    torchrun rank takes its share of every global batch). A run resumed mid-epoch draws the
    interrupted epoch's order again."""
    x, y = trainer.data.train_x, trainer.data.train_y  # toy data is float already
    if not trainer.workflow.minibatch:
        yield x, y  # the seeds train the toy models on the whole set every epoch
        return
    state, generator = trainer.state, trainer.generator
    if state.progress is not None:
        generator.set_state(state.epoch_order)
    state.epoch_order = generator.get_state()
    perm = notebook_order(len(x), generator).to(trainer.device)
    # One gather and one conversion per epoch; every batch below is then a view.
    x, y = trainer.inputs(x[perm]), y[perm]
    bs, r, w = trainer.config.batch_size, trainer.rank, trainer.world_size
    for i in range(0, len(x), bs):
        yield x[i:i + bs][r::w], y[i:i + bs][r::w]  # w == 1: the whole batch
