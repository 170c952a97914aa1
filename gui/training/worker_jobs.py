"""The training worker's job bodies: what runs in its job thread (gui/jobs.py) when the window
asks for something (gui/training/worker.py holds the requests). This object and everything it
keeps (the trainer, its recorder, the data set read once, the live view of a paced run) belong to
the job thread alone; the bodies answer through the worker's signals, which reach the window's
thread queued and in order. What a body raises reaches the window as a Failure."""
from __future__ import annotations

import time
from typing import Optional

from gui import jobs
from gui.training.worker_messages import CoreInfo, DataArrays, ModelInfo, ModelWeights, RunStarted

# Per-batch signals at most this often: the trainer throttles too, but a tiny full-batch model
# (the line, the circles) finishes an "epoch" every millisecond.
BATCH_SIGNAL_INTERVAL_S = 0.05
RUN = "run"  # the tag of Start and "+1 epoch" jobs: their failure ends a run
REPLAY = "replay"
REPLAY_BATCHES_S = 0.1  # a replay's batch rows per run at most this often: the curves need no more


class WorkerJobs:
    def __init__(self, out):
        self.out = out          # the TrainWorker whose signals carry the answers
        self._trainer = None
        self._recorded = None   # core.runs.recorded.RecordedRun of the last run
        self._data_key = None
        self._data = None
        self._last_batch_emit = 0.0
        self._live = None       # live_frames.LiveView of the last paced run
        self._fashion_dir = None  # the folder Fashion-MNIST was last asked from (None: found)

    def load(self, job, data_dir) -> None:
        t0 = time.perf_counter()
        import torch  # a broken install fails here: the window says so rather than die

        from core.device import available_devices, describe, pick_device
        from core.models import MODELS
        models = [ModelInfo(s.id, s.class_name, s.task, s.description, s.uses_hidden_units)
                  for s in MODELS.values()]
        self.out.core_ready.emit(CoreInfo(models, available_devices(), describe(pick_device("auto")),
                                          torch.__version__, time.perf_counter() - t0))
        self._fashion(data_dir)

    def prepare_data(self, job, data_dir) -> None:
        self._fashion(data_dir)

    def _fashion(self, data_dir):
        """Fashion-MNIST from `data_dir` (None: wherever core finds it), read once and kept."""
        from core.config import TrainConfig
        self._fashion_dir = data_dir
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
                if (control := self.out.latest_control()) is not None and control.stopped and job is not None:
                    from core.data.fashion_mnist import DataError  # Stop: the read ends, nothing trained
                    raise DataError(f"Stopped while reading {workflow.name.lower()} "
                                    f"({done:,} of {total:,} files); nothing was trained.")
                now = time.perf_counter()
                if now - last[0] >= 0.1 or done == total:
                    last[0] = now
                    self.out.data_progress.emit(what, done, total)

            self._data = workflow.load(config, progress)
            self._data_key = key
            self.out.data_ready.emit(self._data.source)
            d = self._data
            skipped = tuple(getattr(d, "skipped", ()))
            for path, why in skipped[:20]:
                self.out.log.emit(f"Skipped {path}: {why}")
            if len(skipped) > 20:
                self.out.log.emit(f"… and {len(skipped) - 20} more files that could not be read")
            self.out.data_arrays.emit(DataArrays(d.train_x.numpy(), d.train_y.numpy(), d.test_x.numpy(),
                                             d.test_y.numpy(), tuple(d.classes), d.source,
                                             workflow.id, skipped))
        return self._data

    def find_lr(self, job, control, config) -> None:
        """The range test on a fresh model (seeded as a run of `config` would be) and the data
        read once; nothing is recorded, and the last run's model is left as it was."""
        job.on_cancel(control.stop)
        from core.train import lr_find
        from core.train.trainer import Trainer
        data = self._workflow_data(job, config)
        config.from_data = ()  # epochs and augmentation play no part in the test
        trainer = Trainer(config, data=data, control=control, log=self.out.log.emit)
        found = lr_find.find_lr(trainer, should_stop=lambda: control.stopped,
                                on_point=self.out.lr_point.emit)
        self.out.lr_found.emit(found)

    def train(self, job, control, config, epochs, checkpoint=None) -> None:
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
            self._recorded = RecordedRun(trainer, runs_dir(), "window", log=self.out.log.emit)
            first, last, epochs = len(trainer.history) + 1, trainer.config.epochs, None
            if trainer.workflow.paced:
                from gui.training.live_frames import LiveView
                self._live = LiveView(trainer)
                self.out.live_scene.emit(self._live.scene)
                self.out.live_frame.emit(self._live.frame())  # the untrained model (or a kept run's)
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
        self.out.run_started.emit(RunStarted(
            trainer.spec.class_name, describe(trainer.device), trainer.threads,
            parameter_count(trainer.model), first, last, batches, trainer.config.batch_size,
            trainer.data.source, config is None, trainer.scheduled, checkpoint or ""))
        self._last_batch_emit = 0.0
        if checkpoint is not None:
            for event in trainer.history:  # the epochs it already has, so its curves are whole
                self.out.epoch_done.emit(event)
        live = self._live
        if live is not None:  # a paced run; paused or slowly paced, it shows each epoch before it waits
            live.first = first
            trainer.on_idle = lambda: live.pending and self._send_frame(live)
        said = -1  # the diagnoses' version last sent (core/train/diagnoses.py)
        for event in self._recorded.events(epochs):
            if trainer.diagnoses.version != said:
                said = trainer.diagnoses.version
                self.out.diagnosed.emit(trainer.diagnoses.as_list())
            if isinstance(event, EpochResult) and live is not None:
                live.pending += 1  # the epochs of a frame go out together, the last one as a signal
                if live.due():
                    self._send_frame(live)
            elif isinstance(event, EpochResult):
                self.out.epoch_done.emit(event)
                if trainer.images:
                    self.out.weights_ready.emit(self._weights(trainer, event.epoch))
            else:
                self._emit_batch(event)
        result = self._save()
        self.out.diagnosed.emit(result.diagnoses)  # with a divergence, found as the run ended
        if live is not None:
            self._send_frame(live, end=result)
        self.out.run_finished.emit(result)

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
                self.out.epoch_done.emit(event)
        if epochs:
            self.out.epoch_done.emit(epochs[-1])
        self.out.live_frame.emit(frame)

    def scan_folder(self, job, folder: str, size: int, fraction: float, seed: int) -> None:
        if not folder:
            self.out.folder_scanned.emit("", "", 0)
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
        self.out.folder_scanned.emit(folder, text, classes)

    def preview(self, job, config, number: int) -> None:
        if number != self.out.previews_asked():
            return  # a later preview is queued: only the newest settings are worth building
        from core.train.trainer import Trainer
        from gui.training.live_frames import LiveView
        config.validate()
        trainer = Trainer(config, log=lambda msg: None)
        live = LiveView(trainer, preview=True)
        self.out.live_scene.emit(live.scene)
        self.out.live_frame.emit(live.frame())

    def _new_trainer(self, job, config, control, checkpoint: Optional[str], epochs):
        from core.config import TrainConfig
        from core.train.trainer import Trainer

        if checkpoint is not None:  # continue a kept run, on the data it was trained on
            from core.checkpoint import read_meta
            from core.models import MODELS
            saved = TrainConfig.from_dict(read_meta(checkpoint).get("config") or {})
            data = self._workflow_data(job, saved) if saved.model in MODELS else None
            trainer = Trainer.from_checkpoint(checkpoint, epochs, data=data, control=control,
                                              log=self.out.log.emit, overrides={"log_interval_s": 0.05})
            self.out.log.emit(f"Continuing {checkpoint} from epoch {len(trainer.history)} to {epochs}.")
            return trainer
        config.validate()
        data = self._workflow_data(job, config)
        return Trainer(config, data=data, control=control, log=self.out.log.emit)

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
        from core.runs.annotations import keep_diagnoses
        recorded = self._recorded
        result = recorded.finish()
        keep_diagnoses(recorded, result.diagnoses)  # before the Runs tab reads the run back
        if result.checkpoint:
            self.out.log.emit(f"Saved {result.checkpoint}")
        if recorded.store is not None:
            self.out.run_recorded.emit(recorded.run_id)
            if recorded.trainer.images and result.checkpoint:
                try:
                    row = recorded.store.get(recorded.run_id)
                except Exception as e:  # noqa: BLE001 - the run is saved; the tabs just miss it
                    self.out.log.emit(f"The run history could not be read back: {e}")
                    row = None
                if row is not None:
                    self.out.run_saved.emit(row)
        return result

    def _emit_batch(self, event) -> None:
        now = time.perf_counter()
        # The last batch of a real epoch always goes through so the progress bar reaches 100%.
        if now - self._last_batch_emit >= BATCH_SIGNAL_INTERVAL_S or (
                event.batch == event.batches and event.batches > 1):
            self._last_batch_emit = now
            self.out.batch_done.emit(event)

    def count(self, job, model_id: str, hidden_units: int, inputs) -> None:
        try:
            import torch

            from core.models import build_model, parameter_count
            with torch.device("meta"):  # shapes only: no memory, no random init
                count = parameter_count(build_model(model_id, hidden_units, *(inputs or ())))
        except Exception:
            count = -1
        self.out.parameters_counted.emit(model_id, hidden_units, inputs, count)

    def download(self, job) -> None:
        from core.data import fashion_mnist as core_data
        last = [0.0]

        def progress(name, done, total):
            job.check()  # closing the window ends a download between two chunks
            now = time.perf_counter()
            if now - last[0] >= 0.05 or done == total:
                last[0] = now
                self.out.download_progress.emit(name, done, total)

        try:
            folder = core_data.download(progress)
        except jobs.Cancelled:
            self.out.log.emit("Download cancelled.")
            raise
        self.out.download_finished.emit(str(folder))
        self._data = None
        self._fashion(None)

    def replay(self, job, control, name: str, out_dir: str) -> None:
        """A seed notebook's replay (core/train/replay.py), its models trained one after another
        on the data this worker keeps (notebook 03's Fashion-MNIST is the Training tab's)."""
        from pathlib import Path

        from core.config import BatchResult
        from core.train.replay import replay

        job.on_cancel(control.stop)
        problem = ""
        try:
            data = self._fashion(self._fashion_dir) if name == "notebook03" else None
            last: dict[str, float] = {}
            for row in replay(name, Path(out_dir), control=control, data=data, log=self.out.log.emit):
                ev = row.get("event")
                if isinstance(ev, BatchResult) and ev.batch != ev.batches:
                    now = time.monotonic()
                    if now - last.get(row["run"], 0.0) < REPLAY_BATCHES_S:
                        continue
                    last[row["run"]] = now
                self.out.replay_row.emit(row)
        except BaseException as e:  # said in the Replay tab; the job's failure goes on as usual
            problem = (str(e).splitlines() or [""])[0] or type(e).__name__
            raise
        finally:
            self.out.replay_ended.emit(name, problem)
