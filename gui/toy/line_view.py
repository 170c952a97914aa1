"""Notebook 01 live: the line's data and predictions in the seed's colours, and the L1 curves.

Items are made once per run and only get setData, so a refresh repaints without flicker.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from gui.shared.theme import follow_theme
from gui.toy.curves import CurvePlot

# plot_predictions in notebook 01: training data "b", test data "g", predictions "r"
TRAIN, TEST, PRED = "#0000ff", "#008000", "#ff0000"


def _points(color: str, name: str) -> pg.ScatterPlotItem:
    return pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(color), name=name)


class LineView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.fit = pg.PlotWidget()
        self.fit.setTitle("Data and predictions")
        self.fit.addLegend(offset=(10, 10))
        follow_theme(self.fit)
        self.train = _points(TRAIN, "Training data")
        self.test = _points(TEST, "Testing data")
        self.pred = _points(PRED, "Predictions")
        for item in (self.train, self.test, self.pred):
            self.fit.addItem(item)
        self.loss = CurvePlot("L1 loss", "loss", legend_at=(-10, 10))  # top right: L1 falls to 0
        self.values = QLabel()
        self.values.setTextFormat(Qt.TextFormat.RichText)
        self.values.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.fit, 0, 0)
        grid.addWidget(self.loss, 0, 1)
        grid.addWidget(self.values, 1, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.scene = None
        self.learned = (float("nan"), float("nan"))

    def set_scene(self, scene, epochs: int) -> None:
        self.scene = scene
        self.train.setData(scene.train_x[:, 0], scene.train_y[:, 0])
        self.test.setData(scene.test_x[:, 0], scene.test_y[:, 0])
        self.pred.setData([], [])
        self.loss.reset(epochs)
        self.learned = (float("nan"), float("nan"))
        # Fixed ranges: the predictions start far off, and a view that rescales every frame jumps.
        ys = np.concatenate([scene.train_y[:, 0], scene.test_y[:, 0]])
        xs = np.concatenate([scene.train_x[:, 0], scene.test_x[:, 0]])
        span = max(float(ys.max() - ys.min()), 1e-3)
        self.fit.setXRange(float(xs.min()), float(xs.max()), padding=0.05)
        self.fit.setYRange(float(ys.min()) - 0.5 * span, float(ys.max()) + 0.5 * span, padding=0)
        self._show_values()

    def show_frame(self, frame) -> None:
        if self.scene is None:
            return
        self.loss.add(frame.ep, train=frame.train_loss, test=frame.test_loss)
        if frame.pred_y is not None:
            self.pred.setData(self.scene.test_x[:, 0], frame.pred_y)
        self.learned = (frame.weight, frame.bias)
        self._show_values()

    def _show_values(self) -> None:
        s = self.scene
        (tw, tb), (lw, lb), (sw, sb) = s.true_line, self.learned, s.least_squares
        learned = "–" if np.isnan(lw) else f"weight {lw:.4f}, bias {lb:.4f}"
        self.values.setText(
            f"<b>Learned</b>: {learned} &nbsp; | &nbsp; <b>True</b>: weight {tw:.4f}, bias {tb:.4f}"
            f" &nbsp; | &nbsp; <b>Least squares</b>: weight {sw:.4f}, bias {sb:.4f}")
