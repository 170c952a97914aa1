"""The live views of the paced workflows (the line's fit, the circles' boundary) as plain frames.

A toy epoch takes about a millisecond, so one signal per epoch would drown the window. The worker
instead trains epochs back to back and sends a `LiveFrame` (numpy arrays and floats: the epochs
since the previous frame, plus the current fit or boundary) at most every FRAME_S, and one more
whenever the run waits (paused, stepped, or paced slower than that). What does not change during
a run goes once, as a `LiveScene`. Built in the worker's thread; no widget here.
"""
from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

FRAME_S = 0.05  # at most ~20 frames a second reach the window


@dataclass
class LiveScene:
    """What does not change during a run: the data and, for the circles, the grid's placement."""
    task: str
    view: str                       # core.workflows VIEW_LINE_FIT or VIEW_BOUNDARY
    epochs: int
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    true_line: tuple = ()           # (weight, bias) the line was drawn from
    least_squares: tuple = ()       # closed-form fit of the training points
    grid_rect: tuple = ()           # (x0, y0, width, height) of the probability image
    preview: bool = False           # an untrained model on show, no run behind it
    extra: dict = field(default_factory=dict)


@dataclass
class LiveFrame:
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


class LiveView:
    """Turns a trainer's state into a LiveScene once and LiveFrames on demand (worker thread)."""

    def __init__(self, trainer, preview: bool = False):
        from core.data import toy_views as tv
        from core import workflows
        from core.data.toy import make_line
        self.trainer, self.sent, self.pending, self.last = trainer, 0, 0, 0.0
        self.first = len(trainer.history) + 1  # the first epoch of the run (or of its "+N epochs")
        self.epochs_sent: list = []  # the EpochResults the last frame carried
        data, cfg = trainer.data, trainer.config
        self.view = trainer.workflow.live_view
        arrays = [t.cpu().numpy() for t in (data.train_x, data.train_y, data.test_x, data.test_y)]
        self.scene = LiveScene(trainer.task, self.view, cfg.epochs,
                               *(a.reshape(len(a), -1) for a in arrays), preview=preview)
        self.grid = None
        if self.view == workflows.VIEW_LINE_FIT:
            defaults = inspect.signature(make_line).parameters
            true = {k: defaults[k].default for k in ("weight", "bias")} | cfg.line
            self.scene.true_line = (float(true["weight"]), float(true["bias"]))
            self.scene.least_squares = tv.least_squares_line(arrays[0], arrays[1])
        else:
            self.grid = tv.boundary_grid(arrays[0], arrays[2])
            g = self.grid
            self.scene.grid_rect = (g.x0, g.y0, g.width, g.height)

    def due(self) -> bool:
        return time.monotonic() - self.last >= FRAME_S

    def frame(self) -> LiveFrame:
        from core.data import toy_views as tv
        hist = self.epochs_sent = self.trainer.history[self.sent:]
        self.sent += len(hist)
        self.pending, self.last = 0, time.monotonic()

        def col(name):
            return np.array([np.nan if getattr(h, name) is None else getattr(h, name) for h in hist],
                            dtype=np.float64)

        f = LiveFrame(self.sent, self.trainer.config.epochs,
                      np.array([h.epoch for h in hist], dtype=np.float64), col("train_loss"),
                      col("test_loss"), col("train_acc"), col("test_acc"),
                      seconds=self.trainer.training_time)
        model = self.trainer.model
        if self.grid is None:
            f.pred_y = tv.predict(model, self.trainer.data.test_x)
            f.weight, f.bias = tv.learned_line(model)
        else:
            f.prob = tv.probabilities(model, self.grid)
        return f
