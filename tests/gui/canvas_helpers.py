"""Shared by the canvas tests: a panel that always shuts its thread, and simulated mouse strokes."""
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def mouse(widget, kind, pos, buttons=Qt.MouseButton.LeftButton):
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else buttons
    p = QPointF(*pos)
    ev = QMouseEvent(kind, p, widget.mapToGlobal(p), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def stroke(surface, canvas_points, steps=8):
    """Press, move through the points (given in 0..280 canvas pixels) in small steps, release."""
    pts = [surface.from_canvas(QPointF(*p)) for p in canvas_points]
    mouse(surface, QEvent.Type.MouseButtonPress, (pts[0].x(), pts[0].y()))
    for a, b in zip(pts, pts[1:]):
        for k in range(1, steps + 1):
            t = k / steps
            mouse(surface, QEvent.Type.MouseMove, (a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t))
    mouse(surface, QEvent.Type.MouseButtonRelease, (pts[-1].x(), pts[-1].y()))


def make_panel(qtbot):
    from gui.draw.canvas_panel import CanvasPanel
    panel = CanvasPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 760)
    panel.show()
    return panel


def wait_for_revision(qtbot, panel, timeout=10000):
    """Until the bars show an answer for the drawing as it is now."""
    qtbot.waitUntil(lambda: panel.last_prediction is not None
                    and panel.last_prediction.revision == panel.surface.revision, timeout=timeout)
    return panel.last_prediction
