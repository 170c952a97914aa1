"""The toy runs' worker: trains as a background job, paced like TF Playground, sends plain frames.

A toy epoch takes about a millisecond, so sending one signal per epoch would drown the window.
The worker instead runs epochs back to back and sends a `ToyFrame` (numpy arrays and floats: the
epochs since the previous frame, plus the current fit or boundary) at most every FRAME_S.
Play, pause, step and speed go through `Pace`, a lock-protected object the window calls directly:
the job's thread is busy in its loop, so queued signals to it would only arrive after the run.
"""
from __future__ import annotations

import inspect
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

from gui.jobs import JobRunner

FRAME_S = 0.05  # at most ~20 frames a second reach the window


@dataclass(frozen=True)
class ToySettings:
    """Everything one run needs, copied from the panel when the run is set up."""
    model: str                 # "line", "line-stack", "circles-v0", ...
    epochs: int
    lr: float
    data: dict                 # make_line or make_circles keyword arguments
    seed: int = 42

    def config(self):
        from core.config import TrainConfig
        from core.models import get_spec
        task = get_spec(self.model).task
        return TrainConfig(model=self.model, epochs=self.epochs, lr=self.lr, seed=self.seed,
                           optimizer="sgd", device="cpu", **{task: dict(self.data)})


@dataclass
class ToyFrame:
    session: int
    epoch: int
    epochs: int
    # the epochs finished since the previous frame (one row each)
    ep: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_acc: np.ndarray       # NaN for the line
    test_acc: np.ndarray
    pred_y: Optional[np.ndarray] = None   # line: predictions at test_x
    weight: float = float("nan")          # line: learned weight and bias
    bias: float = float("nan")
    prob: Optional[np.ndarray] = None     # circles: P(class 1) on the grid, [x, y]
    seconds: float = 0.0                  # training time so far
    done: bool = False
    stopped: bool = False
    error: Optional[str] = None


@dataclass
class ToyScene:
    """What does not change during a run: the data and, for the circles, the grid's placement."""
    session: int
    task: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    true_line: tuple = ()           # (weight, bias) the line was drawn from
    least_squares: tuple = ()       # closed-form fit of the training points
    grid_rect: tuple = ()           # (x0, y0, width, height) of the probability image
    extra: dict = field(default_factory=dict)


class Pace:
    """Play / pause / step / speed for one run; called from the window thread, read by the worker."""

    def __init__(self, playing: bool = False, rate: float = 0.0):
        self._cv = threading.Condition()
        self._gen = 0               # bumped on every change, so a waiting worker never misses one
        self.playing = playing
        self.rate = rate            # epochs per second; 0 means as fast as possible
        self.steps = 0
        self.stopped = False
        self._last = 0.0
        # True from a frame's emit until the window has taken it: while the window is behind
        # (a slow repaint), the worker keeps training and folds the epochs into the next frame.
        self.frame_out = False

    def _change(self, **values):
        with self._cv:
            for k, v in values.items():
                setattr(self, k, v)
            self._gen += 1
            self._cv.notify_all()

    def play(self):
        self._change(playing=True, _last=0.0)

    def pause(self):
        self._change(playing=False)

    def step(self):
        with self._cv:
            self.steps += 1
            self._gen += 1
            self._cv.notify_all()

    def set_rate(self, rate: float):
        self._change(rate=rate)

    def stop(self):
        self._change(stopped=True)

    def wait_turn(self, idle: Callable[[Optional[float]], None]) -> bool:
        """Block until the next epoch may run; False when the run is stopped.

        Before sleeping, `idle(seconds or None for 'until told')` lets the worker show what it has.
        """
        while True:
            with self._cv:
                if self.stopped:
                    return False
                if self.steps:
                    self.steps -= 1
                    return True
                delay = None
                if self.playing:
                    now = time.monotonic()
                    delay = 0.0 if not self.rate else self._last + 1.0 / self.rate - now
                    if delay <= 0:
                        self._last = max(now, self._last + 1.0 / self.rate) if self.rate else now
                        return True
                gen = self._gen
            idle(delay)
            with self._cv:
                if self._gen == gen and not self.stopped:
                    self._cv.wait(delay)


