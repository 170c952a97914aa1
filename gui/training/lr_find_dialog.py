"""The range test's window: the smoothed training loss against the learning rate on a log axis, as
the points come, the suggestion marked on the curve and said in words, and "Use this rate"
(gui/training/lr_finder.py runs the test and acts on the choice)."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from gui.shared.theme import plot_colors, style_view


class LrFindDialog(QDialog):
    """The curve, the suggestion in words and on the curve, and "Use this rate"."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.resize(720, 480)
        self.suggested = None
        self.points: list[tuple[float, float]] = []
        self.plot = pg.PlotWidget()
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "training loss (smoothed)")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        colors = plot_colors()
        style_view(self.plot, colors)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(colors.train, width=2))
        self.mark = self.plot.plot([], [], pen=None, symbol="o", symbolSize=12,
                                   symbolBrush=colors.test, symbolPen=colors.background)
        self.line = pg.InfiniteLine(angle=90, pen=pg.mkPen(colors.test, style=Qt.PenStyle.DashLine))
        self.line.hide()
        self.plot.addItem(self.line)
        self.words = QLabel("Starting the range test…")
        self.words.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.use = self.buttons.addButton("Use this rate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.words)
        layout.addWidget(self.buttons)

    def restart(self) -> None:
        self.suggested, self.points = None, []
        self.curve.setData([], [])
        self.mark.setData([], [])
        self.line.hide()
        self.use.setEnabled(False)
        self.words.setText("Training a fresh model while the rate grows from 1e-7 to 10…")

    def add_point(self, lr: float, loss: float) -> None:
        self.points.append((lr, loss))
        self.curve.setData([p[0] for p in self.points], [p[1] for p in self.points])

    def show_result(self, found) -> None:
        self.points = list(found.points)
        if self.points:
            self.curve.setData([p[0] for p in self.points], [p[1] for p in self.points])
        if self.points:  # the blow-up leaves the top: the part worth reading keeps the height
            losses = [p[1] for p in self.points]
            low, start = min(losses), losses[0]
            self.plot.setYRange(low - 0.05 * start, max(start * 1.5, low * 1.5), padding=0)
        self.suggested = found.suggested_lr
        if self.suggested is None:
            self.words.setText(f"No suggestion: {found.why}.")
            return
        # On the curve: the loss of the point nearest the suggestion (a tenth of a rate lies between).
        _, loss = min(self.points, key=lambda p: abs(math.log10(p[0] / self.suggested)))
        self.mark.setData([self.suggested], [loss])
        self.line.setValue(math.log10(self.suggested))  # the view's x is log10(rate)
        self.line.show()
        self.use.setEnabled(True)
        self.words.setText(f"Suggested learning rate: {self.suggested:.3g} ({found.why}; "
                           f"{len(self.points)} steps{', then the loss blew up' if found.diverged else ''}). "
                           "The model and its optimiser were put back as they were.")

    def show_failure(self, text: str) -> None:
        self.words.setText(f"The range test could not run: {text}")
