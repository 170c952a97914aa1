"""The test-set confusion matrix as a clickable heat map: rows are the true class, columns the prediction."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.eval_report import EvalReport
from gui.shared.elided_label import ElidedLabel
from gui.shared.theme import follow_theme

MODES = [("counts", "Counts"), ("recall", "Row-normalised (recall)"),
         ("precision", "Column-normalised (precision)")]
CMAP = "viridis"


class ConfusionView(QWidget):
    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent=None):
        super().__init__(parent)
        self.report: EvalReport | None = None
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.mode.currentIndexChanged.connect(self._redraw)
        self.title = ElidedLabel()  # a long model name must not widen the tab
        self.title.setStyleSheet("font-weight: bold;")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.mode)

        self.canvas = pg.GraphicsLayoutWidget()
        self.plot = self.canvas.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # true class 0 on the top row, as confusion matrices are read
        self.plot.setAspectLocked(True)
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        # row-major: image[row, col] is drawn at y=row, x=col, so rows really are the true class
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(CMAP), interactive=False,
                                   width=15)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        follow_theme(self.canvas)
        self.texts: list[pg.TextItem] = []
        self.tick_font = QFont()  # cell numbers and class names
        self.tick_font.setPointSize(8)
        self._x_labels: list[str] = []
        self.canvas.scene().sigMouseClicked.connect(self._on_click)
        self.plot.vb.sigResized.connect(self._fit_x_labels)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.canvas, 1)

    @property
    def current_mode(self) -> str:
        return self.mode.currentData()

    def set_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex([k for k, _ in MODES].index(mode))

    def show_report(self, report: EvalReport, title: str) -> None:
        first = self.report is None or len(report.classes) != len(self.report.classes)
        self.report = report
        self.title.setText(f"{title}: {report.accuracy:.2f}% of {len(report.y_true):,} test images right")
        if first:
            self._build_axes(report.classes)
        self._redraw()

    def _build_axes(self, classes) -> None:
        n = len(classes)
        for t in self.texts:
            self.plot.removeItem(t)
        font = self.tick_font
        self.texts = []
        for _ in range(n * n):
            t = pg.TextItem(anchor=(0.5, 0.5))
            t.setFont(font)
            self.plot.addItem(t)
            self.texts.append(t)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setStyle(tickFont=font)
        self.plot.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(classes)]])
        self._fit_x_labels()
        self.plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def x_labels(self) -> list[str]:
        """The class names under the columns as drawn (shortened to fit a column when needed)."""
        return list(self._x_labels)

    def _fit_x_labels(self, *_) -> None:
        """Shorten the column names to one column's width, so that neighbours never overlap.

        The rows keep their full names (the left axis grows to fit them); a shortened column name
        ends in an ellipsis and the full one is the same row's name."""
        classes = self.report.classes if self.report is not None else ()
        if not classes:
            return
        n = len(classes)
        metrics = QFontMetrics(self.tick_font)
        column = self.plot.vb.width() / n - metrics.horizontalAdvance("  ")
        labels = [metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(int(column), 1))
                  for name in classes]
        if labels != self._x_labels:
            self._x_labels = labels
            self.plot.getAxis("bottom").setTicks([[(i + 0.5, label) for i, label in enumerate(labels)]])

    def _redraw(self) -> None:
        if self.report is None:
            return
        values = self.report.matrix(self.current_mode).astype(np.float64)
        counts = self.report.confusion
        top = float(values.max()) or 1.0
        n = len(values)
        # one view unit per cell; given with every image, since a rect set before the first
        # image is lost and each pixel would then cover n units
        self.image.setImage(values, autoLevels=False, rect=QRectF(0, 0, n, n))
        self.bar.setLevels((0.0, top))
        for i, t in enumerate(self.texts):
            r, c = divmod(i, n)
            v = values[r, c]
            t.setText(f"{counts[r, c]}" if self.current_mode == "counts" else f"{v:.2f}")
            # light text on the dark low end of viridis, dark text on the bright high end
            t.setColor("k" if v > 0.6 * top else "w")
            t.setPos(c + 0.5, r + 0.5)

    def cells(self) -> list[list[str]]:
        """The matrix as shown (counts or normalised), header row and first column the class names."""
        if self.report is None:
            return []
        names, values = self.report.classes, self.report.matrix(self.current_mode)
        fmt = "{}" if self.current_mode == "counts" else "{:.4f}"
        return ([["true \\ predicted", *names]]
                + [[names[r], *(fmt.format(v) for v in values[r])] for r in range(len(names))])

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(true, predicted) under a scene position, or None outside the matrix."""
        if self.report is None:
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        n = len(self.report.classes)
        col, row = int(np.floor(p.x())), int(np.floor(p.y()))
        return (row, col) if 0 <= row < n and 0 <= col < n else None

    def cell_centre(self, true: int, pred: int):
        """Widget coordinates of a cell's centre (for tests and for keyboard-free automation)."""
        scene = self.plot.vb.mapViewToScene(pg.Point(pred + 0.5, true + 0.5))
        return self.canvas.mapFromScene(scene)

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(ev.scenePos())
        if cell is not None:
            self.cell_clicked.emit(*cell)
