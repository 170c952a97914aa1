"""The plain settings of one training run and the plain results it produces.

The window, the CLI and the tests all consume these; nothing here holds a tensor.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Optional

OPTIMIZERS = ("sgd", "adam", "adamw")
DEVICES = ("auto", "cpu", "cuda", "mps")
AUGMENTS = ("", "sketch")
# Share of each batch replaced by a drawing-like version (core/augment.py). Measured with
# fashion-v2 and the seed settings (benchmarks/bench_sketch.py): 0.5 cost 1.6 points of
# Fashion-MNIST test accuracy; 0.25 and 0.35 cost under 1 and read the drawings as well or better.
SKETCH_FRACTION = 0.35

# Epochs and learning rate a new run of each workflow starts from: the seeds' values, with one
# exception. Notebook 02 stops the ReLU circles model at 1000 epochs, where it sits at 86.5% test
# accuracy (the notebook prints 86.50%; TrainDesk reproduces it): the net spends ~600 epochs on a
# flat loss before the boundary bends. At 1500 epochs, same SGD lr 0.1, it reaches 99.0%, so a
# learner pressing Train sees ReLU finish the job; set 1000 epochs to replay the notebook exactly.
NOTEBOOK_CIRCLES_EPOCHS = 1000
WORKFLOW_DEFAULTS = {"fashion": {"epochs": 3, "lr": 0.1},
                     "line": {"epochs": 300, "lr": 0.01},
                     "circles": {"epochs": 1500, "lr": 0.1}}


@dataclass
class TrainConfig:
    model: str = "fashion-v2"
    epochs: int = 3
    batch_size: int = 32
    lr: float = 0.1
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    hidden_units: int = 10
    seed: int = 42
    device: str = "auto"
    threads: int = 0              # 0: pick by measuring a few steps at start
    data_dir: Optional[str] = None
    # toy data settings (notebooks 01 and 02); ignored by Fashion-MNIST models
    line: dict = field(default_factory=dict)     # weight, bias, start, end, step, train_fraction
    circles: dict = field(default_factory=dict)  # n_samples, noise, factor, seed
    log_interval_s: float = 0.05  # at most one BatchResult per interval (<= 20 per second)
    augment: str = ""             # "sketch": mix drawing-like images into each batch (core/augment.py)
    sketch_fraction: float = SKETCH_FRACTION  # with augment "sketch": share of each batch made drawing-like

    def validate(self) -> None:
        from core.models import get_spec
        get_spec(self.model)
        if self.epochs < 0:
            raise ValueError("epochs must be 0 or more")
        if self.batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if not self.lr > 0:
            raise ValueError("learning rate must be positive")
        if self.weight_decay < 0:
            raise ValueError("weight decay must be 0 or more")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}")
        if self.hidden_units < 1:
            raise ValueError("hidden units must be at least 1")
        if self.augment not in AUGMENTS:
            raise ValueError(f"augment must be one of: {', '.join(a or 'none' for a in AUGMENTS)}")
        if not 0 < self.sketch_fraction <= 1:
            raise ValueError("sketch fraction must be above 0 and at most 1")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class BatchResult:
    epoch: int            # 1-based
    batch: int            # 1-based within the epoch
    batches: int
    loss: float           # mean training loss over the batches since the previous BatchResult
    acc: Optional[float]  # percent, same window; None for regression
    samples_per_s: float
    elapsed: float        # seconds since the run started


@dataclass
class EpochResult:
    epoch: int
    epochs: int
    train_loss: float
    train_acc: Optional[float]
    test_loss: float
    test_acc: Optional[float]
    seconds: float        # this epoch, training and testing
    samples_per_s: float


@dataclass
class RunResult:
    model_name: str
    model_loss: float
    model_acc: Optional[float]
    training_time: float
    epochs_done: int
    device: str
    threads: int
    stopped: bool = False           # the user stopped it
    error: Optional[str] = None     # why it halted early (NaN loss, ...)
    checkpoint: Optional[str] = None
    extra: dict = field(default_factory=dict)  # e.g. the line's learned weight and bias
    status: str = "finished"        # or "stopped", "halted" (NaN/inf loss), "diverged" (core.doctor)
