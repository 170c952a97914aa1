"""The selected runs' curves on one set of axes each: loss, accuracy and learning rate.

Per run, one colour: its training curve per batch (as the store keeps it, downsampled) as a line,
and its test figures after each epoch as dots. The x axis is in epochs, so runs of different batch
sizes line up. A run without a per-batch curve (one moved from the old runs.json) shows its
per-epoch training figures as the line instead.
"""
from __future__ import annotations

import statistics
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.evaluate.widgets import StateStack
from gui.shared.markers import SMALL, marker_size, outlined, thin_plot
from gui.shared.theme import follow_theme, plot_colors

# matplotlib's tab10: distinct on a light and a dark background alike
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
EMPTY = "Select runs in the table to overlay their curves (Ctrl+click or Shift+click for several)."
CAPTION = ("Lines: training, per batch. Dots: test set, after each epoch (dashes past "
           f"{SMALL} epochs). One colour per run; "
           "x in epochs.")


def color_of(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def epoch_positions(points: list[dict]) -> np.ndarray:
    """Where each per-batch point lies in epochs: point k of epoch e at e-1 plus its share of the
    epoch's steps. An epoch's steps are counted from the previous epoch's last point; the last
    epoch (maybe cut short by a stop) is measured against a typical full one, so it ends early."""
    if not points:
        return np.zeros(0)
    steps = np.array([p["step"] for p in points], dtype=float)
    epochs = np.array([p["epoch"] for p in points], dtype=int)
    order = sorted(set(epochs.tolist()))
    last = {e: steps[epochs == e].max() for e in order}
    start, lengths = {}, {}
    prev = steps[epochs == order[0]].min() - 1  # the first point kept is the first batch
    for e in order:
        start[e], lengths[e] = prev, max(last[e] - prev, 1.0)
        prev = last[e]
    if len(order) > 1:
        typical = statistics.median(lengths[e] for e in order[:-1])
        lengths[order[-1]] = max(lengths[order[-1]], typical)
    x = np.empty(len(points))
    for i, (s, e) in enumerate(zip(steps, epochs)):
        x[i] = e - 1 + (s - start[e]) / lengths[e]
    return x


def _values(rows: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if r.get(key) is None else r[key] for r in rows], dtype=float)


class RunCurves(QWidget):
    """`set_runs([(RunRow, curve points, epoch rows), ...])` draws them; `items[run_id]` holds
    each run's plot items by name (tests look at them)."""

    def __init__(self, parent=None, empty: str = EMPTY):
        super().__init__(parent)
        self.empty = empty  # what the view says while no run is drawn
        pg.setConfigOptions(antialias=True)
        self.view = pg.GraphicsLayoutWidget()
        self.plots: dict[str, pg.PlotItem] = {}
        for col, (key, label) in enumerate((("loss", "loss"), ("acc", "accuracy (%)"),
                                            ("lr", "learning rate"))):
            item = self.view.addPlot(row=0, col=col)
            item.setLabel("bottom", "epoch")
            item.setLabel("left", label)
            item.getAxis("left").enableAutoSIPrefix(False)
            item.setMenuEnabled(False)
            item.showGrid(x=True, y=True, alpha=0.15)
            thin_plot(item)
            self.plots[key] = item
        grid = self.view.ci.layout
        for col, stretch in enumerate((5, 5, 3)):
            grid.setColumnStretchFactor(col, stretch)
        # The runs' names in a column of their own, right of the plots: inside one it covered
        # the curves and cut names.
        self.legend = pg.LegendItem()
        self.legend.setLabelTextSize("8pt")
        self.view.addItem(self.legend, row=0, col=3)
        # Its own height at the top of the column: stretched, its rows drifted apart
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.view.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self._outline = plot_colors().foreground + "a0"  # the dots' rim: visible on either theme
        follow_theme(self.view)
        self.items: dict[str, dict[str, pg.PlotDataItem]] = {}
        caption = QLabel(CAPTION)
        caption.setStyleSheet("color: palette(placeholder-text);")
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(caption)
        lay.addWidget(self.view, 1)
        self.state = StateStack(box, empty)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.state)

    def set_runs(self, runs: list[tuple]) -> None:
        for item in self.plots.values():
            item.clear()
        self.legend.clear()
        self.items = {}
        for i, (row, curve, epochs) in enumerate(runs):
            self.items[row.run_id] = self._draw(row, curve, epochs, color_of(i))
        if runs:
            self.state.show_content()
            for item in self.plots.values():
                item.enableAutoRange()
            self._lr_from_zero(runs)
        else:
            self.state.show_message(self.empty)

    def _lr_from_zero(self, runs: list[tuple]) -> None:
        """A learning rate is never below 0: its axis starts there (a constant rate would
        otherwise sit in the middle of a range reaching below 0)."""
        top = max((float(np.nanmax(v)) for _, curve, epochs in runs
                   for v in (_values(curve, "lr"), _values(epochs, "lr")) if len(v) and np.isfinite(v).any()),
                  default=0.0)
        if top > 0:
            self.plots["lr"].setYRange(0, top * 1.1, padding=0)

    def _draw(self, row, curve: list[dict], epochs: list[dict], color: str) -> dict:
        items = {}
        name = _short(row.title)
        # A little see-through: the dots stay in view. One pixel wide: Qt strokes a wider pen as a
        # path, seconds per paint for a few thousand noisy points (a long run, the Follow tab).
        line = pg.mkPen(color + "b0", width=1)
        if curve:
            x = epoch_positions(curve)
            series = {"loss": _values(curve, "loss"), "acc": _values(curve, "acc"),
                      "lr": _values(curve, "lr")}
        else:  # no per-batch curve kept: the per-epoch training figures
            x = _values(epochs, "epoch")
            series = {"loss": _values(epochs, "train_loss"), "acc": _values(epochs, "train_acc"),
                      "lr": _values(epochs, "lr")}
        for key, y in series.items():
            if len(y) and np.isfinite(y).any():
                items[key] = self.plots[key].plot(x, y, pen=line, connect="finite",
                                                  name=name if key == "loss" else None)
        ex = _values(epochs, "epoch")
        # Dots while there are few epochs; many (a replay's 1000) are a line in the run's colour.
        size = marker_size(len(ex))
        for key, col in (("test_loss", "loss"), ("test_acc", "acc")):
            y = _values(epochs, key)
            if len(y) and np.isfinite(y).any():
                if size:
                    outline = pg.mkPen(self._outline, width=1) if outlined(len(ex)) else None
                    items[key] = self.plots[col].plot(ex, y, pen=None, symbol="o", symbolSize=size,
                                                      symbolBrush=color, symbolPen=outline)
                else:
                    items[key] = self.plots[col].plot(ex, y, pen=pg.mkPen(color, width=1,
                                                      style=Qt.PenStyle.DashLine), connect="finite")
                items[key].setZValue(10)  # over every run's lines
        named = items.get("loss") or items.get("test_loss") or items.get("acc")
        if named is not None:
            self.legend.addItem(named, name)
        return items


def _short(title: str, most: int = 40) -> str:
    return title if len(title) <= most else title[:most - 1] + "\u2026"
