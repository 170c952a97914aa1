"""The seed's compare_results: every saved run in a table, the latest runs' accuracy as bars beside it.

The table reads only the rows on screen (a model over the records, not an item per cell), so a
history of ten thousand runs is listed in the time of a few dozen.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QSplitter, QTableView, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from gui.evaluate.data_sets import data_label
from gui.evaluate.still_plot import still_plot
from gui.shared.column_fit import fit_columns
from gui.shared.row_tables import read_only_rows

COLUMNS = [("model_name", "model_name"), ("model_loss", "model_loss"), ("model_acc", "model_acc"),
           ("training_time", "training_time"), ("epochs", "epochs"), ("device", "device"),
           ("optimizer", "optimizer"), ("data", "data set")]
FMT = {"model_loss": "{:.4f}", "model_acc": "{:.2f}", "training_time": "{:.1f}"}
BAR = "#1f6fc5"
BAR_SELECTED = "#d4610b"
MAX_BARS = 30
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _value(record, key: str):
    # which data set: accuracies on Fashion-MNIST and on a folder of photos do not compare
    return data_label(record) if key == "data" else getattr(record, key, None)


class RecordsModel(QAbstractTableModel):
    """The records, one per row, each cell formatted when Qt asks for it (only rows on screen)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list = []

    def set_records(self, records: list) -> None:
        self.beginResetModel()
        self.records = records
        self.endResetModel()

    def text(self, row: int, col: int) -> str:
        key = COLUMNS[col][0]
        value = _value(self.records[row], key)
        return "" if value is None else FMT.get(key, "{}").format(value)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            value = _value(self.records[index.row()], COLUMNS[index.column()][0])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return RIGHT
        return None


class RecordsTable(QTableView):
    """A read-only table of the records, whole rows selected; `cells()` for the CSV export."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records_model = RecordsModel(self)
        self.setModel(self.records_model)
        read_only_rows(self)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)

    def set_records(self, records: list) -> None:
        self.records_model.set_records(records)
        fit_columns(self, self.text)  # from a sample of the rows: not every row's text

    def rowCount(self) -> int:  # noqa: N802 - as QTableWidget's
        return self.records_model.rowCount()

    def text(self, row: int, col: int) -> str:
        return self.records_model.text(row, col)

    def header_text(self, col: int) -> str:
        return COLUMNS[col][1]

    def item(self, row: int, col: int) -> QTableWidgetItem:  # as QTableWidget's, one cell's copy
        return QTableWidgetItem(self.text(row, col))

    def horizontalHeaderItem(self, col: int) -> QTableWidgetItem:  # noqa: N802 - as QTableWidget's
        return QTableWidgetItem(self.header_text(col))

    def cells(self) -> list[list[str]]:
        """The header and every row as shown: what the CSV export writes."""
        n = len(COLUMNS)
        return [[self.header_text(c) for c in range(n)]] + [[self.text(r, c) for c in range(n)]
                                                       for r in range(self.rowCount())]


class ComparisonView(QWidget):
    selected = Signal(str)  # run_id, when the user picks a row

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list = []
        self.table = RecordsTable()
        self._quiet = False  # True while the view itself changes the selection
        self._drawn: list = []  # what the bars show
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.chart, item = still_plot()  # first run on top, as in the table
        item.setLabel("bottom", "test accuracy (%)")
        item.setXRange(0, 100, padding=0.02)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=[], width=[])
        item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([620, 380])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    def set_records(self, records: list) -> None:
        """`records` are core.runs.legacy_json.RunRecord objects, oldest first."""
        current = self.current_run()
        self.records = list(records)
        self._quiet = True
        try:
            self.table.set_records(self.records)
        finally:
            self._quiet = False
        self.select_run(current)

    def select_run(self, run_id: str | None) -> None:
        """Highlight a run without emitting `selected` (the caller already knows)."""
        self._quiet = True
        try:
            self.table.clearSelection()
            for row, r in enumerate(self.records):
                if r.run_id == run_id:
                    self.table.selectRow(row)
        finally:
            self._quiet = False
        self._draw_bars()

    def current_run(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.records[rows[0].row()].run_id if rows else None

    def _on_selection(self, *_) -> None:
        if self._quiet:
            return
        self._draw_bars()
        run_id = self.current_run()
        if run_id is not None:
            self.selected.emit(run_id)

    def _draw_bars(self) -> None:
        """Bars for the latest MAX_BARS runs (and the selected one): readable, and a history of
        a thousand runs costs a few dozen labels, not a thousand."""
        item = self.chart.getPlotItem()
        selected = self.table.selectionModel().selectedRows()
        picked = selected[0].row() if selected else None
        current = self.records[picked].run_id if selected else None
        first = max(0, len(self.records) - MAX_BARS)
        rows = sorted({*range(first, len(self.records)), *([picked] if selected else [])})
        shown = [(i, self.records[i]) for i in rows]
        drawn = [(i, r.run_id, r.model_name, r.model_acc) for i, r in shown] + [current]
        if drawn == self._drawn:
            return  # as drawn already (the panel selects right after listing, for one)
        self._drawn = drawn
        n = len(shown)
        acc = np.array([r.model_acc or 0.0 for _, r in shown], dtype=float)
        brushes = [BAR_SELECTED if r.run_id == current else BAR for _, r in shown]
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), height=0.6, width=acc, brushes=brushes)
        # the run number as in the table: two runs of the same model stay distinguishable
        item.getAxis("left").setTicks([[(k, f"{i + 1}. {r.model_name}") for k, (i, r) in enumerate(shown)]])
        for t in self.labels[n:]:  # the labels are kept and moved: making them is the slow part
            item.removeItem(t)
        del self.labels[n:]
        while len(self.labels) < n:
            # inside the bar's end, so a 99% bar's label is not cut off by the plot's edge
            self.labels.append(pg.TextItem("", color="w", anchor=(1, 0.5)))
            item.addItem(self.labels[-1])
        for i, (t, a) in enumerate(zip(self.labels, acc)):
            t.setText(f"{a:.2f}%")
            t.setPos(a, i)
        item.setYRange(-0.5, max(n, 1) - 0.5, padding=0.05)

    def tables(self) -> dict[str, RecordsTable]:
        return {"comparison": self.table}
