"""The test-set confusion matrix as a clickable heat map: rows are the true class, columns the prediction."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.evaluation.report import EvalReport
from gui.shared.elided_label import ElidedLabel
from gui.shared.theme import follow_theme

MODES = [("counts", "Counts"), ("recall", "Row-normalised (recall)"),
         ("precision", "Column-normalised (precision)")]
CMAP = "viridis"
MAX_CELL_TEXT = 30   # classes: beyond, no count is written in the cells (hover a cell for it)
MIN_CELL_PX = 18     # a count is written in cells at least this big
NAMED_COLUMNS = 12   # up to this many classes, columns are always labelled by name
MAX_ROW_PX = 160     # a longer class name is shortened on the left axis


def _every(space: float, need: float) -> int:
    """Label every k-th of a run of labels `space` pixels apart that each need `need` pixels."""
    return max(1, int(np.ceil(need / max(space, 1e-6))))


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
        self._y_labels: list[str] = []
        self.canvas.scene().sigMouseClicked.connect(self._on_click)
        self.plot.vb.sigResized.connect(self._fit_labels)
        self.canvas.scene().sigMouseMoved.connect(self._on_hover)

        # Screen readers and the keyboard: the matrix is one focusable view whose description is
        # its cell in focus (arrow keys move it, Enter opens its pictures as a click does).
        self.focus_cell = (0, 0)
        self.canvas.setAccessibleName("Confusion matrix")
        self.canvas.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.canvas.installEventFilter(self)
        self.mode.setAccessibleName("Show the confusion matrix as")

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
            self.focus_cell = (0, 0)
        self._redraw()
        self._describe()

    def cell_words(self, true: int, pred: int) -> str:
        """One cell in words: "true Shirt, predicted T-shirt/top: 120 pictures, 12.0% of the row"."""
        m = self.report.matrix("counts")
        names = self.report.classes
        count, row = int(m[true][pred]), max(int(sum(m[true])), 1)
        return (f"true {names[true]}, predicted {names[pred]}: {count:,} picture"
                f"{'s' if count != 1 else ''}, {100 * count / row:.1f}% of the row")

    def _describe(self) -> None:
        if self.report is None:
            return
        self.canvas.setAccessibleDescription(
            f"{self.title.text()}. Cell in focus: {self.cell_words(*self.focus_cell)}. "
            "Arrow keys move between cells, Enter shows the cell's pictures.")

    def eventFilter(self, obj, e) -> bool:
        if obj is self.canvas and e.type() == QEvent.Type.KeyPress and self.report is not None:
            n = len(self.report.classes)
            r, c = self.focus_cell
            moves = {Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0), Qt.Key.Key_Left: (0, -1),
                     Qt.Key.Key_Right: (0, 1)}
            if e.key() in moves:
                dr, dc = moves[e.key()]
                self.focus_cell = (min(max(r + dr, 0), n - 1), min(max(c + dc, 0), n - 1))
                self._describe()
                return True
            if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.cell_clicked.emit(r, c)
                return True
        return super().eventFilter(obj, e)

    def _build_axes(self, classes) -> None:
        n = len(classes)
        for t in self.texts:
            self.plot.removeItem(t)
        font = self.tick_font
        self.texts = []
        for _ in range(n * n if n <= MAX_CELL_TEXT else 0):
            t = pg.TextItem(anchor=(0.5, 0.5))
            t.setFont(font)
            self.plot.addItem(t)
            self.texts.append(t)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setStyle(tickFont=font)
        self._x_labels, self._y_labels = [], []
        self._fit_labels()
        self.plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def x_labels(self) -> list[str]:
        """The labels under the columns as drawn: class names (shortened to fit a column when
        needed), or class numbers when many classes leave no room for names."""
        return list(self._x_labels)

    def y_labels(self) -> list[str]:
        return list(self._y_labels)

    def _fit_labels(self, *_) -> None:
        """Label rows and columns so that neighbours never overlap, however many classes.

        A cell is min(width, height) / n pixels (the aspect is locked). Columns get the class
        names shortened to one column's width; with more than NAMED_COLUMNS classes in columns too
        narrow for a word, they get the class numbers instead, and each row's name its number.
        Rows keep their names (up to MAX_ROW_PX); when rows are lower than a line, only every
        k-th is labelled, as are columns of numbers. Counts are written in cells big enough."""
        classes = self.report.classes if self.report is not None else ()
        if not classes:
            return
        n = len(classes)
        metrics = QFontMetrics(self.tick_font)
        cell = min(self.plot.vb.width(), self.plot.vb.height()) / n
        column = cell - metrics.horizontalAdvance("  ")
        rows = list(classes)
        if n > NAMED_COLUMNS and column < metrics.horizontalAdvance("Wwww\u2026"):
            step = _every(cell, metrics.horizontalAdvance(f"{n - 1}  "))
            labels = [str(i) if i % step == 0 else "" for i in range(n)]
            rows = [f"{name} ({i})" for i, name in enumerate(classes)]
        else:
            labels = [metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(int(column), 1))
                      for name in classes]
        step = _every(cell, metrics.height())
        rows = [metrics.elidedText(r, Qt.TextElideMode.ElideMiddle, MAX_ROW_PX) if i % step == 0 else ""
                for i, r in enumerate(rows)]
        if labels != self._x_labels:
            self._x_labels = labels
            self.plot.getAxis("bottom").setTicks([[(i + 0.5, label) for i, label in enumerate(labels)]])
        if rows != self._y_labels:
            self._y_labels = rows
            self.plot.getAxis("left").setTicks([[(i + 0.5, label) for i, label in enumerate(rows)]])
        widest = metrics.horizontalAdvance(str(int(self.report.confusion.max())) + " ")
        show = cell >= max(MIN_CELL_PX, widest)
        for t in self.texts:
            t.setVisible(show)

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
        self._fit_labels()  # the widest count decides whether counts fit in the cells
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

    def _on_hover(self, scene_pos) -> None:
        """The cell under the mouse in a tooltip: its names and count, however small it is drawn."""
        cell = self.cell_at(scene_pos)
        if cell is None:
            self.canvas.setToolTip("")
            return
        (true, pred), names = cell, self.report.classes
        self.canvas.setToolTip(f"true {names[true]}, predicted {names[pred]}: "
                               f"{self.report.confusion[true, pred]} test images")

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(ev.scenePos())
        if cell is not None:
            self.cell_clicked.emit(*cell)
