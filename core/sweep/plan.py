"""Hyperparameter sweeps: a grid (or a seeded random sample of it) of `main.py train` runs, each in a
process of its own, at most K at once, each an ordinary run in the history tagged with the sweep's id.

This module plans: `make_plan` turns the lists into runs and checks every one of them with the
settings' own checks (TrainConfig.validate) before anything starts, and sizes how many run at once
(memory, cores, GPUs). core/sweep/supervise.py runs the plan's processes.

Plain Python; torch is only imported to check the model name and count GPUs.
"""
from __future__ import annotations

import itertools
import math
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Optional

from core.config import TrainConfig
from core.settings_spec import settings_of
from core.data.system_memory import available_memory as _memory_available  # tests replace it

_DECLARED = settings_of(TrainConfig)
# From the settings' declarations (core/config.py: sweep, short, sweep_pass):
# the settings a sweep can vary, in the order their combinations are made (the first varies slowest);
SWEPT = tuple(s.name for s in sorted((s for s in _DECLARED if s.sweep), key=lambda s: s.sweep))
# those passed on unchanged to every run when given (None: `train`'s own default);
PASSED = tuple(s.name for s in _DECLARED if s.sweep_pass)
# how progress lines name the swept settings.
SHORT = {s.name: s.short or s.name for s in _DECLARED if s.sweep}
# Memory one training process needs, measured (peak RSS): fashion-v2 on the full Fashion-MNIST
# ~1.0 GB (torch itself ~0.35 GB, the data set as float tensors ~0.2 GB, the rest the model's
# activations); the toy models ~0.4 GB.
PROCESS_MEMORY = {"fashion": 1.2e9, "line": 0.5e9, "circles": 0.5e9, "folder": 1.2e9}
_SETTINGS = {s.name: s for s in _DECLARED}


def new_id() -> str:
    return f"sweep-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def parse_list(name: str, text: str) -> list:
    """A comma-separated list of one setting's values, converted to its type, duplicates dropped.
    ValueError names the flag, as the settings' own checks do."""
    spec = _SETTINGS[name]
    values = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"{spec.words} ({spec.flag}) has an empty value in {text!r}: write the "
                             "values separated by commas, e.g. 0.01,0.1")
        if spec.kind is str:
            value = spec.from_cli(part)
        else:
            try:
                value = spec.kind(part)
            except ValueError:
                raise spec.error("a whole number" if spec.kind is int else "a number", part) from None
        if value not in values:
            values.append(value)
    return values


def cli_text(name: str, value) -> str:
    """A value as `train` reads it back: floats exactly (repr), choices as the CLI spells them."""
    if isinstance(value, float):
        return repr(value)
    return _SETTINGS[name].cli_text(value) if isinstance(value, str) else str(value)


@dataclass
class Plan:
    id: str
    model: str
    task: str
    runs: list[dict]          # each run's swept values: {setting name: value}
    passed: dict              # settings every run gets: {name: value} (one-value lists too)
    parallel: int             # processes at once
    threads: int              # --threads each run gets (0: `train` measures)
    gpus: int                 # CUDA devices the runs are spread over (0: none)
    out: str
    grid_size: int            # combinations in the grid (more than len(runs) with --random)
    why: str = ""             # how `parallel` and `threads` were chosen, for people
    study: dict = field(default_factory=dict)  # an Optuna study's name, storage, space (study.py)

    def to_json(self) -> dict:
        return {"id": self.id, "model": self.model, "runs": self.runs, "grid_size": self.grid_size,
                "parallel": self.parallel, "threads": self.threads, "gpus": self.gpus,
                "out": self.out, "settings": self.passed, **self.study}


