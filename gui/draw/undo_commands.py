"""Undo/redo: every change to the drawing (stroke, erase, fill, clear, open) is one image swap."""
from __future__ import annotations

from PySide6.QtGui import QImage, QUndoCommand


class ImageCommand(QUndoCommand):
    """Swaps the surface's image between `before` and `after`.

    A stroke is painted live while the mouse moves, so its command is pushed already applied and
    its first redo() (which QUndoStack.push calls) must not repaint; fill, clear and open apply in
    redo() like any command. Whole 280x280 8-bit snapshots (77 kB each) keep undo exact and simple.
    """

    def __init__(self, surface, before: QImage, after: QImage, text: str, applied: bool = False):
        super().__init__(text)
        self._surface, self._before, self._after = surface, before, after
        self._skip_redo = applied

    def redo(self):
        if self._skip_redo:
            self._skip_redo = False
            return
        self._surface.set_image(self._after)

    def undo(self):
        self._surface.set_image(self._before)
