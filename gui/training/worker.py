"""The one bridge between the window and core: TrainWorker, whose requests run as jobs.

Everything that imports torch or runs a model happens in the worker's job thread (gui/jobs.py),
so the window paints at once and never waits on training. The window talks to the worker in two
ways only:

* requests (`load`, `start`, `more`, `count_parameters`, `download`) are jobs, run in the job
  thread one after another, in order;
* `stop`, `pause` and `resume` act on core's thread-safe `Control` directly, because the job
  thread is busy inside the training loop and would not see a queued request until it ended.

Results come back as signals carrying plain dataclasses (core's BatchResult/EpochResult/RunResult
and those of gui/training/worker_messages.py): never a tensor, never a widget. The job thread emits
them and, the worker living in the UI thread, every receiver gets them there, queued, in order.
A request that fails ends in `failed` with a Failure.
"""
from __future__ import annotations

import time
from typing import Optional

from PySide6.QtCore import QObject, QThread, Signal

from gui import jobs
from gui.training.worker_messages import (CoreInfo, DataArrays, Failure,
                                          ModelInfo, ModelWeights, RunStarted)

# Per-batch signals at most this often: the trainer throttles too, but a tiny full-batch model
# (the line, the circles) finishes an "epoch" every millisecond.
BATCH_SIGNAL_INTERVAL_S = 0.05
THREAD_NAME = "TrainDesk worker"
RUN = "run"  # the tag of Start and "+1 epoch" jobs: their failure ends a run


def running_threads() -> list[QThread]:
    """The training worker's threads still running (gui.jobs.running_threads has them all)."""
    return jobs.running_threads(THREAD_NAME)


