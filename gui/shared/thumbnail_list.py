"""A grid of picture thumbnails (Evaluate's gallery and suspect labels, the Draw tab's personal
set), set up one way."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QListWidget


def thumbnail_list(thumb: int, cell: QSize, fixed: bool = True) -> QListWidget:
    """Icons of `thumb` pixels in cells of `cell` (room for a caption), reflowed as the list is
    resized. `fixed`: the icons cannot be dragged about, and all cells are the same size (a
    long list lays out at once)."""
    view = QListWidget()
    view.setViewMode(QListWidget.ViewMode.IconMode)
    view.setIconSize(QSize(thumb, thumb))
    view.setGridSize(cell)
    view.setResizeMode(QListWidget.ResizeMode.Adjust)
    if fixed:
        view.setMovement(QListWidget.Movement.Static)
        view.setUniformItemSizes(True)
    return view
