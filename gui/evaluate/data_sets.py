"""Which data set each run is evaluated on, and reading the one a run needs when it is not loaded.

The window hands the panel the data set it trains on. A run opened from the history may be of
another one: an image-folder run while Fashion-MNIST is loaded, or the other way round. Scored on
the wrong pictures its confusion matrix would be nonsense (or impossible: the class counts
differ), so each run is matched with a data set it was trained on; when none is in memory, its own
is read in the background by its workflow, from the run's config, as `main.py evaluate` reads it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, Signal

from gui.jobs import JobRunner

FASHION, FOLDER = "fashion", "folder"
SPLIT = ("image_size", "test_fraction", "split_seed")  # with the folder: which pictures are tests


@dataclass(eq=False)  # compared by identity: a report belongs to the very arrays it was made on
class DataSet:
    data: object                   # FashionData duck type: torch tensors, classes, source
    task: str                      # the workflow it belongs to: FASHION or FOLDER
    config: Optional[dict] = None  # the run config it was read for (a folder's path and split)

    def __post_init__(self):
        self.images = self.data.test_x.cpu().numpy()  # what the galleries show, made once

    @property
    def classes(self) -> tuple:
        return tuple(self.data.classes)


def task_of(record) -> Optional[str]:
    """The workflow a run trained on, from its model; None for a model this version lacks."""
    from core.models import get_spec  # torch is loaded by the time runs are listed
    try:
        return get_spec(record.model_id).task
    except (ValueError, AttributeError):
        return None


def config_of(record) -> dict:
    """The run's settings (core.runs.store's rows have them; older records do not)."""
    config = getattr(record, "config", None)
    return config if isinstance(config, dict) else {}


def _folder(config: dict) -> Optional[str]:
    folder = config.get("image_folder")
    return os.path.realpath(os.path.expanduser(folder)) if isinstance(folder, str) and folder else None


def serves(ds: DataSet, task: Optional[str], config: dict) -> bool:
    """True when `ds` is the data set a run of `task` with `config` was trained and tested on."""
    if task is None:
        return True  # nothing to tell by: the evaluation's own checks still catch a mismatch
    if ds.task != task:
        return False
    if task != FOLDER:
        return True  # every copy of Fashion-MNIST is the same data set
    folder = _folder(config)
    if folder is None:
        return False
    if ds.config is not None:
        return _folder(ds.config) == folder and all(ds.config.get(k) == config.get(k) for k in SPLIT)
    # The window's data comes without its config: its source names the folder (core.data.image_folder
    # writes "image folder <root> (<layout> layout)") and its arrays give the picture size.
    root = str(Path(config["image_folder"]).expanduser())
    return (f"image folder {root} (" in ds.data.source
            and int(ds.data.test_x.shape[-1]) == config.get("image_size"))


def name_of(task: Optional[str], config: dict) -> str:
    """The data set a run needs, for a message: "Fashion-MNIST", "the image folder ~/food at 64×64"."""
    if task == FOLDER:
        size = config.get("image_size")
        return (f"the image folder {config.get('image_folder') or '(not recorded)'}"
                + (f" at {size}×{size}" if size else ""))
    from core import workflows
    try:
        return workflows.get(task).name
    except ValueError:
        return "an unknown data set"


def data_label(record) -> str:
    """A short name of a run's data set, for a table column: "Fashion-MNIST", "food 64×64"."""
    task, config = task_of(record), config_of(record)
    if task == FOLDER:
        folder = config.get("image_folder")
        size = config.get("image_size")
        return f"{Path(folder).name if folder else 'image folder'}" + (f" {size}×{size}" if size else "")
    return name_of(task, config) if task else ""


def can_read(task: Optional[str], config: dict) -> bool:
    """Whether the run's data set can be read from what the run recorded."""
    return task == FASHION or (task == FOLDER and _folder(config) is not None)


def _read(job, key: str, task: str, config: dict) -> DataSet:
    """The job: the run's data set, read by its workflow as for training (on the CPU)."""
    from core import workflows
    from core.config import TrainConfig

    def progress(done, total):
        job.check()  # a cancel (the panel closing) stops a long folder read between files
        job.progress((done, total))

    data = workflows.get(task).load(TrainConfig.from_dict(config), progress)
    return DataSet(data, task, dict(config) if task == FOLDER else None)


class DataReader(QObject):
    """Reads data sets for runs on a thread of its own, one at a time; the newest request wins."""
    read = Signal(str, object)          # key, DataSet
    failed = Signal(str, str)           # key, why (one line)
    progress = Signal(str, int, int)    # key, done, total

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs = JobRunner("traindesk-eval-data", self, expected=("DataError", "ValueError"))
        self.jobs.result.connect(lambda key, ds: self.read.emit(key, ds))
        self.jobs.failed.connect(lambda key, error: self.failed.emit(key, error.message))
        self.jobs.progress.connect(lambda key, p: self.progress.emit(key, *p))

    @staticmethod
    def key(task: str, config: dict) -> str:
        return repr((task, _folder(config), *(config.get(k) for k in SPLIT)) if task == FOLDER
                    else (task,))

    def pending(self, key: Optional[str]) -> bool:
        jobs = self.jobs
        return key is not None and any(j.tag == key for j in [jobs.current, *jobs.waiting] if j)

    def request(self, task: str, config: dict) -> str:
        """Start reading (unless it is being read already); returns the key results come with."""
        key = self.key(task, config)
        if not self.pending(key):
            self.jobs.submit(_read, key, task, dict(config), tag=key, coalesce="data")
        return key

    def shutdown(self) -> None:
        self.jobs.shutdown()

