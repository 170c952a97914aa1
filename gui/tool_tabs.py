"""The tabs beside "Training": evaluation views, the drawing canvas, the line and circles workbench.

They are built once torch has been imported by the worker (so building them costs the window no
import time) and fed from the worker's plain-data signals: the data set as numpy arrays, each
epoch's weights as numpy arrays, and the record of each saved run.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QScrollArea, QTabWidget


def model_from_weights(w):
    """Rebuild a model from a ModelWeights on this (the UI) thread: exact, and tiny."""
    import torch

    from core.models import build_model

    model = build_model(w.model_id, w.hidden_units)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.arrays.items()})
    return model.eval()


class ToolTabs(QObject):
    """A QObject living on the UI thread, so the worker's signals reach it queued, never directly
    in the worker's thread (as they would for a plain Python callable)."""

    def __init__(self, tabs: QTabWidget):
        super().__init__(tabs)
        self.tabs = tabs
        self.evaluation = self.canvas = self.toy = None
        self.history_problem = None

    @property
    def built(self) -> bool:
        return self.evaluation is not None

    def build(self) -> None:
        if self.built:
            return
        from core.history import RunHistory
        from gui.draw.canvas_panel import CanvasPanel
        from gui.evaluate.panel import EvaluationPanel
        from gui.toy.toy_panel import ToyWorkbench

        self.evaluation = EvaluationPanel(lazy=True)  # evaluates when its tab is shown
        self.canvas = CanvasPanel()
        self.toy = ToyWorkbench()
        for panel, title in ((self.evaluation, "&Evaluate"), (self.canvas, "&Draw"),
                             (self.toy, "&Line && circles")):
            # In a scroll area: a panel's minimum size must not dictate the window's.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(panel)
            self.tabs.addTab(scroll, title)
        history = RunHistory()
        self.evaluation.add_runs(history.records)  # what was trained before survives a restart
        self.history_problem = history.problem

    @Slot(object)
    def set_data(self, arrays) -> None:
        if not self.built:
            return
        import torch

        from core.data import FashionData

        t = torch.from_numpy
        self.evaluation.set_data(FashionData(t(arrays.train_x), t(arrays.train_y), t(arrays.test_x),
                                             t(arrays.test_y), arrays.source, arrays.classes))

    @Slot(object)
    def epoch_weights(self, weights) -> None:
        if self.built:
            self.evaluation.update_live(weights.model_name, model_from_weights(weights))

    @Slot(object)
    def run_saved(self, record) -> None:
        """A finished run: compare it, and draw for it (its checkpoint is tiny and just written)."""
        if not self.built:
            return
        from core import checkpoint

        try:
            ckpt = checkpoint.load(record.checkpoint)
        except checkpoint.CheckpointError:
            ckpt = None
        self.evaluation.add_run(record, ckpt.model if ckpt else None)
        if ckpt is not None:
            name = f"{record.model_name} ({record.created[11:16]})"
            # Its own copy: the canvas predicts in its thread while the views evaluate in theirs.
            self.canvas.add_model(name, copy.deepcopy(ckpt.model), list(ckpt.meta["classes"]))

    def open_image(self, path: str) -> None:
        if self.built:
            self.tabs.setCurrentIndex(2)
            self.canvas.open_image(path)

    def shutdown(self) -> None:
        for panel in (self.evaluation, self.canvas, self.toy):
            if panel is not None:
                panel.shutdown()
