"""The one bridge between the window and core: TrainWorker, whose requests run as jobs.

Everything that imports torch or runs a model happens in the worker's job thread (gui/jobs.py),
so the window paints at once and never waits on training. The window talks to the worker in two
ways only:

* requests (`load`, `start`, `more`, `count_parameters`, `download`) are jobs, run in the job
  thread one after another, in order;
* `stop`, `pause` and `resume` act on core's thread-safe `Control` directly, because the job
  thread is busy inside the training loop and would not see a queued request until it ended.

Results come back as signals carrying plain dataclasses (core's BatchResult/EpochResult/RunResult
and the small ones below): never a tensor, never a widget. The job thread emits them and, the
worker living in the UI thread, every receiver gets them there, queued, in order. A request that
fails ends in `failed` with a Failure.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, QThread, Signal

from gui import jobs

# Per-batch signals at most this often: the trainer throttles too, but a tiny full-batch model
# (the line, the circles) finishes an "epoch" every millisecond.
BATCH_SIGNAL_INTERVAL_S = 0.05
THREAD_NAME = "TrainDesk worker"
RUN = "run"  # the tag of Start and "+1 epoch" jobs: their failure ends a run


def running_threads() -> list[QThread]:
    """The training worker's threads still running (gui.jobs.running_threads has them all)."""
    return jobs.running_threads(THREAD_NAME)


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


@dataclass
class DataArrays:
    """Fashion-MNIST as numpy arrays (shared memory with the worker's tensors, read-only use)."""
    train_x: object
    train_y: object
    test_x: object
    test_y: object
    classes: tuple
    source: str


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


