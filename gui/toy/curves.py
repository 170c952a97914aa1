"""A train/test curve plot for the toy runs (loss or accuracy against epoch).

The run's length is known up front, so each curve is a NaN-filled buffer of that size: a frame
writes its rows in place and one setData per curve redraws it; nothing is appended or copied.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.shared.theme import follow_theme

# matplotlib's first two default colours: what the seed notebooks' loss curves are drawn in
TRAIN_PEN = "#1f77b4"
TEST_PEN = "#ff7f0e"


class CurvePlot(pg.PlotWidget):
    def __init__(self, title: str, y_label: str, y_range=None, legend_at=(10, -10), parent=None):
        super().__init__(parent)
        self.setTitle(title)
        self.setLabel("bottom", "epoch")
        self.setLabel("left", y_label)
        self.getAxis("left").enableAutoSIPrefix(False)  # "loss (x0.001)" reads worse than 0.6
        # No grid: pyqtgraph draws it with the axes, so every curve update would repaint them too.
        self.addLegend(offset=legend_at)  # default bottom left: where falling losses are not
        follow_theme(self)
        # Ranges are set by hand and change rarely: a range that moves every frame makes pyqtgraph
        # lay out the axis ticks again each time, which costs more than drawing the curves.
        self.fixed_y = y_range
        self.y_top = 0.0
        self.getPlotItem().enableAutoRange(enable=False)
        self.curves = {name: self.plot([], [], pen=pg.mkPen(color, width=2), name=name,
                                       connect="finite")
                       for name, color in (("train", TRAIN_PEN), ("test", TEST_PEN))}
        self.x = np.zeros(0)
        self.y = {name: np.zeros(0) for name in self.curves}
        self.n = 0

    def reset(self, epochs: int) -> None:
        self.x = np.arange(1, epochs + 1, dtype=np.float64)
        self.y = {name: np.full(epochs, np.nan) for name in self.curves}
        self.n = 0
        for curve in self.curves.values():
            curve.setData([], [])
        self.setXRange(0, max(epochs, 1), padding=0.02)
        self.y_top = 0.0
        self.setYRange(*(self.fixed_y or (0, 1)), padding=0.02)

    def add(self, epochs: np.ndarray, **values: np.ndarray) -> None:
        """Write the rows for `epochs` (1-based) and redraw the curves that have numbers."""
        if len(epochs) == 0:
            return
        rows = epochs.astype(int) - 1
        for name, v in values.items():
            self.y[name][rows] = v
        self.n = max(self.n, int(rows[-1]) + 1)
        top = 0.0
        for name, curve in self.curves.items():
            y = self.y[name][:self.n]
            if np.isfinite(y).any():
                curve.setData(self.x[:self.n], y)
                top = max(top, float(np.nanmax(y)))
        if self.fixed_y is None and (top > self.y_top or top < 0.5 * self.y_top):
            self.y_top = 1.1 * top  # losses are >= 0: the range is 0 to a little over the top
            self.setYRange(0, self.y_top, padding=0.02)

    def last(self, name: str) -> float:
        return float(self.y[name][self.n - 1]) if self.n else float("nan")
