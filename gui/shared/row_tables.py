"""The read-only tables of rows (runs, per-class figures, the comparison, a sweep's runs, the
keyboard shortcuts) set up one way."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def read_only_rows(view: QTableView) -> None:
    """Whole rows selected, no row numbers, nothing edited in place, and Tab leaves the table
    (the arrow keys move within it): Qt's tables take Tab from cell to cell otherwise, and a
    keyboard user could not get past the Runs table's hundreds of cells."""
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.setTabKeyNavigation(False)
