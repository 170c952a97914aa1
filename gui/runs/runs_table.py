"""The runs as a sortable, filterable table: a model over core.runs.store.RunRow, a proxy that sorts
by the values (not their text) and filters on words, and the view with its filter line.

Sorting compares the raw values (a loss of 0.31 before 1.2; a missing value first when ascending),
filtering keeps the runs whose text holds every word typed, in any order and any case.
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import (QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex,
                            QSortFilterProxyModel, Qt, Signal)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget


def _time(seconds: Optional[float]) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h {s // 60 % 60:02d}m"
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"


def _num(fmt: str) -> Callable:
    return lambda v: "" if v is None else fmt.format(v)


# (header, the value sorted on, how it is shown, right-aligned)
COLUMNS: list[tuple[str, Callable, Callable, bool]] = [
    ("Name", lambda r: r.title.lower(), None, False),
    ("Model", lambda r: r.model_name, None, False),
    ("Status", lambda r: r.status, None, False),
    ("Epochs", lambda r: r.epochs, str, True),
    ("Test loss", lambda r: r.model_loss, _num("{:.4f}"), True),
    ("Test acc", lambda r: r.model_acc, _num("{:.2f}%"), True),
    ("Best epoch", lambda r: r.best_epoch, _num("{}"), True),
    ("Time", lambda r: r.training_time, _time, True),
    ("Started", lambda r: r.started, None, False),
    ("LR", lambda r: r.lr, _num("{:g}"), True),
    ("Batch", lambda r: r.batch_size, _num("{}"), True),
    ("Optimizer", lambda r: r.optimizer, None, False),
    ("Note", lambda r: r.note, None, False),
]
NAME, MODEL, STATUS, EPOCHS, LOSS, ACC, BEST, TIME, STARTED, LR, BATCH, OPTIMIZER, NOTE = range(len(COLUMNS))
STATUS_COLORS = {"failed": "#cf222e", "interrupted": "#b35900", "running": "#1f6fc5"}


def display(row, column: int) -> str:
    """The cell's text: what the table shows and the CSV export writes."""
    if column == NAME:
        return row.title
    if column == STARTED:
        return row.created[:16]
    if column == NOTE:
        return row.note.replace("\n", " ")
    value = COLUMNS[column][1](row)
    show = COLUMNS[column][2]
    return show(value) if show else ("" if value is None else str(value))


def search_text(row) -> str:
    """What the filter looks in: the visible text, plus the run's id, device and folder."""
    parts = [display(row, c) for c in range(len(COLUMNS))]
    parts += [row.run_id, row.model_id, row.device, row.folder or "", row.source]
    return " ".join(parts).lower()


class RunsModel(QAbstractTableModel):
    """The rows, oldest first as the store gives them; RAW_ROLE gives the value a column sorts by."""
    RAW_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display(row, col)
        if role == self.RAW_ROLE:
            return COLUMNS[col][1](row)
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[col][3]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == STATUS and row.status in STATUS_COLORS:
            from PySide6.QtGui import QColor
            return QColor(STATUS_COLORS[row.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, col)
        return None


def tooltip(row, col: int) -> Optional[str]:
    if col == STATUS and row.error:
        return row.error
    if col == BEST and row.best_epoch is not None:
        value = "" if row.best_value is None else f": {row.best_by.replace('_', ' ')} {row.best_value:.4g}"
        return f"best epoch {row.best_epoch}{value}\n{row.best_checkpoint or ''}"
    if col == NOTE and row.note:
        return row.note
    if col == NAME:
        return f"{row.title}\n{row.run_id}"
    return None


class RunsProxy(QSortFilterProxyModel):
    """Sorts on the raw values (None before everything), filters on every typed word."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.words: list[str] = []
        self.setSortRole(RunsModel.RAW_ROLE)

    def set_filter(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 on: invalidateFilter is deprecated
            self.beginFilterChange()
            self.words = text.lower().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.words = text.lower().split()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        if not self.words:
            return True
        text = search_text(self.sourceModel().rows[source_row])
        return all(w in text for w in self.words)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802
        rows, col = self.sourceModel().rows, left.column()
        key = COLUMNS[col][1]
        a, b = key(rows[left.row()]), key(rows[right.row()])
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)


class RunsTable(QWidget):
    """The filter line over the table. `selection_changed` fires with the selected rows."""
    selection_changed = Signal()
    activated = Signal()  # Enter or a double click on a run

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = RunsModel(self)
        self.proxy = RunsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs: words in the name, model, status, note, id… (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_filter)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(STARTED, Qt.SortOrder.AscendingOrder)  # oldest first, as stored
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the note takes what is left
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.view.doubleClicked.connect(lambda *_: self.activated.emit())
        self._sized = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.view, 1)

    def set_rows(self, rows: list) -> None:
        """New rows (a refresh): the selected runs stay selected, the current one current."""
        selected = self.selected_ids()
        current = self.current_row()
        self.view.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        self.select_ids(selected, current.run_id if current else None)
        self.view.selectionModel().blockSignals(False)
        if not self._sized and rows:  # once: later the user's widths stay
            self._sized = True
            self.view.resizeColumnsToContents()
            for col, most in ((NAME, 260), (NOTE, 400)):
                self.view.setColumnWidth(col, min(self.view.columnWidth(col), most))
        self.selection_changed.emit()

    def select_ids(self, run_ids: list[str], current: Optional[str] = None) -> None:
        selection = QItemSelection()
        current_index = None
        for r, row in enumerate(self.model.rows):
            if row.run_id in run_ids:
                index = self.proxy.mapFromSource(self.model.index(r, 0))
                if index.isValid():
                    selection.select(index, index.siblingAtColumn(len(COLUMNS) - 1))
                    if row.run_id == current or current_index is None:
                        current_index = index
        sm = self.view.selectionModel()
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if current_index is not None:
            sm.setCurrentIndex(current_index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def _row_at(self, proxy_index: QModelIndex):
        return self.model.rows[self.proxy.mapToSource(proxy_index).row()]

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
        return [self._row_at(self.proxy.index(r, 0)) for r in range(self.proxy.rowCount())]
