"""The square drawing surface: brush (with tablet pressure), eraser, fill, clear, open, undo/redo.

The drawing is kept as "ink" (0 = none, 255 = full) in a 280x280 8-bit image, ten times the model's
28x28, whatever the colours on screen: switching light-on-dark / dark-on-light only changes how it
is shown and handed to the model (core.pictures.framing inverts a light background itself).
"""
from __future__ import annotations

import enum

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QUndoStack
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.pictures.flood_fill import flood_region
from gui.draw.undo_commands import ImageCommand
from gui.shared.copy_save import VIEW

SIZE = 280
UNDO_LIMIT = 200   # 200 strokes x two 77 kB snapshots: at most ~31 MB


class Tool(enum.Enum):
    BRUSH = "brush"
    ERASER = "eraser"
    FILL = "fill"


def qimage_to_array(img: QImage) -> np.ndarray:
    """A copy of an 8-bit grayscale QImage as uint8 [H, W] (rows may be padded in the QImage)."""
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return a[:, :img.width()].copy()


def array_to_qimage(a: np.ndarray) -> QImage:
    a = np.ascontiguousarray(a, dtype=np.uint8)
    return QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()


def gray_to_ink(gray: np.ndarray) -> np.ndarray:
    """A picture (0..1 gray, any size) as ink on the square canvas: letterboxed, background = 0."""
    from PIL import Image
    g = np.asarray(gray, np.float32)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    ink = 1.0 - g if np.median(border) > 0.5 else g          # ink is whatever differs from paper
    h, w = ink.shape
    scale = SIZE / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray((ink * 255).clip(0, 255).astype(np.uint8)).resize(
        (nw, nh), Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR)
    out = np.full((SIZE, SIZE), np.median(ink[[0, -1]]) * 255, np.uint8)  # pad with its own paper
    top, left = (SIZE - nh) // 2, (SIZE - nw) // 2
    out[top:top + nh, left:left + nw] = np.asarray(small)
    return out


