"""The one bridge between the window and core: TrainWorker, whose requests run as jobs.

Everything that imports torch or runs a model happens in the worker's job thread (gui/jobs.py),
so the window paints at once and never waits on training. The window talks to the worker in two
ways only:

* requests (`load`, `start`, `more`, `count_parameters`, `download`, `find_lr`) are jobs, run
  in the job thread one after another, in order;
* `stop`, `pause` and `resume` act on core's thread-safe `Control` directly, because the job
  thread is busy inside the training loop and would not see a queued request until it ended.

Results come back as signals carrying plain dataclasses (core's BatchResult/EpochResult/RunResult
and those of gui/training/worker_messages.py): never a tensor, never a widget. The job thread emits
them and, the worker living in the UI thread, every receiver gets them there, queued, in order.
A request that fails ends in `failed` with a Failure.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, QThread, Signal

from gui import jobs
from gui.training.worker_jobs import REPLAY, RUN, WorkerJobs
from gui.training.worker_messages import Failure

THREAD_NAME = "TrainDesk worker"


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
    diagnosed = Signal(object)           # the run's findings changed: [{"code", "says", "evidence", "try"}]
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
    replay_row = Signal(object)          # a dict of a notebook replay's stream (core/train/replay.py)
    replay_ended = Signal(str, str)      # the notebook replayed, and why it ended early ("" if not)
    lr_point = Signal(float, float)      # a learning-rate range test's next (rate, smoothed loss)
    lr_found = Signal(object)            # core.train.lr_find.LrFindResult: the test's end

    def __init__(self, parent=None):
        super().__init__(parent)
        # Written only here, in the window's thread; the job thread reads them.
        self._control = None   # core's Control of the latest run: stop, pause, step, rate
        self._rate = 0.0       # epochs a second for paced runs (0: as fast as they go)
        self._previews = 0     # previews asked for; only the latest is built
        # The job bodies and everything they keep (the model, the data read once) live in the
        # job thread's own object; they answer through this worker's signals.
        self._bodies = WorkerJobs(self)
        # A missing or broken data set is said as core words it (kind "data"), without a traceback.
        self.jobs = jobs.JobRunner(THREAD_NAME, self, expected=("DataError",))
        self.jobs.failed.connect(self._failed)

    def latest_control(self):
        return self._control

    def previews_asked(self) -> int:
        return self._previews

    # -- called from the window's thread ---------------------------------------------------------
    def load(self, data_dir: Optional[str] = None) -> None:
        """Import torch and core, then read Fashion-MNIST (from `data_dir`, or found by core)."""
        self.jobs.submit(self._bodies.load, data_dir, tag="load")

    def prepare_data(self, data_dir: Optional[str] = None) -> None:
        """Read Fashion-MNIST from `data_dir` now, so the next Start need not wait for it."""
        self.jobs.submit(self._bodies.prepare_data, data_dir, tag="data")

    def start(self, config, paused: bool = False) -> None:
        """Train a new model on a snapshot of `config` (a core.config.TrainConfig); `paused`:
        set it up and wait for a step or a resume (a paced workflow's Step)."""
        # A deep copy: the run never sees later edits, nor shares the dicts inside.
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._bodies.train, self._new_control(paused), snapshot, None, tag=RUN)

    def preview(self, config) -> None:
        """Show `config`'s untrained model in its live view (a paced workflow, nothing trained
        and nothing recorded): what a fresh run would start from."""
        self._previews += 1
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._bodies.preview, snapshot, self._previews, tag="preview")

    def scan_folder(self, config) -> None:
        """Look at `config`'s image folder (classes, images, the memory they will take) without
        reading a picture; the answer comes in folder_scanned."""
        self.jobs.submit(self._bodies.scan_folder, config.image_folder or "", config.image_size,
                         config.test_fraction, config.split_seed, tag="scan")

    def replay(self, name: str, out_dir: str) -> None:
        """Replay seed notebook `name` (core/train/replay.py) in the job thread, on the data the
        Training tab has read; its rows come in replay_row, its end in replay_ended. Stop (the
        worker's, or the Replay tab's) ends it after the current batch."""
        self.jobs.submit(self._bodies.replay, self._new_control(), name, out_dir, tag=REPLAY)

    def find_lr(self, config, control) -> None:
        """The learning-rate range test (core/train/lr_find.py) on a fresh model of `config` and
        its data, in the job thread; its points come in lr_point, its end in lr_found.
        `control` (core's Control, its own, not a run's) stops it."""
        snapshot = type(config).from_dict(config.to_dict())
        self.jobs.submit(self._bodies.find_lr, control, snapshot, tag="lr-find")

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
        self.jobs.submit(self._bodies.train, self._new_control(), None, epochs, tag=RUN)

    def continue_from(self, checkpoint: str, epochs: int) -> None:
        """Continue the run saved in `checkpoint` up to `epochs` epochs in all, as a new run."""
        self.jobs.submit(self._bodies.train, self._new_control(), None, epochs, checkpoint, tag=RUN)

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
        self.jobs.submit(self._bodies.count, model_id, hidden_units, inputs, tag="count")

    def download(self) -> None:
        self.jobs.submit(self._bodies.download, tag="download")

    def shutdown(self) -> None:
        """Ask whatever runs to end soon (a run stops and is saved); the host waits for it."""
        self.jobs.cancel()

    def _new_control(self, paused: bool = False):
        # Made here, not in the worker thread, so a Stop pressed right after Start reaches this
        # run's control even before the worker has picked the request up.
        from core.train.control import Control  # plain Python: no torch on the window's thread
        self._control = Control(paused=paused, rate=self._rate)
        return self._control

    def _failed(self, tag, error: jobs.JobError) -> None:
        self.failed.emit(Failure(error.message, "data" if error.expected else "error",
                                 error.details, during_run=tag == RUN, remedy=error.remedy))

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
