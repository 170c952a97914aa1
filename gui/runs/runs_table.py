"""The runs table with its filter line: gui.runs.runs_model's model in a view that reads only the
rows on screen, keeps the selection through refreshes, sorts and filters, and counts a running
run's time up once a second (only the rows on screen are redrawn for it).
"""
from __future__ import annotations

from operator import attrgetter
from typing import Optional

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from gui.runs.runs_model import COLUMNS, NAME, NOTE, STARTED, TIME, RunsModel, display
from gui.shared.column_fit import fit_columns
from gui.shared.row_tables import read_only_rows

TICK_MS = 1000  # how often a running run's time is redrawn
WIDEST = {NAME: 260, NOTE: 400}  # column widths the first fit does not go past
STATUS_OF = attrgetter("status")


class RunsTable(QWidget):
    """The filter line over the table. `selection_changed` fires with the selected rows."""
    selection_changed = Signal()
    activated = Signal()  # Enter or a double click on a run

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = RunsModel(self)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs: words in the name, model, status, note, id… (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.set_filter)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(STARTED, Qt.SortOrder.AscendingOrder)  # oldest first, as stored
        read_only_rows(self.view)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # A line of text and a little air per row (the style's default is half as tall again):
        # more of the history shows above the curves.
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the note takes what is left
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.view.doubleClicked.connect(lambda *_: self.activated.emit())
        self._sized = False
        self.ticker = QTimer(self)  # runs while a listed run is training
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.view, 1)

    def set_rows(self, rows: list) -> None:
        """New rows (a refresh): the selected runs stay selected, the current one current."""
        self._keeping_selection(lambda: self.model.set_rows(rows))
        if not self._sized and rows:  # once: later the user's widths stay
            self._sized = True
            fit_columns(self.view, lambda r, c: display(self.model.row_at(r), c), WIDEST)
        if "running" in map(STATUS_OF, self.model.rows):
            self.ticker.start()
        else:
            self.ticker.stop()

    def set_filter(self, text: str) -> None:
        self._keeping_selection(lambda: self.model.set_filter(text))

    def _keeping_selection(self, change) -> None:
        """Make a change that resets the model, then select again the runs selected before that
        are still shown; `selection_changed` once, after."""
        selected = self.selected_ids()
        current = self.current_row()
        sm = self.view.selectionModel()
        sm.blockSignals(True)
        try:
            change()
            self.select_ids(selected, current.run_id if current else None)
        finally:
            sm.blockSignals(False)
        self.view.viewport().update()
        self.selection_changed.emit()

    def tick(self) -> None:
        """Redraw the time of the running runs on screen."""
        if not self.view.isVisible():
            return
        first = self.view.rowAt(0)
        if first < 0:
            return
        last = self.view.rowAt(self.view.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        for p in self.model.running_positions(first, last):
            cell = self.model.index(p, TIME)
            self.model.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])

    def select_ids(self, run_ids: list[str], current: Optional[str] = None) -> None:
        wanted = set(run_ids)
        model = self.model
        positions = [p for p, i in enumerate(model.order) if model.rows[i].run_id in wanted] \
            if wanted else []
        selection = QItemSelection()
        last_col = len(COLUMNS) - 1
        start = None
        for k, p in enumerate(positions):  # one range per run of neighbouring rows
            if start is None:
                start = p
            if k + 1 == len(positions) or positions[k + 1] != p + 1:
                selection.select(model.index(start, 0), model.index(p, last_col))
                start = None
        current_index = None
        for p in positions:
            if current_index is None or model.row_at(p).run_id == current:
                current_index = model.index(p, 0)
        sm = self.view.selectionModel()
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if current_index is not None:
            sm.setCurrentIndex(current_index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def _row_at(self, index: QModelIndex):
        return self.model.row_at(index.row())

    def selected_rows(self) -> list:
        """The selected runs, in the order the table shows them."""
        indexes = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [self._row_at(i) for i in indexes]

    def selected_ids(self) -> list[str]:
        return [r.run_id for r in self.selected_rows()]

    def current_row(self):
        """The run the keyboard is on if it is selected, else the first selected one."""
        index = self.view.selectionModel().currentIndex()
        if index.isValid() and self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return self._row_at(index)
        rows = self.selected_rows()
        return rows[0] if rows else None

    def visible_rows(self) -> list:
        """The runs the table shows (filtered), in its order."""
        return self.model.shown()
