"""What the training worker sends the window besides core's own Batch/Epoch/RunResult: plain
dataclasses, never a tensor or a widget, so they cross from the job thread to the UI thread as they
are (gui/training/worker.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class ModelInfo:
    id: str
    class_name: str
    task: str
    description: str
    uses_hidden_units: bool


@dataclass
class CoreInfo:
    models: list            # [ModelInfo], in core's order
    devices: list           # what core found, best first, e.g. ["cuda", "cpu"]
    auto_device: str        # what "auto" picks here, described ("cpu", "cuda (NVIDIA ...)")
    torch_version: str
    seconds: float          # how long importing torch and core took


@dataclass
class RunStarted:
    model_name: str
    device: str
    threads: int
    parameters: int
    first_epoch: int        # 1 for a new run, n+1 for "+1 epoch"
    last_epoch: int
    batches: int            # per epoch
    batch_size: int
    data_source: str
    continued: bool
    scheduled: bool = False  # the learning rate moves (a schedule or a warm-up)
    resumed_from: str = ""   # the checkpoint a continued run started from


@dataclass
class Failure:
    message: str
    kind: str = "error"     # "data": the data set is missing or broken; "error": anything else
    details: str = ""       # the traceback, for the log
    during_run: bool = False  # it ended a Start or "+1 epoch" request (else: loading, download)
    remedy: str = ""        # "download": Fashion-MNIST's files are missing or broken


@dataclass
class DataArrays:
    """An image data set as numpy arrays (shared memory with the worker's tensors, read-only
    use): Fashion-MNIST's uint8 [N, 28, 28], or an image folder's uint8 [N, 3, S, S]."""
    train_x: object
    train_y: object
    test_x: object
    test_y: object
    classes: tuple
    source: str
    workflow: str = "fashion"
    skipped: tuple = ()      # an image folder's unreadable files: (relative path, why)


@dataclass
class ModelWeights:
    """A model's weights at an epoch boundary, as numpy arrays: exact, and safe to hand over
    while the worker trains on (the views rebuild the model from these in their own thread)."""
    model_name: str
    model_id: str
    hidden_units: int
    classes: list
    arrays: dict
    epoch: int
    input_shape: Optional[tuple] = None  # [C, H, W] the model was built for (build_model)
    recipe: Optional[object] = None      # how raw pixels become its inputs (core.pictures.recipe.InputRecipe)
