"""Small arrays shown big: the model input (28x28 grey, or a colour picture), feature maps, and a
heat map over the input."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.shared.copy_save import VIEW


def _gray_image(a: np.ndarray) -> QImage:
    u8 = np.ascontiguousarray((np.clip(a, 0, 1) * 255).astype(np.uint8))
    return QImage(u8.data, u8.shape[1], u8.shape[0], u8.shape[1],
                  QImage.Format.Format_Grayscale8).copy()


def _rgb_image(a: np.ndarray) -> QImage:
    """A [3, H, W] picture in 0..1 (a photo model's input) as an RGB QImage."""
    rgb = np.ascontiguousarray((np.clip(np.asarray(a, np.float32), 0, 1) * 255).round()
                               .astype(np.uint8).transpose(1, 2, 0))
    return QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3,
                  QImage.Format.Format_RGB888).copy()


def _heat_image(gray: np.ndarray, heat: np.ndarray) -> QImage:
    """The input in gray with the heat blended in as red-to-yellow, so strokes stay visible."""
    g = np.clip(gray, 0, 1)[..., None] * 0.6
    h = np.clip(heat, 0, 1)[..., None]
    hot = np.concatenate([np.ones_like(h), h, np.zeros_like(h)], axis=2)  # red -> yellow
    rgb = np.ascontiguousarray(((g * (1 - h) + hot * h) * 255).astype(np.uint8))
    return QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3,
                  QImage.Format.Format_RGB888).copy()


class PixelView(QWidget):
    """Tiles one or more 2-D arrays (each scaled to its own 0..1) with nearest-neighbour zoom."""

    def __init__(self, tile: int = 112, parent=None):
        super().__init__(parent)
        self._images: list[QImage] = []
        self._cols = 1
        self._tile = tile
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setProperty(VIEW, True)  # Ctrl+C and Copy image / Save as PNG, SVG (gui/shared/copy_save.py)

    def sizeHint(self) -> QSize:
        rows = max(1, -(-max(1, len(self._images)) // self._cols))
        return QSize(self._cols * (self._tile + 2), rows * (self._tile + 2))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def show_arrays(self, arrays, cols: int = 1, normalise: bool = True):
        imgs = []
        for a in arrays:
            a = np.asarray(a, np.float32)
            top = float(a.max()) if normalise else 1.0
            imgs.append(_gray_image(a / top if top > 0 else a))
        self._set(imgs, cols)

    def show_rgb(self, picture: np.ndarray):
        """One colour picture, [3, H, W] in 0..1, as it is (no rescaling)."""
        self._set([_rgb_image(picture)], 1)

    def show_heat(self, gray: np.ndarray, heat: np.ndarray):
        self._set([_heat_image(gray, heat)], 1)

    def clear(self):
        self._set([], self._cols)

    def _set(self, images, cols):
        relayout = len(images) != len(self._images) or cols != self._cols
        self._images, self._cols = images, max(1, cols)
        if relayout:
            self.updateGeometry()
        self.update()

    def paintEvent(self, _e):
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp pixels
        for i, img in enumerate(self._images):
            r, c = divmod(i, self._cols)
            painter.drawImage(QRectF(c * (self._tile + 2), r * (self._tile + 2),
                                     self._tile, self._tile), img)
        if not self._images:
            painter.setPen(self.palette().mid().color())
            painter.drawRect(0, 0, self._tile, self._tile)
            painter.drawText(QRectF(0, 0, self._tile, self._tile), Qt.AlignmentFlag.AlignCenter, "—")
