"""The runs as a table model that stays quick with ten thousand of them: it sorts and filters
itself in plain Python, and Qt asks it only for the cells on screen.

Sorting compares the raw values (a loss of 0.31 before 1.2; a missing value first when ascending)
in one sorted() over the runs; filtering keeps the runs whose text holds every word typed, in any
order and any case. A QSortFilterProxyModel called a Python lessThan some n·log n times instead,
which with a few thousand runs froze the window for seconds.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


def _time(seconds: Optional[float]) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h {s // 60 % 60:02d}m"
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"


def _num(fmt: str) -> Callable:
    return lambda v: "" if v is None else fmt.format(v)


def seconds(row) -> float:
    """Its training time; for a run still training, the time since it started (the store writes
    the training time when the run ends)."""
    if row.status == "running":
        return max(0.0, time.time() - row.started)
    return row.training_time


# (header, the value sorted on, how it is shown, right-aligned)
COLUMNS: list[tuple[str, Callable, Optional[Callable], bool]] = [
    ("Name", lambda r: r.title.lower(), None, False),
    ("Model", lambda r: r.model_name, None, False),
    ("Status", lambda r: r.status, None, False),
    ("Epochs", lambda r: r.epochs, str, True),
    ("Test loss", lambda r: r.model_loss, _num("{:.4f}"), True),
    ("Test acc", lambda r: r.model_acc, _num("{:.2f}%"), True),
    ("Best epoch", lambda r: r.best_epoch, _num("{}"), True),
    ("Time", seconds, _time, True),
    ("Started", lambda r: r.started, None, False),
    ("LR", lambda r: r.lr, _num("{:g}"), True),
    ("Batch", lambda r: r.batch_size, _num("{}"), True),
    ("Optimizer", lambda r: r.optimizer, None, False),
    # What its training found (core/train/diagnoses.py): the codes here, the words in the tooltip
    ("Diagnoses", lambda r: ", ".join(d["code"] for d in r.diagnoses), None, False),
    ("Note", lambda r: r.note, None, False),
]
(NAME, MODEL, STATUS, EPOCHS, LOSS, ACC, BEST, TIME, STARTED, LR, BATCH, OPTIMIZER, DIAGNOSES,
 NOTE) = range(len(COLUMNS))
STATUS_COLORS = {"failed": "#cf222e", "interrupted": "#b35900", "running": "#1f6fc5"}
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


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


def tooltip(row, col: int) -> Optional[str]:
    if col == STATUS and row.error:
        return row.error
    if col == BEST and row.best_epoch is not None:
        value = "" if row.best_value is None else f": {row.best_by.replace('_', ' ')} {row.best_value:.4g}"
        return f"best epoch {row.best_epoch}{value}\n{row.best_checkpoint or ''}"
    if col == NOTE and row.note:
        return row.note
    if col == DIAGNOSES and row.diagnoses:
        return diagnoses_text(row.diagnoses)
    if col == NAME:
        return f"{row.title}\n{row.run_id}"
    return None


def diagnoses_text(diagnoses: list) -> str:
    """A run's findings in words: what, the numbers, what to try."""
    return "\n\n".join(f"{d['code']}: {d['says']} {d.get('evidence', '')}. Try: {d.get('try', '')}"
                       for d in diagnoses)


def sort_order(rows: list, column: int, descending: bool) -> list[int]:
    """The indexes of `rows` sorted on a column's raw values, missing ones first when ascending;
    equal values keep the store's order (oldest first)."""
    key = COLUMNS[column][1]
    values = [key(r) for r in rows]
    missing = [i for i, v in enumerate(values) if v is None]
    known = [i for i, v in enumerate(values) if v is not None] if missing else range(len(values))
    try:  # sorted() is stable, also in reverse: equal values keep the store's order
        known = sorted(known, key=values.__getitem__, reverse=descending)
    except TypeError:  # values of mixed kinds in one column: compared as text
        text = [str(v) for v in values]
        known = sorted(known, key=text.__getitem__, reverse=descending)
    return known + missing if descending else missing + known


class RunsModel(QAbstractTableModel):
    """Every run (`rows`, oldest first as the store gives them) and the ones shown (`order`:
    indexes into `rows`, sorted and filtered). RAW_ROLE gives the value a column sorts by."""
    RAW_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []
        self.order: list[int] = []
        self.column, self.descending = STARTED, False
        self.words: list[str] = []
        self._sorted: list[int] = []               # every row in sort order; the filter picks
        self._texts: Optional[list[str]] = None    # each row's search text, made when first needed
        self._where: Optional[dict[int, int]] = None  # row index -> its position shown, when asked

    # -- what is shown ----------------------------------------------------------------------------
    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._texts = None
        self._sorted = sort_order(self.rows, self.column, self.descending)
        self._filter()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Keep the runs whose text holds every word of `text` (a reset: the caller keeps the
        selection)."""
        self.beginResetModel()
        self.words = text.lower().split()
        self._filter()
        self.endResetModel()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:  # Qt calls it
        """Sort on a column; the selection and the current run move with their rows."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        runs = [self.order[i.row()] if i.isValid() else None for i in old]
        self.column, self.descending = column, order == Qt.SortOrder.DescendingOrder
        self._sorted = sort_order(self.rows, column, self.descending)
        self._filter()
        where = self.where()
        self.changePersistentIndexList(old, [self.index(where[r], i.column()) if r in where
                                             else QModelIndex() for r, i in zip(runs, old)])
        self.layoutChanged.emit()

    def _filter(self) -> None:
        if self.words:
            if self._texts is None:
                self._texts = [search_text(r) for r in self.rows]
            texts, words = self._texts, self.words
            self.order = [i for i in self._sorted if all(w in texts[i] for w in words)]
        else:
            self.order = self._sorted
        self._where = None

    def where(self) -> dict[int, int]:
        """Row index in `rows` -> its position in the table, for the rows shown."""
        if self._where is None:
            self._where = {r: pos for pos, r in enumerate(self.order)}
        return self._where

    def row_at(self, position: int):
        return self.rows[self.order[position]]

    def shown(self) -> list:
        return [self.rows[i] for i in self.order]

    # -- Qt's reading -------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.row_at(index.row()), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display(row, col)
        if role == self.RAW_ROLE:
            return COLUMNS[col][1](row)
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[col][3]:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col == STATUS and row.status in STATUS_COLORS:
            from PySide6.QtGui import QColor
            return QColor(STATUS_COLORS[row.status])
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, col)
        return None

    def running_positions(self, first: int, last: int) -> list[int]:
        """The positions in first..last (inclusive) of runs still training."""
        return [p for p in range(max(0, first), min(last, len(self.order) - 1) + 1)
                if self.row_at(p).status == "running"]
