"""The training session: the run's phase and the worker that trains, without any widget.

MainWindow and the run toolbar only connect widgets to a TrainingSession: the session decides
what Start, Pause, Stop and "+1 epoch" may do in each phase, hands the requests to the worker
(gui/training/worker.py), and moves the phase on as the worker's answers come back. Every worker signal is
passed on by a signal of the same name on the session, emitted in the UI thread after the session
has updated its phase, so a receiver sees the session in its new state.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal

# The session's phases; what may be asked in each follows from them (see the can_* properties).
LOADING, IDLE, STARTING, RUNNING, PAUSED, STOPPING, BROKEN, REPLAYING = (
    "loading", "idle", "starting", "running", "paused", "stopping", "broken", "replaying")
IN_RUN = (STARTING, RUNNING, PAUSED, STOPPING)   # a run is asked for or going on


class TrainingSession(QObject):
    phase_changed = Signal(str)   # the phase, or whether the last run can continue, changed
    ready = Signal()              # core is loaded (after core_ready, once the phase is idle)
    run_ended = Signal(object)    # RunResult or Failure: a Start or "+1 epoch" is over

    # The worker's signals, passed on (see TrainWorker for what each carries).
    core_ready = Signal(object)   # CoreInfo; sent while the phase is still the one before idle
    data_ready = Signal(str)
    data_progress = Signal(str, int, int)
    run_started = Signal(object)
    batch_done = Signal(object)
    epoch_done = Signal(object)
    diagnosed = Signal(object)
    run_finished = Signal(object)
    failed = Signal(object, bool)  # Failure, and whether it settled the phase (idle or broken)
    log = Signal(str)
    parameters_counted = Signal(str, int, object, int)
    download_progress = Signal(str, int, int)
    download_finished = Signal(str)
    data_arrays = Signal(object)
    weights_ready = Signal(object)
    run_saved = Signal(object)
    run_recorded = Signal(str)
    live_scene = Signal(object)
    live_frame = Signal(object)
    folder_scanned = Signal(str, str, int)
    replay_row = Signal(object)
    replay_ended = Signal(str, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._phase = LOADING
        self._can_continue = False
        self._core_info = None
        self._said = (LOADING, False)  # what phase_changed last told
        self._start_paused = False     # the run asked for waits for a step (or a resume)
        self.host = None  # the worker and its thread, made by load()

    # -- state -----------------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        return self._phase

    @property
    def can_continue(self) -> bool:
        """The last run finished soundly: "+1 epoch" may train its model on."""
        return self._can_continue

    @property
    def core_info(self):
        """CoreInfo once torch and core have loaded, else None."""
        return self._core_info

    @property
    def can_start(self) -> bool:
        return self._phase == IDLE

    @property
    def can_pause(self) -> bool:
        return self._phase in (RUNNING, PAUSED)

    @property
    def can_stop(self) -> bool:
        return self._phase in (STARTING, RUNNING, PAUSED)

    @property
    def can_more(self) -> bool:
        return self._phase == IDLE and self._can_continue

    @property
    def in_run(self) -> bool:
        return self._phase in IN_RUN

    @property
    def worker(self):
        return None if self.host is None else self.host.worker

    # -- requests --------------------------------------------------------------------------------
    def load(self, data_dir: Optional[str] = None) -> None:
        """Make the worker and its thread, and load torch, core and Fashion-MNIST in it."""
        if self.host is not None:
            return
        from gui.training.worker import WorkerHost
        self.host = WorkerHost(self)
        w = self.host.worker
        w.core_ready.connect(self._on_core_ready)
        w.run_started.connect(self._on_run_started)
        w.run_finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        for name in ("data_ready", "data_progress", "batch_done", "epoch_done", "diagnosed", "log",
                     "parameters_counted",
                     "download_progress", "download_finished", "data_arrays", "weights_ready",
                     "run_saved", "run_recorded", "live_scene", "live_frame",
                     "folder_scanned", "replay_row"):
            getattr(w, name).connect(getattr(self, name))
        w.replay_ended.connect(self._on_replay_ended)
        w.load(data_dir)

    def start(self, config, paused: bool = False) -> bool:
        """Train a new model on `config` (a core.config.TrainConfig); `paused`: set up and wait
        for a step or a resume. False: not now."""
        if not self.can_start:
            return False
        self._can_continue = False
        self._start_paused = paused
        self._set_phase(STARTING)
        self.host.worker.start(config, paused)
        return True

    @property
    def can_step(self) -> bool:
        return self._phase in (IDLE, STARTING, RUNNING, PAUSED)

    def step(self, config) -> bool:
        """One epoch, then paused: of the run going on, or (idle) of a new run of `config`."""
        if self._phase == IDLE:
            self.start(config, paused=True)
        elif self._phase not in (STARTING, RUNNING, PAUSED):
            return False
        self.host.worker.step()
        if self._phase == STARTING:
            self._start_paused = True
        elif self._phase == RUNNING:
            self._set_phase(PAUSED)  # it pauses once the epoch it is in has ended
        return True

    def set_rate(self, rate: float) -> None:
        """Epochs a second for paced runs, this one and the next (0: as fast as they go)."""
        if self.host is not None:
            self.host.worker.set_rate(rate)

    def scan_folder(self, config) -> None:
        """What `config`'s image folder holds, into folder_scanned (reads no picture)."""
        if self.host is not None and self._core_info is not None and not self.in_run:
            self.host.worker.scan_folder(config)

    def preview(self, config) -> bool:
        """Show `config`'s untrained model in the live view (idle only)."""
        if self._phase != IDLE:
            return False
        self.host.worker.preview(config)
        return True

    def toggle_pause(self) -> bool:
        """Pause a running run or resume a paused one. False: neither."""
        if self._phase == RUNNING:
            self.host.worker.pause()
            self._set_phase(PAUSED)
        elif self._phase == PAUSED:
            self.host.worker.resume()
            self._set_phase(RUNNING)
        else:
            return False
        return True

    def stop(self) -> bool:
        """Stop the run after its current batch (the result comes in run_finished)."""
        if not self.can_stop:
            return False
        self.host.worker.stop()
        self._set_phase(STOPPING)
        return True

    def one_more_epoch(self) -> bool:
        """Train the last run's model one epoch more. False: not now."""
        if not self.can_more:
            return False
        self._start_paused = False
        self._set_phase(STARTING)
        self.host.worker.more(1)
        return True

    def continue_run(self, checkpoint: str, epochs: int) -> bool:
        """Continue a kept run from its checkpoint up to `epochs` in all. False: not now."""
        if not self.can_start:
            return False
        self._can_continue = False
        self._start_paused = False
        self._set_phase(STARTING)
        self.host.worker.continue_from(checkpoint, epochs)
        return True

    def download(self) -> bool:
        if self.host is None:
            return False
        self.host.worker.download()
        return True

    def prepare_data(self, folder: str) -> None:
        if self.host is not None:
            self.host.worker.prepare_data(folder)

    def count_parameters(self, model_id: str, hidden_units: int, inputs=None) -> None:
        if self.host is not None and self._core_info is not None:
            self.host.worker.count_parameters(model_id, hidden_units, inputs)

    def close(self, timeout_ms: int = 60000) -> bool:
        """Stop any run (it is saved), end the worker's thread and wait for it up to `timeout_ms`.
        True when no thread is left."""
        return True if self.host is None else self.host.close(timeout_ms)

    # -- the phase -------------------------------------------------------------------------------
    def _set_phase(self, phase: str) -> None:
        self._phase = phase
        if (phase, self._can_continue) != self._said:
            self._said = (phase, self._can_continue)
            self.phase_changed.emit(phase)

    # -- from the worker -------------------------------------------------------------------------
    def _on_core_ready(self, info) -> None:
        self._core_info = info
        self.core_ready.emit(info)
        if self._phase == LOADING:
            self._set_phase(IDLE)
        self.ready.emit()

    def replay(self, name: str, out_dir: str) -> bool:
        """Replay a seed notebook in the worker (the Training tab waits meanwhile). False: not
        now (core is loading, or a run is going on)."""
        if not self.can_start:
            return False
        self._set_phase(REPLAYING)
        self.host.worker.replay(name, out_dir)
        return True

    def stop_replay(self) -> None:
        if self._phase == REPLAYING:
            self.host.worker.stop()

    def _on_replay_ended(self, name: str, problem: str) -> None:
        if self._phase == REPLAYING:
            self._set_phase(IDLE)
        self.replay_ended.emit(name, problem)

    def _on_run_started(self, info) -> None:
        if self._phase == STARTING:
            self._set_phase(PAUSED if self._start_paused else RUNNING)
        self.run_started.emit(info)

    def _on_finished(self, result) -> None:
        self._can_continue = result.error is None
        self._set_phase(IDLE)
        self.run_finished.emit(result)
        self.run_ended.emit(result)

    def _on_failed(self, failure) -> None:
        if failure.during_run:
            self._can_continue = False  # the worker dropped or spoiled the run
        settles = failure.during_run or self._phase in (LOADING, IDLE)
        if settles:
            # A failed preload while a Start waits in the queue must not re-enable Start.
            self._set_phase(IDLE if self._core_info is not None else BROKEN)
        self.failed.emit(failure, settles)
        if failure.during_run:
            self.run_ended.emit(failure)