class DrawSurface(QWidget):
    changed = Signal(int)          # the new revision; on every painted segment, undo, redo, ...
    stroke_finished = Signal(int)  # a stroke, fill, clear or open is complete: worth a full look

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ink = QImage(SIZE, SIZE, QImage.Format.Format_Grayscale8)
        self._ink.fill(0)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.tool = Tool.BRUSH
        self.brush_size = 22.0           # in canvas pixels: about two model pixels wide
        self.light_on_dark = True
        self.revision = 0
        self._before = None              # the image when the current stroke began
        self._last = QPointF()
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Draw with the mouse or a pen. B brush, E eraser, F fill, [ ] brush size")
        self.setAccessibleName("Drawing canvas")
        self.setProperty(VIEW, True)  # Ctrl+C copies the drawing; its context menu saves it
        self.stroke_finished.connect(self._describe)
        self._describe()

    def _describe(self, *_) -> None:
        """What a screen reader says of the canvas: blank or drawn on, the tool, the keys."""
        self.setAccessibleDescription(
            f"{'Blank' if self.is_blank() else 'Drawn on'}; {self.tool.name.lower()} "
            f"{self.brush_size:.0f} pixels. Draw with the mouse or a pen; B brush, E eraser, "
            "F fill, [ and ] brush size.")

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    # ---- the picture ------------------------------------------------------------------------
    def image(self) -> QImage:
        return self._ink.copy()

    def ink(self) -> np.ndarray:
        return qimage_to_array(self._ink)

    def model_gray(self) -> np.ndarray:
        """The picture as shown, 0..1 float: what goes through core.pictures.framing.to_model_input."""
        a = qimage_to_array(self._ink).astype(np.float32) / 255.0
        return a if self.light_on_dark else 1.0 - a

    def is_blank(self) -> bool:
        return not qimage_to_array(self._ink).any()

    def set_image(self, img: QImage):
        """Replace the picture (the undo commands' one way in)."""
        self._ink = img.convertToFormat(QImage.Format.Format_Grayscale8).copy()
        self._bump()
        self.stroke_finished.emit(self.revision)

    def set_light_on_dark(self, light: bool):
        if light != self.light_on_dark:
            self.light_on_dark = light
            self._bump()
            self.stroke_finished.emit(self.revision)

    def _bump(self, dirty: QRectF | None = None):
        self.revision += 1
        self.update(dirty.toAlignedRect() if dirty is not None else self.rect())
        self.changed.emit(self.revision)

    def _replace(self, after: np.ndarray | QImage, text: str):
        after = after if isinstance(after, QImage) else array_to_qimage(after)
        self.undo_stack.push(ImageCommand(self, self._ink.copy(), after, text))

    def clear(self):
        if not self.is_blank():
            self._replace(np.zeros((SIZE, SIZE), np.uint8), "Clear")

    def load_gray(self, gray: np.ndarray):
        """Put an opened picture on the canvas (undoable; draw on it like on anything else)."""
        self._replace(gray_to_ink(gray), "Open image")

    def fill_at(self, p: QPointF):
        """Fill the closed area around p with ink (paint-program style: an open outline leaks)."""
        r, c = int(min(max(p.y(), 0), SIZE - 1)), int(min(max(p.x(), 0), SIZE - 1))
        ink = qimage_to_array(self._ink)
        # Anti-aliased edge pixels under half ink count as open, so the fill meets the line, no gap.
        region = flood_region(ink < 128, r, c)
        if region.any():
            # One pixel further too: the outline's soft inner edge (128..254) would otherwise stay
            # as faint grey seams inside the fill. Those pixels are ink already, so nothing leaks.
            grown = region.copy()
            grown[1:] |= region[:-1]
            grown[:-1] |= region[1:]
            grown[:, 1:] |= region[:, :-1]
            grown[:, :-1] |= region[:, 1:]
            ink[grown & ((ink >= 128) | region)] = 255
            self._replace(ink, "Fill")

    # ---- strokes ----------------------------------------------------------------------------
    def _canvas_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_canvas(self, pos: QPointF) -> QPointF:
        r = self._canvas_rect()
        return QPointF((pos.x() - r.x()) * SIZE / r.width(), (pos.y() - r.y()) * SIZE / r.height())

    def from_canvas(self, p: QPointF) -> QPointF:
        r = self._canvas_rect()
        return QPointF(r.x() + p.x() * r.width() / SIZE, r.y() + p.y() * r.height() / SIZE)

    def _begin(self, pos: QPointF, pressure: float):
        p = self.to_canvas(pos)
        if self.tool is Tool.FILL:
            self.fill_at(p)
            return
        self._before = self._ink.copy()
        self._last = p
        self._segment(p, pressure)

    def _segment(self, p: QPointF, pressure: float):
        if self._before is None:
            return
        width = max(1.0, self.brush_size * (pressure if pressure > 0 else 1.0))
        painter = QPainter(self._ink)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = QColor(0, 0, 0) if self.tool is Tool.ERASER else QColor(255, 255, 255)
        painter.setPen(QPen(ink, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        painter.drawLine(self._last, p)
        painter.end()
        pad = width / 2 + 2
        dirty = QRectF(self.from_canvas(self._last), self.from_canvas(p)).normalized()
        scale = self._canvas_rect().width() / SIZE
        self._last = p
        self._bump(dirty.adjusted(-pad * scale, -pad * scale, pad * scale, pad * scale))

    def _end(self):
        if self._before is None:
            return
        before, self._before = self._before, None
        text = "Erase" if self.tool is Tool.ERASER else "Stroke"
        self.undo_stack.push(ImageCommand(self, before, self._ink.copy(), text, applied=True))
        self.stroke_finished.emit(self.revision)

    def mousePressEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton:
            self._begin(e.position(), 1.0)

    def mouseMoveEvent(self, e):
        if e.buttons() & Qt.MouseButton.LeftButton:
            self._segment(self.to_canvas(e.position()), 1.0)

    def mouseReleaseEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton:
            self._end()

    def tabletEvent(self, e):
        """A pen: pressure scales the brush. Accepting stops Qt from also sending mouse events."""
        kind = e.type()
        if kind == e.Type.TabletPress:
            self._begin(e.position(), e.pressure())
        elif kind == e.Type.TabletMove:
            self._segment(self.to_canvas(e.position()), e.pressure())
        elif kind == e.Type.TabletRelease:
            self._end()
        e.accept()

    def paintEvent(self, _e):
        painter = QPainter(self)
        img = self._ink
        if not self.light_on_dark:
            img = img.copy()
            img.invertPixels()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = self._canvas_rect()
        painter.drawImage(r, img)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(r.adjusted(-1, -1, 0, 0))