class TrainWorker(QObject):
    core_ready = Signal(object)          # CoreInfo
    data_ready = Signal(str)             # where Fashion-MNIST came from
    data_progress = Signal(str, int, int)  # what is loading, done, total: an image folder's files
    run_started = Signal(object)         # RunStarted
    batch_done = Signal(object)          # core.config.BatchResult
    epoch_done = Signal(object)          # core.config.EpochResult
    run_finished = Signal(object)        # core.config.RunResult (also after stop or NaN halt)
    failed = Signal(object)              # Failure; ends a request that could not finish
    log = Signal(str)
    parameters_counted = Signal(str, int, object, int)  # model id, hidden units, input, count
    download_progress = Signal(str, int, int)    # file, bytes done, bytes total (0: unknown)
    download_finished = Signal(str)              # the folder now holding the data
    data_arrays = Signal(object)         # DataArrays: the loaded data set, for the evaluation views
    weights_ready = Signal(object)       # ModelWeights after each epoch (image models)
    run_saved = Signal(object)           # core.runs.store.RunRow of a finished image-model run
    run_recorded = Signal(str)           # a run's id, once its end is in the run history
    folder_scanned = Signal(str, str, int)  # an image folder, what it holds (or what is wrong), classes
    live_scene = Signal(object)          # live_frames.LiveScene: a paced run (or preview) begins
    live_frame = Signal(object)          # live_frames.LiveFrame, <= 1 / FRAME_S a second

    def __init__(self, parent=None):
        super().__init__(parent)
        self._control = None
        self._control_cls = None
        self._trainer = None
        self._recorded = None  # core.runs.recorded.RecordedRun of the last run
        self._data_key = None
        self._data = None
        self._last_batch_emit = 0.0
        self._rate = 0.0       # epochs a second for paced runs (0: as fast as they go)
        self._live = None      # live_frames.LiveView of the last paced run
        self._previews = 0     # previews asked for; only the latest is built
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

    def start(self, config, paused: bool = False) -> None:
        """Train a new model on a snapshot of `config` (a core.config.TrainConfig); `paused`:
        set it up and wait for a step or a resume (a paced workflow's Step)."""
        # A deep copy: the run never sees later edits, nor shares the dicts inside.
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._train, self._new_control(paused), snapshot, None, tag=RUN)

    def preview(self, config) -> None:
        """Show `config`'s untrained model in its live view (a paced workflow, nothing trained
        and nothing recorded): what a fresh run would start from."""
        self._previews += 1
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._preview, snapshot, self._previews, tag="preview")

    def scan_folder(self, config) -> None:
        """Look at `config`'s image folder (classes, images, the memory they will take) without
        reading a picture; the answer comes in folder_scanned."""
        self.jobs.submit(self._scan_folder, config.image_folder or "", config.image_size,
                         config.test_fraction, config.split_seed, tag="scan")

    def step(self) -> None:
        """One epoch more, then paused."""
        if self._control is not None:
            self._control.step()

    def set_rate(self, rate: float) -> None:
        """Epochs a second for this and later paced runs (0: as fast as they go)."""
        self._rate = rate
        if self._control is not None:
            self._control.set_rate(rate)

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

    def count_parameters(self, model_id: str, hidden_units: int, inputs=None) -> None:
        """`inputs`: None, or (input shape, classes) for a model sized to its data."""
        self.jobs.submit(self._count, model_id, hidden_units, inputs, tag="count")

    def download(self) -> None:
        self.jobs.submit(self._download, tag="download")

    def shutdown(self) -> None:
        """Ask whatever runs to end soon (a run stops and is saved); the host waits for it."""
        self.jobs.cancel()

    def _new_control(self, paused: bool = False):
        # Made here, not in the worker thread, so a Stop pressed right after Start reaches this
        # run's control even before the worker has picked the request up.
        if self._control_cls is None:
            raise RuntimeError("core is not loaded yet")
        self._control = self._control_cls(paused=paused, rate=self._rate)
        return self._control

    def _failed(self, tag, error: jobs.JobError) -> None:
        self.failed.emit(Failure(error.message, "data" if error.expected else "error",
                                 error.details, during_run=tag == RUN, remedy=error.remedy))

    # -- jobs, in the worker's thread: what they raise reaches the window as a Failure ----------
    def _load(self, job, data_dir) -> None:
        t0 = time.perf_counter()
        import torch  # a broken install fails here: the window says so rather than die

        from core.device import available_devices, describe, pick_device
        from core.models import MODELS
        from core.train.trainer import Control
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
        from core.config import TrainConfig
        return self._image_data(TrainConfig(model="fashion-v2", data_dir=data_dir or None))

    def _workflow_data(self, job, config):
        """The data `config`'s workflow trains on: an image data set is read once and kept (and
        shown to the evaluation views); the toy data sets are made fresh (None: the trainer makes
        them)."""
        from core import workflows
        from core.models import get_spec
        return self._image_data(config, job) if workflows.get(get_spec(config.model).task).images \
            else None

    def _image_data(self, config, job=None):
        from core import workflows
        from core.models import get_spec
        workflow = workflows.get(get_spec(config.model).task)
        key = workflow.data_key(config)
        if self._data is None or self._data_key != key:
            self._data = None  # let the old copy go before reading a new one
            what = f"Reading {workflow.name}"
            last = [0.0]

            def progress(done, total):
                if job is not None:
                    job.check()  # closing the window ends a long read between files
                if self._control is not None and self._control.stopped and job is not None:
                    from core.data.fashion_mnist import DataError  # Stop: the read ends, nothing trained
                    raise DataError(f"Stopped while reading {workflow.name.lower()} "
                                    f"({done:,} of {total:,} files); nothing was trained.")
                now = time.perf_counter()
                if now - last[0] >= 0.1 or done == total:
                    last[0] = now
                    self.data_progress.emit(what, done, total)

            self._data = workflow.load(config, progress)
            self._data_key = key
            self.data_ready.emit(self._data.source)
            d = self._data
            skipped = tuple(getattr(d, "skipped", ()))
            for path, why in skipped[:20]:
                self.log.emit(f"Skipped {path}: {why}")
            if len(skipped) > 20:
                self.log.emit(f"… and {len(skipped) - 20} more files that could not be read")
            self.data_arrays.emit(DataArrays(d.train_x.numpy(), d.train_y.numpy(), d.test_x.numpy(),
                                             d.test_y.numpy(), tuple(d.classes), d.source,
                                             workflow.id, skipped))
        return self._data

    def _train(self, job, control, config, epochs, checkpoint=None) -> None:
        # Closing the window cancels the job: the run stops like the Stop button, and is saved
        # (the window waits for it) before the thread ends.
        job.on_cancel(control.stop)
        from core.config import EpochResult
        from core.models import parameter_count
        from core.paths import runs_dir
        from core.runs.recorded import RecordedRun

        if config is not None or checkpoint is not None:
            self._trainer = self._recorded = self._live = None  # free the previous model first
            trainer = self._new_trainer(job, config, control, checkpoint, epochs)
            self._trainer = trainer
            self._recorded = RecordedRun(trainer, runs_dir(), "window", log=self.log.emit)
            first, last, epochs = len(trainer.history) + 1, trainer.config.epochs, None
            if trainer.workflow.paced:
                from gui.training.live_frames import LiveView
                self._live = LiveView(trainer)
                self.live_scene.emit(self._live.scene)
                self.live_frame.emit(self._live.frame())  # the untrained model (or a kept run's)
        else:
            trainer = self._trainer
            if trainer is None:
                raise RuntimeError("there is no run to continue")
            trainer.control = control
            self._recorded.reopen()
            first = len(trainer.history) + 1
            last = len(trainer.history) + epochs
        from core.device import describe
        batches = trainer.steps_per_epoch()
        self.run_started.emit(RunStarted(
            trainer.spec.class_name, describe(trainer.device), trainer.threads,
            parameter_count(trainer.model), first, last, batches, trainer.config.batch_size,
            trainer.data.source, config is None, trainer.scheduled, checkpoint or ""))
        self._last_batch_emit = 0.0
        if checkpoint is not None:
            for event in trainer.history:  # the epochs it already has, so its curves are whole
                self.epoch_done.emit(event)
        live = self._live
        if live is not None:  # a paced run; paused or slowly paced, it shows each epoch before it waits
            live.first = first
            trainer.on_idle = lambda: live.pending and self._send_frame(live)
        for event in self._recorded.events(epochs):
            if isinstance(event, EpochResult) and live is not None:
                live.pending += 1  # the epochs of a frame go out together, the last one as a signal
                if live.due():
                    self._send_frame(live)
            elif isinstance(event, EpochResult):
                self.epoch_done.emit(event)
                if trainer.images:
                    self.weights_ready.emit(self._weights(trainer, event.epoch))
            else:
                self._emit_batch(event)
        result = self._save()
        if live is not None:
            self._send_frame(live, end=result)
        self.run_finished.emit(result)

    def _send_frame(self, live, end=None) -> None:
        """The epochs since the last frame and the model's fit now. The frame's last epoch goes
        out as an epoch_done too (the status bar follows at the frame rate, not per epoch), and
        so does each milestone the frame holds, which the log keeps whatever the frame rate."""
        frame = live.frame()
        if end is not None:
            frame.done, frame.stopped, frame.error = True, end.stopped, end.error
        epochs = live.epochs_sent
        for event in epochs[:-1]:
            if event.milestone(live.first):
                self.epoch_done.emit(event)
        if epochs:
            self.epoch_done.emit(epochs[-1])
        self.live_frame.emit(frame)

    def _scan_folder(self, job, folder: str, size: int, fraction: float, seed: int) -> None:
        if not folder:
            self.folder_scanned.emit("", "", 0)
            return
        from core.data.fashion_mnist import DataError
        from core.data.image_folder import scan
        classes = 0
        try:
            plan = scan(folder, fraction, seed)
            classes = len(plan.classes)
            text = plan.describe(size)
            if plan.ignored:
                text += f"; {len(plan.ignored)} other files left out"
            text += "".join(f"\n{note}" for note in plan.notes[:3])
        except (DataError, ValueError, OSError) as e:
            text = str(e)
        self.folder_scanned.emit(folder, text, classes)

    def _preview(self, job, config, number: int) -> None:
        if number != self._previews:
            return  # a later preview is queued: only the newest settings are worth building
        from core.train.trainer import Trainer
        from gui.training.live_frames import LiveView
        config.validate()
        trainer = Trainer(config, log=lambda msg: None)
        live = LiveView(trainer, preview=True)
        self.live_scene.emit(live.scene)
        self.live_frame.emit(live.frame())

    def _new_trainer(self, job, config, control, checkpoint: Optional[str], epochs):
        from core.config import TrainConfig
        from core.train.trainer import Trainer

        if checkpoint is not None:  # continue a kept run, on the data it was trained on
            from core.checkpoint import read_meta
            from core.models import MODELS
            saved = TrainConfig.from_dict(read_meta(checkpoint).get("config") or {})
            data = self._workflow_data(job, saved) if saved.model in MODELS else None
            trainer = Trainer.from_checkpoint(checkpoint, epochs, data=data, control=control,
                                              log=self.log.emit, overrides={"log_interval_s": 0.05})
            self.log.emit(f"Continuing {checkpoint} from epoch {len(trainer.history)} to {epochs}.")
            return trainer
        config.validate()
        data = self._workflow_data(job, config)
        return Trainer(config, data=data, control=control, log=self.log.emit)

    @staticmethod
    def _weights(trainer, epoch: int) -> ModelWeights:
        arrays = {k: v.detach().cpu().contiguous().numpy().copy()
                  for k, v in trainer.model.state_dict().items()}
        return ModelWeights(trainer.spec.class_name, trainer.config.model,
                            trainer.config.hidden_units, list(trainer.classes), arrays, epoch,
                            trainer.input_shape, trainer.input_recipe)

    def _save(self):
        """End the run in the history and on disk; a Fashion-MNIST run with weights goes on to
        the Evaluate and Draw tabs."""
        recorded = self._recorded
        result = recorded.finish()
        if result.checkpoint:
            self.log.emit(f"Saved {result.checkpoint}")
        if recorded.store is not None:
            self.run_recorded.emit(recorded.run_id)
            if recorded.trainer.images and result.checkpoint:
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

    def _count(self, job, model_id: str, hidden_units: int, inputs) -> None:
        try:
            import torch

            from core.models import build_model, parameter_count
            with torch.device("meta"):  # shapes only: no memory, no random init
                count = parameter_count(build_model(model_id, hidden_units, *(inputs or ())))
        except Exception:
            count = -1
        self.parameters_counted.emit(model_id, hidden_units, inputs, count)

    def _download(self, job) -> None:
        from core.data import fashion_mnist as core_data
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