def make_plan(model: str, lists: dict, passed: Optional[dict] = None, random_n: Optional[int] = None,
              seed: Optional[int] = None, parallel: Optional[int] = None, out: str = "runs",
              sweep_id: Optional[str] = None) -> Plan:
    """The runs a sweep will make, every one checked; ValueError (one line naming the flag) if any
    value is not allowed. `lists`: {setting in SWEPT: [values]} (empty lists are left out)."""
    from core.models import get_spec

    passed = {k: v for k, v in (passed or {}).items() if v is not None}
    unknown = set(lists) - set(SWEPT) | set(passed) - set(PASSED)
    if unknown:
        raise ValueError(f"a sweep cannot set {', '.join(sorted(unknown))}")
    task = get_spec(model).task  # an unknown model: ValueError listing the models
    lists = {k: list(lists[k]) for k in SWEPT if lists.get(k)}
    for name in lists:
        spec = _SETTINGS[name]
        if not spec.used_in(task):
            raise ValueError(f"{spec.words} ({spec.flag}) does not apply to {model}: only the "
                             "image models use it")
    # A list of one value is a setting every run gets, not a dimension of the grid.
    passed = {**passed, **{k: v[0] for k, v in lists.items() if len(v) == 1}}
    lists = {k: v for k, v in lists.items() if len(v) > 1}
    grid = [dict(zip(lists, combo)) for combo in itertools.product(*lists.values())]
    if random_n is not None:
        if random_n < 1:
            raise ValueError(f"--random must be 1 or more, not {random_n}")
        if random_n > len(grid):
            raise ValueError(f"--random {random_n} asks for more runs than the grid's "
                             f"{len(grid)} combinations")
        # Sampled without replacement, then kept in grid order: the same seed, the same runs.
        picked = sorted(random.Random(seed if seed is not None else 0).sample(range(len(grid)), random_n))
        runs = [grid[i] for i in picked]
    else:
        runs = grid
    for values in runs:  # every run checked before any starts
        config = TrainConfig(model=model, **{**passed, **values})
        if "epochs" not in passed:
            config.epochs = _SETTINGS["epochs"].default_for(task)
        config.validate()
    if parallel is not None and parallel < 1:
        raise ValueError(f"--parallel must be 1 or more, not {parallel}")
    device = passed.get("device", "auto")
    if device != "auto":
        from core.device import pick_device
        pick_device(device)  # not present here: ValueError, before any run fails on it
    gpus = _gpus(device)
    k, threads, why = choose_parallel(len(runs), task, model, gpus, parallel, passed.get("threads"))
    return Plan(sweep_id or new_id(), model, task, runs, passed, k, threads, gpus, str(out),
                len(grid), why)


def _gpus(device: str) -> int:
    """The GPUs the runs will train on: the CUDA devices present when the device is cuda or auto
    (which picks CUDA first); Apple's MPS counts as one; 0 on the CPU."""
    if device not in ("auto", "cuda", "mps"):
        return 0
    import torch
    if device in ("auto", "cuda") and torch.cuda.is_available():
        return torch.cuda.device_count()
    mps = getattr(torch.backends, "mps", None)
    return 1 if device in ("auto", "mps") and mps is not None and mps.is_available() else 0


def choose_parallel(runs: int, task: str, model: str, gpus: int, parallel: Optional[int],
                    threads: Optional[int]) -> tuple[int, int, str]:
    """(processes at once, --threads per run, why) for a sweep of `runs` runs.

    With CUDA: one process per GPU (each sees only its own, CUDA_VISIBLE_DEVICES). On the CPU: one
    process per core. TrainDesk's models are small, so a core running its own run does more than a
    core lent to another run's matrix products, whose threads spend much of each step waiting on
    each other (core/device.py measures that); TinyVGG's convolutions are the exception, measured
    faster with 2 threads than 1, so fashion-v2 gets 2 cores a run. Either way no more runs than the
    memory has room for (PROCESS_MEMORY each), and each run's threads share the cores evenly.
    """
    from core.device import cpu_count

    cores = cpu_count()
    if parallel is None:
        if gpus:
            k, why = gpus, f"one run per GPU ({gpus})"
        else:
            per_run = 2 if model == "fashion-v2" and cores >= 2 else 1
            k = max(1, cores // per_run)
            why = f"{cores} cores, {per_run} per run"
            memory = _memory_available()
            if memory is not None:
                room = max(1, int(memory // PROCESS_MEMORY.get(task, 1e9)))
                if room < k:
                    k, why = room, f"memory for {room} runs ({memory / 1e9:.1f} GB available)"
        k = max(1, min(k, runs))
    else:
        k, why = max(1, min(parallel, max(runs, 1))), "--parallel"
    if threads is None:
        # Not `train`'s 0 (measure at start): measured while the other runs load the cores, the
        # choice would be wrong, and each run could take all the cores for itself.
        threads = max(1, cores // k)
    return k, threads, why


def train_argv(plan: Plan, values: dict) -> list[str]:
    """`main.py train`'s arguments (after the command) for one run of the plan."""
    argv = ["train", "--model", plan.model, "--sweep", plan.id, "--out", plan.out]
    settings = {**plan.passed, "threads": plan.threads, **values}
    for name in (*PASSED, *SWEPT):
        if settings.get(name) is not None:
            argv += [_SETTINGS[name].flag, cli_text(name, settings[name])]
    return argv


def describe(values: dict) -> str:
    """'lr 0.1 batch 32': a run's swept values, as progress lines name them."""
    return " ".join(f"{SHORT[k]} {v:g}" if isinstance(v, float) else f"{SHORT[k]} {v}"
                    for k, v in values.items()) or "defaults"


def finite_number(x) -> Optional[float]:
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def best_run(runs: list[dict]) -> Optional[dict]:
    """The run with the highest test accuracy (the lowest test loss for the line models, which have
    no accuracy), among those that kept a checkpoint."""
    kept = [r for r in runs if r.get("checkpoint")]
    with_acc = [r for r in kept if finite_number(r.get("model_acc")) is not None]
    if with_acc:
        return max(with_acc, key=lambda r: r["model_acc"])
    with_loss = [r for r in kept if finite_number(r.get("model_loss")) is not None]
    return min(with_loss, key=lambda r: r["model_loss"]) if with_loss else None
