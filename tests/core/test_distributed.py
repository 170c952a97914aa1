"""core/train/distributed.py in a real one-rank gloo group in this process: the sums are right, and
a collective returns only once gloo's worker thread has let go of the tensor (a rank that exits
while the worker still holds one aborts at interpreter shutdown)."""
import pytest
import torch
import torch.distributed as dist

from core.train import distributed


@pytest.fixture
def gloo_group():
    store = dist.HashStore()
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_collectives_answer_and_let_go_of_their_tensor(gloo_group):
    assert distributed.world() == (0, 1)
    assert distributed.all_sum([1.5, 2.0, 10000.0], "cpu") == [1.5, 2.0, 10000.0]
    assert distributed.any_rank(True, "cpu") is True
    assert distributed.any_rank(False, "cpu") is False
    # Without the wait, 37 to 62 calls in 300 returned while the worker still held the tensor.
    held = 0
    for i in range(300):
        t = distributed._all_reduce(torch.tensor([float(i)]), dist.ReduceOp.SUM)
        held += t._use_count() > 1
        assert t.item() == float(i)
    assert held == 0
