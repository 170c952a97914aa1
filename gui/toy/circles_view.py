"""Notebook 02 live: the decision boundary over train and test, and the accuracy and BCE curves.

The boundary is one probability image (the model is one function) shown under both point sets,
in the seed's RdYlBu colours: red for class 0 (outer circle), blue for class 1 (inner circle).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGridLayout, QWidget

from gui.shared.theme import follow_theme
from gui.toy.curves import CurvePlot

# matplotlib's RdYlBu at eleven stops (plt.cm.RdYlBu, what plot_decision_boundary uses)
RDYLBU = [(165, 0, 38), (215, 48, 39), (244, 109, 67), (253, 174, 97), (254, 224, 144),
          (255, 255, 191), (224, 243, 248), (171, 217, 233), (116, 173, 209), (69, 117, 180),
          (49, 54, 149)]
COLORMAP = pg.ColorMap(np.linspace(0, 1, len(RDYLBU)), RDYLBU)
# The seed draws the filled contours at alpha 0.7 over white: mix the table with white likewise.
LUT = (0.7 * COLORMAP.getLookupTable(0, 1, 256, alpha=False) + 0.3 * 255).astype(np.uint8)
CLASS_BRUSHES = [pg.mkBrush(RDYLBU[0]), pg.mkBrush(RDYLBU[-1])]


class BoundaryPlot(pg.PlotWidget):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setTitle(title)
        follow_theme(self)
        self.setAspectLocked(True)
        # A fixed room for the tick labels: with the aspect locked, labels whose width follows the
        # range (10 points give odd extents) resized the plot, which moved the range, and so on
        # without end, freezing the window.
        self.getAxis("left").setWidth(36)
        self.getAxis("bottom").setHeight(24)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setLookupTable(LUT)
        self.image.setLevels((0.0, 1.0))
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("k", width=0.6))
        self.addItem(self.image)
        self.addItem(self.points)

    def set_points(self, xy: np.ndarray, y: np.ndarray, rect) -> None:
        brushes = [CLASS_BRUSHES[int(label > 0.5)] for label in y[:, 0]]
        self.points.setData(xy[:, 0], xy[:, 1], brush=brushes)
        self.image.clear()
        self._rect = rect
        x0, y0, w, h = rect
        self.setRange(xRange=(x0, x0 + w), yRange=(y0, y0 + h), padding=0)

    def set_probabilities(self, prob: np.ndarray) -> None:
        # levels fixed at 0..1: colour means probability, not contrast within this frame
        self.image.setImage(prob, autoLevels=False, levels=(0.0, 1.0))
        self.image.setRect(*self._rect)


class CirclesView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.train = BoundaryPlot("Train")
        self.test = BoundaryPlot("Test")
        self.acc = CurvePlot("Accuracy", "%", y_range=(0, 100), legend_at=(10, 10))
        self.loss = CurvePlot("BCE loss", "loss")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.train, 0, 0)
        grid.addWidget(self.test, 0, 1)
        grid.addWidget(self.acc, 1, 0)
        grid.addWidget(self.loss, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        self.scene = None

    def set_scene(self, scene, epochs: int) -> None:
        self.scene = scene
        self.train.set_points(scene.train_x, scene.train_y, scene.grid_rect)
        self.test.set_points(scene.test_x, scene.test_y, scene.grid_rect)
        self.acc.reset(epochs)
        self.loss.reset(epochs)

    def show_frame(self, frame) -> None:
        if self.scene is None:
            return
        self.acc.add(frame.ep, train=frame.train_acc, test=frame.test_acc)
        self.loss.add(frame.ep, train=frame.train_loss, test=frame.test_loss)
        if frame.prob is not None:
            self.train.set_probabilities(frame.prob)
            self.test.set_probabilities(frame.prob)