class ToyWorker(QObject):
    """Runs one toy run at a time as a job; `scene`, `frame` and `failed` fire on the UI thread."""

    scene = Signal(object)   # ToyScene, once per run
    frame = Signal(object)   # ToyFrame, <= 1 / FRAME_S per second
    failed = Signal(int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs = JobRunner("toy-worker", self)
        self.jobs.progress.connect(self._progress)
        self.jobs.failed.connect(lambda session, error: self.failed.emit(session, error.message))

    def begin(self, settings: ToySettings, session: int, pace: Pace) -> None:
        """End the current run (its Pace stops) and start this one."""
        self.jobs.cancel()
        self.jobs.submit(run_toy, settings, session, pace, tag=session)

    def shutdown(self) -> None:
        self.jobs.shutdown()

    def _progress(self, _session, item) -> None:
        (self.scene if isinstance(item, ToyScene) else self.frame).emit(item)


def run_toy(job, settings: ToySettings, session: int, pace: Pace) -> None:
    """The job: one whole run, until done or cancelled; reports a ToyScene, then ToyFrames."""
    from core.trainer import Trainer

    job.on_cancel(pace.stop)  # wakes a paused or slow run at once
    trainer = Trainer(settings.config())
    view = _View(trainer, session)
    job.progress(view.scene)
    job.progress(view.frame())  # the untrained model, before the first epoch
    run = trainer.run(settings.epochs)
    last_frame = time.monotonic()

    def send():
        nonlocal last_frame
        pace.frame_out = True
        job.progress(view.frame())
        last_frame = time.monotonic()

    def idle(delay):
        # Sleeping for a while (slow speed, paused): show the epochs not yet shown.
        if view.pending and (delay is None or delay >= 0.02):
            send()

    while len(trainer.history) < settings.epochs and not trainer.error:
        if not pace.wait_turn(idle):
            break
        if not _next_epoch(run):
            break
        view.pending += 1
        if time.monotonic() - last_frame >= FRAME_S and not pace.frame_out:
            send()
    run.close()
    end = view.frame()
    end.done, end.stopped, end.error = True, pace.stopped, trainer.error
    job.progress(end)


class _View:
    """Turns the trainer's state into a ToyScene once and ToyFrames on demand (worker thread)."""

    def __init__(self, trainer, session: int):
        from core import toy_views as tv
        from core.toy_data import make_line
        self.trainer, self.session, self.sent, self.pending = trainer, session, 0, 0
        data, cfg = trainer.data, trainer.config
        self.task = trainer.task
        arrays = [t.cpu().numpy() for t in (data.train_x, data.train_y, data.test_x, data.test_y)]
        self.scene = ToyScene(session, self.task, *(a.reshape(len(a), -1) for a in arrays))
        if self.task == "line":
            defaults = inspect.signature(make_line).parameters
            true = {k: defaults[k].default for k in ("weight", "bias")} | cfg.line
            self.scene.true_line = (float(true["weight"]), float(true["bias"]))
            self.scene.least_squares = tv.least_squares_line(arrays[0], arrays[1])
        else:
            self.grid = tv.boundary_grid(arrays[0], arrays[2])
            g = self.grid
            self.scene.grid_rect = (g.x0, g.y0, g.width, g.height)

    def frame(self) -> ToyFrame:
        from core import toy_views as tv
        hist = self.trainer.history[self.sent:]
        self.sent += len(hist)
        self.pending = 0

        def col(name):
            return np.array([np.nan if getattr(h, name) is None else getattr(h, name) for h in hist],
                            dtype=np.float64)

        f = ToyFrame(self.session, self.sent, self.trainer.config.epochs,
                     np.array([h.epoch for h in hist], dtype=np.float64), col("train_loss"),
                     col("test_loss"), col("train_acc"), col("test_acc"),
                     seconds=self.trainer.training_time)
        model = self.trainer.model
        if self.task == "line":
            f.pred_y = tv.predict(model, self.trainer.data.test_x)
            f.weight, f.bias = tv.learned_line(model)
        else:
            f.prob = tv.probabilities(model, self.grid)
        return f


def _next_epoch(run) -> bool:
    """Advance the trainer's generator to its next EpochResult; False when it has ended."""
    for event in run:
        if hasattr(event, "test_loss"):
            return True
    return False