class TrainWorker(QObject):
    core_ready = Signal(object)          # CoreInfo
    data_ready = Signal(str)             # where Fashion-MNIST came from
    run_started = Signal(object)         # RunStarted
    batch_done = Signal(object)          # core.config.BatchResult
    epoch_done = Signal(object)          # core.config.EpochResult
    run_finished = Signal(object)        # core.config.RunResult (also after stop or NaN halt)
    failed = Signal(object)              # Failure; ends a request that could not finish
    log = Signal(str)
    parameters_counted = Signal(str, int, int)   # model id, hidden units, count
    download_progress = Signal(str, int, int)    # file, bytes done, bytes total (0: unknown)
    download_finished = Signal(str)              # the folder now holding the data
    data_arrays = Signal(object)         # DataArrays: the loaded data set, for the evaluation views
    weights_ready = Signal(object)       # ModelWeights after each epoch (image models)
    run_saved = Signal(object)           # core.run_store.RunRow of a finished Fashion-MNIST run
    run_recorded = Signal(str)           # a run's id, once its end is in the run history

    def __init__(self, parent=None):
        super().__init__(parent)
        self._control = None
        self._control_cls = None
        self._trainer = None
        self._recorded = None  # core.recorded_run.RecordedRun of the last run
        self._data_key = None
        self._data = None
        self._last_batch_emit = 0.0
        # A missing or broken data set is said as core words it (kind "data"), without a traceback.
        self.jobs = jobs.JobRunner(THREAD_NAME, self, expected=("DataError",))
        self.jobs.failed.connect(self._failed)

    # -- called from the window's thread ---------------------------------------------------------
    def load(self, data_dir: Optional[str] = None) -> None:
        """Import torch and core, then read Fashion-MNIST (from `data_dir`, or found by core)."""
        self.jobs.submit(self._load, data_dir, tag="load")

    def prepare_data(self, data_dir: Optional[str] = None) -> None:
        """Read Fashion-MNIST from `data_dir` now, so the next Start need not wait for it."""
        self.jobs.submit(self._prepare_data, data_dir, tag="data")

    def start(self, config) -> None:
        """Train a new model on a snapshot of `config` (a core.config.TrainConfig)."""
        # A deep copy: the run never sees later edits, nor shares the dicts inside.
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._train, self._new_control(), snapshot, None, tag=RUN)

    def more(self, epochs: int = 1) -> None:
        """Continue the last run for `epochs` more epochs."""
        self.jobs.submit(self._train, self._new_control(), None, epochs, tag=RUN)

    def continue_from(self, checkpoint: str, epochs: int) -> None:
        """Continue the run saved in `checkpoint` up to `epochs` epochs in all, as a new run."""
        self.jobs.submit(self._train, self._new_control(), None, epochs, checkpoint, tag=RUN)

    def stop(self) -> None:
        if self._control is not None:
            self._control.stop()

    def pause(self) -> None:
        if self._control is not None:
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None:
            self._control.resume()

    def count_parameters(self, model_id: str, hidden_units: int) -> None:
        self.jobs.submit(self._count, model_id, hidden_units, tag="count")

    def download(self) -> None:
        self.jobs.submit(self._download, tag="download")

    def shutdown(self) -> None:
        """Ask whatever runs to end soon (a run stops and is saved); the host waits for it."""
        self.jobs.cancel()

    def _new_control(self):
        # Made here, not in the worker thread, so a Stop pressed right after Start reaches this
        # run's control even before the worker has picked the request up.
        if self._control_cls is None:
            raise RuntimeError("core is not loaded yet")
        self._control = self._control_cls()
        return self._control

    def _failed(self, tag, error: jobs.JobError) -> None:
        self.failed.emit(Failure(error.message, "data" if error.expected else "error",
                                 error.details, during_run=tag == RUN))

    # -- jobs, in the worker's thread: what they raise reaches the window as a Failure ----------
    def _load(self, job, data_dir) -> None:
        t0 = time.perf_counter()
        import torch  # a broken install fails here: the window says so rather than die

        from core.device import available_devices, describe, pick_device
        from core.models import MODELS
        from core.trainer import Control
        self._control_cls = Control
        models = [ModelInfo(s.id, s.class_name, s.task, s.description, s.uses_hidden_units)
                  for s in MODELS.values()]
        self.core_ready.emit(CoreInfo(models, available_devices(), describe(pick_device("auto")),
                                      torch.__version__, time.perf_counter() - t0))
        self._fashion(data_dir)

    def _prepare_data(self, job, data_dir) -> None:
        self._fashion(data_dir)

    def _fashion(self, data_dir):
        """Fashion-MNIST from `data_dir` (None: wherever core finds it), read once and kept."""
        key = data_dir or None
        if self._data is None or self._data_key != key:
            from core.data import load_fashion_mnist
            self._data = None  # let the old copy go before reading a new one
            self._data = load_fashion_mnist(key)
            self._data_key = key
            self.data_ready.emit(self._data.source)
            d = self._data
            self.data_arrays.emit(DataArrays(d.train_x.numpy(), d.train_y.numpy(), d.test_x.numpy(),
                                             d.test_y.numpy(), tuple(d.classes), d.source))
        return self._data

    def _train(self, job, control, config, epochs, checkpoint=None) -> None:
        # Closing the window cancels the job: the run stops like the Stop button, and is saved
        # (the window waits for it) before the thread ends.
        job.on_cancel(control.stop)
        from core.config import EpochResult
        from core.models import parameter_count
        from core.paths import runs_dir
        from core.recorded_run import RecordedRun

        if config is not None or checkpoint is not None:
            self._trainer = self._recorded = None  # free the previous model before the next
            trainer = self._new_trainer(config, control, checkpoint, epochs)
            self._trainer = trainer
            self._recorded = RecordedRun(trainer, runs_dir(), "window", log=self.log.emit)
            first, last, epochs = len(trainer.history) + 1, trainer.config.epochs, None
        else:
            trainer = self._trainer
            if trainer is None:
                raise RuntimeError("there is no run to continue")
            trainer.control = control
            self._recorded.reopen()
            first = len(trainer.history) + 1
            last = len(trainer.history) + epochs
        from core.device import describe
        batches = (1 if trainer.task != "fashion"
                   else -(-len(trainer.data.train_x) // trainer.config.batch_size))
        self.run_started.emit(RunStarted(
            trainer.spec.class_name, describe(trainer.device), trainer.threads,
            parameter_count(trainer.model), first, last, batches, trainer.config.batch_size,
            trainer.data.source, config is None, trainer.scheduled, checkpoint or ""))
        self._last_batch_emit = 0.0
        if checkpoint is not None:
            for event in trainer.history:  # the epochs it already has, so its curves are whole
                self.epoch_done.emit(event)
        for event in self._recorded.events(epochs):
            if isinstance(event, EpochResult):
                self.epoch_done.emit(event)
                if trainer.task == "fashion":
                    self.weights_ready.emit(self._weights(trainer, event.epoch))
            else:
                self._emit_batch(event)
        self.run_finished.emit(self._save())

    def _new_trainer(self, config, control, checkpoint: Optional[str], epochs):
        from core.models import get_spec
        from core.trainer import Trainer

        if checkpoint is not None:  # continue a kept run, on the data it was trained on
            from core.checkpoint import read_meta
            saved = read_meta(checkpoint).get("config") or {}
            fashion = str(saved.get("model", "")).startswith("fashion")
            data = self._fashion(saved.get("data_dir")) if fashion else None
            trainer = Trainer.from_checkpoint(checkpoint, epochs, data=data, control=control,
                                              log=self.log.emit, overrides={"log_interval_s": 0.05})
            self.log.emit(f"Continuing {checkpoint} from epoch {len(trainer.history)} to {epochs}.")
            return trainer
        config.validate()
        data = self._fashion(config.data_dir) if get_spec(config.model).task == "fashion" else None
        return Trainer(config, data=data, control=control, log=self.log.emit)

    @staticmethod
    def _weights(trainer, epoch: int) -> ModelWeights:
        arrays = {k: v.detach().cpu().contiguous().numpy().copy()
                  for k, v in trainer.model.state_dict().items()}
        return ModelWeights(trainer.spec.class_name, trainer.config.model,
                            trainer.config.hidden_units, list(trainer.classes), arrays, epoch)

    def _save(self):
        """End the run in the history and on disk; a Fashion-MNIST run with weights goes on to
        the Evaluate and Draw tabs."""
        recorded = self._recorded
        result = recorded.finish()
        if result.checkpoint:
            self.log.emit(f"Saved {result.checkpoint}")
        if recorded.store is not None:
            self.run_recorded.emit(recorded.run_id)
            if recorded.trainer.task == "fashion" and result.checkpoint:
                try:
                    row = recorded.store.get(recorded.run_id)
                except Exception as e:  # noqa: BLE001 - the run is saved; the tabs just miss it
                    self.log.emit(f"The run history could not be read back: {e}")
                    row = None
                if row is not None:
                    self.run_saved.emit(row)
        return result

    def _emit_batch(self, event) -> None:
        now = time.perf_counter()
        # The last batch of a real epoch always goes through so the progress bar reaches 100%.
        if now - self._last_batch_emit >= BATCH_SIGNAL_INTERVAL_S or (
                event.batch == event.batches and event.batches > 1):
            self._last_batch_emit = now
            self.batch_done.emit(event)

    def _count(self, job, model_id: str, hidden_units: int) -> None:
        try:
            import torch

            from core.models import build_model, parameter_count
            with torch.device("meta"):  # shapes only: no memory, no random init
                count = parameter_count(build_model(model_id, hidden_units))
        except Exception:
            count = -1
        self.parameters_counted.emit(model_id, hidden_units, count)

    def _download(self, job) -> None:
        from core import data as core_data
        last = [0.0]

        def progress(name, done, total):
            job.check()  # closing the window ends a download between two chunks
            now = time.perf_counter()
            if now - last[0] >= 0.05 or done == total:
                last[0] = now
                self.download_progress.emit(name, done, total)

        try:
            folder = core_data.download(progress)
        except jobs.Cancelled:
            self.log.emit("Download cancelled.")
            raise
        self.download_finished.emit(str(folder))
        self._data = None
        self._fashion(None)


class WorkerHost(QObject):
    """Owns the worker and its job thread; at the end stops the run and waits for the thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.worker = TrainWorker(self)

    @property
    def thread(self) -> QThread:
        return self.worker.jobs.thread

    def close(self, timeout_ms: int = 60000) -> bool:
        """Stop any run, end the thread and wait for it. True when the thread has ended."""
        return self.worker.jobs.shutdown(timeout_ms)
