"""Data-parallel training under torchrun: the few torch.distributed calls the trainer makes.

torchrun starts one process per rank with RANK, WORLD_SIZE, LOCAL_WORLD_SIZE and the rendezvous in
the environment. Every rank holds the whole data set in memory and draws the same permutation
(same seed); each takes its share of every global batch, DistributedDataParallel averages the
gradients, and the sums behind the epoch's figures are all-reduced, so every rank makes the same
decisions (halt, diverged, early stop) at the same step. Only rank 0 prints, saves and records.
"""
from __future__ import annotations

import os
import time
from datetime import timedelta

import torch
import torch.distributed as dist

# A rank that never answers (crashed, killed) must not leave the others waiting for the default
# 30 minutes: they stop with an error after this long.
TIMEOUT = timedelta(minutes=5)


def launched() -> bool:
    """Started by torchrun (or anything that sets its variables) with more than one process."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def init(device: str) -> None:
    """Join the job's process group: gloo on the CPU, NCCL for CUDA."""
    if dist.is_initialized() or not launched():
        return
    cuda = device in ("auto", "cuda") and torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    dist.init_process_group("nccl" if cuda else "gloo", timeout=TIMEOUT)


def finish() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def world() -> tuple[int, int]:
    """(rank, world size): (0, 1) outside a distributed job."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def local_world_size() -> int:
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        return 1


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def all_sum(values: list[float], device) -> list[float]:
    """Sum each value over the ranks (float64, so counts stay exact)."""
    t = torch.tensor(values, dtype=torch.float64, device=device)
    return _all_reduce(t, dist.ReduceOp.SUM).tolist()


def any_rank(flag: bool, device) -> bool:
    """True on every rank when it is true on any (a stop asked for, a non-finite loss seen)."""
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    return bool(_all_reduce(t, dist.ReduceOp.MAX).item())


def _all_reduce(t: torch.Tensor, op, limit_s: float = 1.0) -> torch.Tensor:
    """all_reduce `t` in place; return it once gloo's worker thread has let go of it too.

    all_reduce returns when the sum is done, but the worker thread lets go of the tensor a moment
    later, and letting go of a tensor that Python made takes the GIL. A rank that finishes right
    after its last all_reduce could reach interpreter shutdown first: the worker then cannot take
    the GIL and the process aborts ("terminate called without an active exception", exit -6),
    failing a run that trained and saved. Only CPU (gloo) tensors wait: an NCCL work may be held
    on purpose for longer, and each wait here would stall the loop.
    """
    dist.all_reduce(t, op=op)
    if t.device.type == "cpu" and hasattr(t, "_use_count"):
        deadline = time.monotonic() + limit_s
        while t._use_count() > 1 and time.monotonic() < deadline:
            time.sleep(0.0002)  # releases the GIL, which the worker may need
    return t


def wrap(model, global_batch):
    """The module the training loop calls: `model` itself, or DistributedDataParallel around it
    under torchrun. `global_batch` (None for full-batch workflows) must give every rank a sample."""
    _, world_size = world()
    if world_size == 1:
        return model
    if global_batch is not None and global_batch < world_size:
        raise ValueError(f"--batch-size {global_batch} is the global batch: it must be at least the "
                         f"number of processes ({world_size})")
    from torch.nn.parallel import DistributedDataParallel
    return DistributedDataParallel(model)


STOP_CHECK_EVERY = 10  # under torchrun the ranks agree on a stop every this many batches


def stop_agreed(control, batch: int, world_size: int, device) -> bool:
    """Between batches: has a stop been asked for? Under torchrun all ranks must stop at the same
    batch, so they agree every STOP_CHECK_EVERY batches (pausing is for the window)."""
    if world_size == 1:
        return control.checkpoint()
    return batch % STOP_CHECK_EVERY == 0 and any_rank(control.stopped, device)
