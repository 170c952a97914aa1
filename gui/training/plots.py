"""Live loss and accuracy plots (pyqtgraph).

Imported after the window's first paint: pyqtgraph takes about a second to import. Every plot item
is created once; new results only append to numpy buffers, and a timer pushes the buffers that
changed to their items with setData a few times a second, however fast results arrive.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.shared.markers import marker_size, outlined, thin_plot
from gui.shared.theme import PlotColors, plot_colors, style_view

# Redraws a second while results come in (none when nothing changes). Every redraw is Python
# holding the GIL that the training thread needs between its torch calls: 4 a second keeps the
# curves live and the window's cost against a headless run to a few percent.
REFRESH_MS = 250
SMOOTHING = 0.85         # weight of the past in the per-batch curve (each point is ~50 ms of batches)
HOVER_RADIUS_PX = 14


def nice_range(lo: float, hi: float) -> tuple[float, float]:
    """A range holding lo..hi with some room, its ends on round numbers (1, 2 or 5 times 10^k)."""
    span = hi - lo
    if span <= 0:
        span = abs(hi) or 1.0
    raw = span / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    # Half a step of room each side, so a curve that creeps on does not move the axis each time.
    return (math.floor(lo / step - 0.5) * step, math.ceil(hi / step + 0.5) * step)


class Series:
    """x and y values in numpy buffers that double when full (appending is amortised O(1))."""

    def __init__(self):
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.resize(self.x, 2 * self.n)
            self.y = np.resize(self.y, 2 * self.n)
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1

    def clear(self) -> None:
        self.n = 0

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.n], self.y[:self.n]


# name -> (plot, legend label, hover label, kind); kind "epoch" has markers, "batch" is a line.
CURVES = {
    "batch_loss": ("loss", "train (per batch, smoothed)", "train loss, smoothed", "batch"),
    "train_loss": ("loss", "train", "train loss", "train"),
    "test_loss": ("loss", "test", "test loss", "test"),
    "batch_acc": ("acc", "train (per batch, smoothed)", "train accuracy, smoothed", "batch"),
    "train_acc": ("acc", "train", "train accuracy", "train"),
    "test_acc": ("acc", "test", "test accuracy", "test"),
    "batch_lr": ("lr", "learning rate", "learning rate", "lr"),
}
TITLES = {"loss": "Loss", "acc": "Accuracy", "lr": "Learning rate"}


class TrainingPlots(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.plots = {"loss": pg.PlotWidget(), "acc": pg.PlotWidget(), "lr": pg.PlotWidget()}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.legends = {}
        self.hover = {}
        for key, widget in self.plots.items():
            item = widget.getPlotItem()
            item.setLabel("bottom", "epoch")
            item.setLabel("left", {"loss": "loss", "acc": "accuracy (%)", "lr": "lr"}[key])
            item.setMenuEnabled(False)
            # Ranges are set by _fit_ranges, in coarse steps: an axis whose range moves must
            # regenerate its ticks and labels (the most expensive part of a frame, and all of it
            # Python holding the GIL the training thread needs), so it should move rarely.
            item.disableAutoRange()
            thin_plot(item)
            widget.setAccessibleName(f"{TITLES[key]} plot")
            # Out of the curves' way: loss falls towards the bottom, accuracy climbs to the top.
            self.legends[key] = item.addLegend(offset=(-10, -10) if key == "acc" else (-10, 10))
            text = pg.TextItem(anchor=(0, 1))
            text.setZValue(100)
            marker = pg.ScatterPlotItem(size=12)
            marker.setZValue(99)
            for it in (text, marker):
                it.hide()
                item.addItem(it, ignoreBounds=True)
            self.hover[key] = (text, marker)
            # Bind the plot now: the signal only says where the mouse is.
            widget.scene().sigMouseMoved.connect(lambda pos, k=key: self._on_mouse(k, pos))
            layout.addWidget(widget, 1 if key == "lr" else 2)
        # Shown beside the loss only for a run whose rate moves (a schedule or a warm-up).
        self.plots["lr"].hide()
        self.series = {name: Series() for name in CURVES}
        self.curves = {}
        for name, (plot, label, _, _) in CURVES.items():
            self.curves[name] = self.plots[plot].getPlotItem().plot(name=label)
        self._dirty: set[str] = set()
        self._markers = 8  # the per-epoch markers' size now (0: none; gui/shared/markers.py)
        self.setAccessibleName("Training curves")
        self._ema = None
        self._ema_steps = 0
        self._epochs_shown = 1
        self._y = {key: None for key in self.plots}
        self.redraws = 0          # setData calls so far (tests and the benchmark read it)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.apply_theme(plot_colors())

    # -- data in ---------------------------------------------------------------------------------
    def clear(self) -> None:
        for s in self.series.values():
            s.clear()
        self._ema, self._ema_steps = None, 0
        self._y = {key: None for key in self.plots}
        self._dirty.update(self.series)
        for text, marker in self.hover.values():
            text.hide()
            marker.hide()
        self.refresh()

    def set_epochs(self, last_epoch: int) -> None:
        """The x axis spans the whole run from its start, so it need not move while it trains."""
        self._epochs_shown = max(int(last_epoch), 1)
        for widget in self.plots.values():
            # Padding enough for the last epoch's whole marker.
            widget.getPlotItem().setXRange(0, self._epochs_shown, padding=0.04)

    def add_batch(self, ev) -> None:
        """One per-batch result (core.config.BatchResult): extends the smoothed curves."""
        x = ev.epoch - 1 + ev.batch / max(ev.batches, 1)
        values = np.array([ev.loss, np.nan if ev.acc is None else ev.acc], dtype=float)
        # An exponential moving average, debiased so the first points are not pulled towards 0.
        self._ema = values * (1 - SMOOTHING) if self._ema is None else (
            SMOOTHING * self._ema + (1 - SMOOTHING) * values)
        self._ema_steps += 1
        smooth = self._ema / (1 - SMOOTHING ** self._ema_steps)
        self.series["batch_loss"].append(x, smooth[0])
        self._dirty.add("batch_loss")
        if ev.acc is not None:
            self.series["batch_acc"].append(x, smooth[1])
            self._dirty.add("batch_acc")
        if getattr(ev, "lr", None) is not None:
            self.series["batch_lr"].append(x, ev.lr)
            self._dirty.add("batch_lr")

    def show_lr(self, visible: bool) -> None:
        """The learning-rate plot, for runs whose rate changes as they train."""
        self.plots["lr"].setVisible(visible)

    def add_epoch(self, ev) -> None:
        """One per-epoch result (core.config.EpochResult): a point on each epoch curve."""
        for name, value in (("train_loss", ev.train_loss), ("test_loss", ev.test_loss),
                            ("train_acc", ev.train_acc), ("test_acc", ev.test_acc)):
            if value is not None:
                self.series[name].append(ev.epoch, value)
                self._dirty.add(name)
        said = self.summary()
        self.setAccessibleDescription(said)
        for key, widget in self.plots.items():
            widget.setAccessibleDescription(said)

    def summary(self) -> str:
        """What the curves say in words (screen readers): "test accuracy 88.0% after 3 epochs"."""
        for name, words, unit in (("test_acc", "test accuracy", "%"), ("test_loss", "test loss", ""),
                                  ("train_loss", "training loss", "")):
            s = self.series[name]
            if s.n:
                epochs = int(s.x[s.n - 1])
                value = f"{s.y[s.n - 1]:.1f}%" if unit else f"{s.y[s.n - 1]:.4g}"
                return f"{words} {value} after {epochs} epoch{'s' if epochs != 1 else ''}"
        return "no epochs yet"

    def refresh(self) -> None:
        """Push changed buffers to their plot items (the timer calls this)."""
        if not self._dirty:
            return
        for name in self._dirty:
            x, y = self.series[name].view()
            self.curves[name].setData(x, y)
            self.redraws += 1
        self._dirty.clear()
        self._thin_markers()
        self._fit_ranges()

    def _thin_markers(self) -> None:
        """Fewer and smaller per-epoch markers as epochs grow, none past a few hundred."""
        size = marker_size(self.series["test_acc"].n or self.series["test_loss"].n, 8)
        if size != self._markers:
            self._markers = size
            self._style_markers()

    def _style_markers(self) -> None:
        colors = self.colors
        n = self.series["test_acc"].n or self.series["test_loss"].n
        for name, (_, _, _, kind) in CURVES.items():
            if kind in ("train", "test"):
                curve = self.curves[name]
                curve.setSymbol(("o" if kind == "train" else "s") if self._markers else None)
                curve.setSymbolSize(self._markers)
                curve.setSymbolPen(pg.mkPen(colors.background, width=1) if outlined(n) else None)

    def _fit_ranges(self) -> None:
        top = max([self._epochs_shown] + [int(math.ceil(s.x[s.n - 1])) for s in self.series.values()
                                          if s.n])
        if top > self._epochs_shown:
            self.set_epochs(top)
        for key, widget in self.plots.items():
            ys = [self.series[n].view()[1] for n, c in CURVES.items() if c[0] == key]
            ys = np.concatenate(ys) if ys else np.empty(0)
            ys = ys[np.isfinite(ys)]
            if ys.size == 0:
                continue
            lo, hi = float(ys.min()), float(ys.max())
            current = self._y[key]
            # Move only when the data leaves the range, or fills less than a third of it.
            if current and current[0] <= lo and hi <= current[1] and (
                    hi - lo) >= (current[1] - current[0]) / 3:
                continue
            low, high = nice_range(lo, hi)
            # Accuracy and the learning rate cannot go below 0 (nor accuracy past 100): no room
            # for values that cannot happen.
            if key in ("acc", "lr") and lo >= 0:
                low = max(low, 0.0)
            if key == "acc" and hi <= 100:
                high = min(high, 100.0)
            self._y[key] = (low, high)
            widget.getPlotItem().setYRange(*self._y[key], padding=0.02 if key != "loss" else 0)

    def points(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """What the plot item `name` holds now (every point: drawing may thin them, see thin_plot)."""
        curve = self.curves[name]
        x, y = curve.xData, curve.yData
        empty = np.empty(0)
        return (empty, empty) if x is None else (x, y)

    # -- look ------------------------------------------------------------------------------------
    def apply_theme(self, colors: PlotColors) -> None:
        self.colors = colors
        fg = colors.foreground
        for key, widget in self.plots.items():
            widget.getPlotItem().setTitle(TITLES[key])
            style_view(widget, colors)  # background, axes, title, legend text
            legend = self.legends[key]
            legend.setBrush(pg.mkBrush(colors.hover_fill))
            legend.setPen(pg.mkPen(fg, width=0.5))
            text, marker = self.hover[key]
            text.fill = pg.mkBrush(colors.hover_fill)
            text.border = pg.mkPen(fg, width=1)
            text.setColor(fg)
            marker.setPen(pg.mkPen(fg, width=1.5))
            marker.setBrush(pg.mkBrush(None))
        for name, (_, _, _, kind) in CURVES.items():
            curve = self.curves[name]
            if kind == "batch":
                curve.setPen(pg.mkPen(colors.batch, width=1.2))
                curve.setZValue(-1)
            elif kind == "lr":
                curve.setPen(pg.mkPen(colors.test, width=1.5))
            else:
                color = colors.train if kind == "train" else colors.test
                curve.setPen(pg.mkPen(color, width=2))
                curve.setSymbolBrush(color)
        self._style_markers()
        # Legend samples copy pens when added: rebuild them so they match the new colours.
        for key, legend in self.legends.items():
            legend.clear()
        for name, (plot, label, _, _) in CURVES.items():
            if plot != "lr":  # one curve, named by the plot's title
                self.legends[plot].addItem(self.curves[name], label)

    # -- hover -----------------------------------------------------------------------------------
    def _on_mouse(self, key: str, pos) -> None:
        """Show the exact value of the data point nearest the mouse, if one is close enough."""
        widget = self.plots[key]
        item = widget.getPlotItem()
        text, marker = self.hover[key]
        vb = item.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            text.hide()
            marker.hide()
            return
        here = vb.mapSceneToView(pos)
        px, py = vb.viewPixelSize()
        best = None
        for name, (plot, _, hover_label, kind) in CURVES.items():
            s = self.series[name]
            if plot != key or s.n == 0 or not self.curves[name].isVisible():
                continue
            x, y = s.view()
            d2 = ((x - here.x()) / px) ** 2 + ((y - here.y()) / py) ** 2
            d2 = np.where(np.isfinite(d2), d2, np.inf)
            i = int(np.argmin(d2))
            if d2[i] <= HOVER_RADIUS_PX ** 2 and (best is None or d2[i] < best[0]):
                best = (d2[i], x[i], y[i], hover_label, kind)
        if best is None:
            text.hide()
            marker.hide()
            return
        _, x, y, label, kind = best
        unit = "%" if key == "acc" else ""
        where = f"epoch {int(x)}" if kind != "batch" else f"epoch {x:.2f}"
        text.setText(f"{label}\n{where}: {y:.5g}{unit}")
        text.setPos(x, y)
        marker.setData([x], [y])
        text.show()
        marker.show()

    def hover_text(self, key: str) -> str:
        text, _ = self.hover[key]
        return text.toPlainText() if text.isVisible() else ""
