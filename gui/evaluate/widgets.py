"""Small pieces every evaluation view shares: the empty state, image tiles and numeric tables."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QScrollArea, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from gui.shared.row_tables import read_only_rows

RIGHT = "#1a7f37"   # green and red as the seed's plots use them, dark enough to read on white
WRONG = "#cf222e"


def qimage_from_u8(image: np.ndarray) -> QImage:
    """A uint8 image as stored in a data set, grey [H, W] or [1, H, W] or RGB [3, H, W], as a
    QImage that owns its bytes."""
    a = np.asarray(image, dtype=np.uint8)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        a = np.ascontiguousarray(a)
        h, w = a.shape
        return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()  # copy: own the bytes
    rgb = np.ascontiguousarray(a.transpose(1, 2, 0))  # channels last, as QImage lays them out
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def pixmap_from_u8(image: np.ndarray, size: int) -> QPixmap:
    """A data set's uint8 image as a square pixmap `size` wide. Fashion-MNIST's grey 28x28 items
    are scaled without smoothing, so their pixels stay crisp; colour photos smoothly, as any
    picture viewer shows them (blocky 64x64 photos are hard to recognise)."""
    colour = np.ndim(image) == 3 and np.shape(image)[0] == 3
    mode = Qt.TransformationMode.SmoothTransformation if colour else Qt.TransformationMode.FastTransformation
    return QPixmap.fromImage(qimage_from_u8(image)).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                           mode)


class StateStack(QStackedWidget):
    """A view's content, or a message in its place: a view is never a blank widget."""

    def __init__(self, content: QWidget, message: str, parent=None):
        super().__init__(parent)
        self.message = QLabel(message)
        self.message.setObjectName("emptyState")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: palette(placeholder-text); font-size: 14px; padding: 24px;")
        self.addWidget(self.message)
        self.addWidget(content)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.setCurrentIndex(0)

    def show_content(self) -> None:
        self.setCurrentIndex(1)

    @property
    def is_empty(self) -> bool:
        return self.currentIndex() == 0


class ImageTile(QWidget):
    """One image with a caption under it, optionally coloured (right / wrong)."""

    def __init__(self, size: int = 112, parent=None):
        super().__init__(parent)
        self.size = size
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.image)
        lay.addWidget(self.caption)

    def set_image(self, image: np.ndarray, caption: str, color: str | None = None) -> None:
        self.image.setPixmap(pixmap_from_u8(image, self.size))
        self.caption.setText(caption)
        self.caption.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")

    def clear(self) -> None:
        self.image.clear()
        self.caption.clear()


class TileBoard(QWidget):
    """A header line with a Reshuffle button over a rows x cols grid of ImageTiles.

    Subclasses pick which images to show in shuffle(); `rng` is seeded for reproducible picks.
    """

    def __init__(self, rows: int, cols: int, size: int, parent=None, seed: int | None = None):
        super().__init__(parent)
        self.rng = np.random.default_rng(seed)
        self.header = QLabel()
        self.reshuffle = QPushButton("Reshuffle")
        self.reshuffle.clicked.connect(self.shuffle)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.reshuffle)
        box = QWidget()
        grid = QGridLayout(box)
        self.tiles = [ImageTile(size) for _ in range(rows * cols)]
        for i, t in enumerate(self.tiles):
            grid.addWidget(t, i // cols, i % cols)
        # Scrolled rather than shown whole: the grid's height would otherwise be the minimum
        # height of the whole Evaluate tab (a tab stack is as tall as its tallest page).
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(box)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        self.indices = np.empty(0, dtype=np.int64)

    def shuffle(self) -> None:
        raise NotImplementedError


class NumberTable(QTableWidget):
    """A read-only table of dict rows, numbers right-aligned."""

    def __init__(self, columns: list[tuple[str, str]], parent=None):
        super().__init__(0, len(columns), parent)
        self.keys = [k for k, _ in columns]
        self.setHorizontalHeaderLabels([label for _, label in columns])
        read_only_rows(self)

    def set_rows(self, rows: list[dict], fmt: dict | None = None) -> None:
        fmt = fmt or {}
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, key in enumerate(self.keys):
                value = row.get(key)
                text = "" if value is None else fmt.get(key, "{}").format(value)
                item = QTableWidgetItem(text)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)
        self.resizeColumnsToContents()

    def set_row_color(self, row: int, color: str) -> None:
        for c in range(self.columnCount()):
            self.item(row, c).setForeground(QColor(color))

    def cells(self) -> list[list[str]]:
        """The header and every row as shown: what the CSV export writes."""
        header = [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]
        return [header] + [[self.item(r, c).text() if self.item(r, c) else ""
                            for c in range(self.columnCount())] for r in range(self.rowCount())]
