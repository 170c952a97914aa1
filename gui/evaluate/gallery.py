"""The images behind one confusion-matrix cell, most confident first, and one image's probabilities."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidgetItem, QVBoxLayout, QWidget

from core.evaluation.report import EvalReport
from gui.evaluate.widgets import RIGHT, WRONG, StateStack, pixmap_from_u8
from gui.evaluate.still_plot import still_plot
from gui.shared.thumbnail_list import thumbnail_list

THUMB = 56
MAX_BARS = 12  # probability bars per image: more would not leave a readable class name each
PICK_A_CELL = "Click a cell of the confusion matrix to see its test images here, most confident first."


class ProbabilityBars(QWidget):
    """One image, large, beside a horizontal bar per class: true class green, a wrong guess red."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(self.image)
        left.addWidget(self.caption)
        left.addStretch(1)
        self.plot, item = still_plot()
        item.setLabel("bottom", "probability")
        item.setXRange(0, 1, padding=0.02)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=[], width=[])
        item.addItem(self.bars)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(left)
        lay.addWidget(self.plot, 1)
        self.probs: np.ndarray | None = None

    def show_image(self, image: np.ndarray, probs: np.ndarray, true: int, classes) -> None:
        self.probs = probs
        pred = int(probs.argmax())
        self.image.setPixmap(pixmap_from_u8(image, 140))
        self.caption.setText(f"Truth: {classes[true]}\nPred: {classes[pred]} ({probs[pred]:.1%})")
        self.caption.setStyleSheet(f"color: {RIGHT if pred == true else WRONG}; font-weight: bold;")
        shown = bar_classes(probs, true)
        brushes = [RIGHT if i == true else WRONG if i == pred else "#9aa4b1" for i in shown]
        n = len(shown)
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), height=0.7, width=probs[shown], brushes=brushes)
        self.plot.getPlotItem().getAxis("left").setTicks([[(k, classes[i]) for k, i in enumerate(shown)]])
        self.plot.getPlotItem().setYRange(-0.5, n - 0.5, padding=0.02)


def bar_classes(probs: np.ndarray, true: int) -> list[int]:
    """The classes that get a bar: all of them, in class order, up to MAX_BARS; beyond that (a
    folder of many classes) the MAX_BARS most likely, best first, and the true class always."""
    if len(probs) <= MAX_BARS:
        return list(range(len(probs)))
    top = [int(i) for i in np.argsort(-probs, kind="stable")[:MAX_BARS]]
    return top if true in top else top[:-1] + [int(true)]


class PictureList:
    """A list of test pictures (each item's UserRole holds its index in the test set) beside their
    probability bars: what the cell gallery and the suspect labels share. Needs self.list, report,
    images, bars and bars_state."""

    def shown_indices(self) -> list[int]:
        """The test-set indices in the list, in display order."""
        return [self.list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.list.count())]

    def _on_item(self, item, _previous=None) -> None:
        if item is None or self.report is None:
            return
        i = item.data(Qt.ItemDataRole.UserRole)
        self.bars.show_image(self.images[i], self.report.probs[i], int(self.report.y_true[i]),
                             self.report.classes)
        self.bars_state.show_content()


class CellGallery(PictureList, QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold;")
        self.list = thumbnail_list(THUMB, QSize(THUMB + 44, THUMB + 44))
        self.list.currentItemChanged.connect(self._on_item)
        self.bars = ProbabilityBars()
        self.bars_state = StateStack(self.bars, "Click an image to see its probability for every class.")
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.heading)
        lay.addWidget(self.list, 3)
        lay.addWidget(self.bars_state, 2)
        self.state = StateStack(body, PICK_A_CELL)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.state)
        self.report: EvalReport | None = None
        self.images: np.ndarray | None = None
        self.cell: tuple[int, int] | None = None
        self.indices = np.empty(0, dtype=np.int64)

    def clear(self) -> None:
        self.cell, self.report = None, None
        self.list.clear()
        self.state.show_message(PICK_A_CELL)

    def show_cell(self, report: EvalReport, images: np.ndarray, true: int, pred: int) -> None:
        self.report, self.images, self.cell = report, images, (true, pred)
        self.indices = report.cell(true, pred)
        names = report.classes
        kind = "correct" if true == pred else "misclassified"
        self.heading.setText(f"True {names[true]}, predicted {names[pred]}: {len(self.indices)} "
                             f"{kind} test image{'s' if len(self.indices) != 1 else ''}, most confident first")
        self.list.clear()
        conf = report.confidence
        for i in self.indices:
            item = QListWidgetItem(QIcon(pixmap_from_u8(images[i], THUMB)),
                                   f"{names[true]} → {names[pred]}\n{conf[i]:.1%}")
            item.setData(Qt.ItemDataRole.UserRole, int(i))
            item.setToolTip(f"test image #{i}: true {names[true]}, predicted {names[pred]} "
                            f"with probability {conf[i]:.3f}")
            self.list.addItem(item)
        self.state.show_content()
        self.bars_state.show_message("Click an image to see its probability for every class." if len(self.indices)
                                     else "No test image has this true/predicted pair.")

