"""Probability bars: every class for the chosen model (the most likely ones when a folder has
many), or the top three on a model's card."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

UNSURE_COLOR = QColor("#c08a1e")  # amber: an answer shown, but not one to trust


class PredictionBars(QWidget):
    ROW = 20
    MAX_ALL = 15  # "every class" up to this many; beyond, the most likely this many, best first

    def __init__(self, rows: int | None = None, parent=None):
        """rows=None: every class in class order; rows=n: the n most likely, best first."""
        super().__init__(parent)
        self._rows = rows
        self._items: list[tuple[str, float]] = []
        self._top = -1
        self._unsure = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(260, self.ROW * (self._rows or max(10, min(len(self._items), self.MAX_ALL))) + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, self.sizeHint().height())

    def set_probs(self, classes: list[str], probs: list[float], unsure: bool = False):
        items = list(zip(classes, probs))
        self._top = max(range(len(items)), key=lambda i: items[i][1]) if items else -1
        rows = self._rows if self._rows is not None else (self.MAX_ALL if len(items) > self.MAX_ALL else None)
        if rows is not None:
            items = sorted(items, key=lambda kv: -kv[1])[:rows]
            self._top = 0 if items else -1
        self._items, self._unsure = items, unsure
        self.updateGeometry()
        self.update()

    def clear(self):
        self.set_probs([], [])

    def values(self) -> list[tuple[str, float]]:
        return list(self._items)

    def paintEvent(self, _e):
        painter = QPainter(self)
        pal = self.palette()
        label_w = min(110, self.width() // 3)
        pct_w = 46
        bar_w = max(10, self.width() - label_w - pct_w - 8)
        accent = UNSURE_COLOR if self._unsure else pal.color(QPalette.ColorRole.Highlight)
        plain = pal.color(QPalette.ColorRole.Mid)
        for i, (name, p) in enumerate(self._items):
            y = i * self.ROW
            top = i == self._top
            font = painter.font()
            font.setBold(top)
            painter.setFont(font)
            painter.setPen(pal.color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(0, y, label_w - 4, self.ROW),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            painter.fillRect(QRectF(label_w, y + 4, bar_w, self.ROW - 8), pal.color(QPalette.ColorRole.Base))
            painter.fillRect(QRectF(label_w, y + 4, bar_w * max(0.0, min(1.0, p)), self.ROW - 8),
                             accent if top else plain)
            painter.drawText(QRectF(label_w + bar_w + 4, y, pct_w, self.ROW),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{p:.0%}")
