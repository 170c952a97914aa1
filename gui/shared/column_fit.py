"""Column widths from a sample of a table's rows, for tables that may hold tens of thousands.

QTableView.resizeColumnsToContents reads every cell of every row while the table is hidden (as a
tab not yet shown is), which for ten thousand runs froze the window for seconds. The first and
last rows in the order shown are a fair sample of how wide a column's text runs.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

SAMPLE = 60      # rows measured at each end of the table
PADDING = 16     # the cell's margins and a little air
HEADER_EXTRA = 28  # the header's margins and its sort arrow


def fit_columns(view: QTableView, text: Callable[[int, int], str],
                most: dict[int, int] | None = None) -> None:
    """Set each column's width to its widest text among the sampled rows and its header's.
    `text(row, column)` is what the cell shows; `most` caps some columns (column -> pixels)."""
    model = view.model()
    rows = model.rowCount()
    sample = sorted(set(range(min(SAMPLE, rows))) | set(range(max(0, rows - SAMPLE), rows)))
    cell, head = view.fontMetrics(), view.horizontalHeader().fontMetrics()
    for col in range(model.columnCount()):
        title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        width = head.horizontalAdvance(title) + HEADER_EXTRA
        for row in sample:
            width = max(width, cell.horizontalAdvance(text(row, col)) + PADDING)
        view.setColumnWidth(col, min(width, (most or {}).get(col, width)))
