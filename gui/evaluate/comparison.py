"""The seed's compare_results: every saved run in a table, the latest runs' accuracy as bars beside it."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from gui.evaluate.data_sets import data_label
from gui.evaluate.widgets import NumberTable
from gui.evaluate.still_plot import still_plot

COLUMNS = [("model_name", "model_name"), ("model_loss", "model_loss"), ("model_acc", "model_acc"),
           ("training_time", "training_time"), ("epochs", "epochs"), ("device", "device"),
           ("optimizer", "optimizer"), ("data", "data set")]
FMT = {"model_loss": "{:.4f}", "model_acc": "{:.2f}", "training_time": "{:.1f}"}
BAR = "#1f6fc5"
BAR_SELECTED = "#d4610b"
MAX_BARS = 30


class ComparisonView(QWidget):
    selected = Signal(str)  # run_id, when the user picks a row

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list = []
        self.table = NumberTable(COLUMNS)
        self.table.setSelectionMode(NumberTable.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
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
        self.table.blockSignals(True)
        # which data set: accuracies on Fashion-MNIST and on a folder of photos do not compare
        self.table.set_rows([{**vars(r), "data": data_label(r)} for r in self.records], FMT)
        self.table.blockSignals(False)
        self.select_run(current)

    def select_run(self, run_id: str | None) -> None:
        """Highlight a run without emitting `selected` (the caller already knows)."""
        self.table.blockSignals(True)
        self.table.clearSelection()
        for row, r in enumerate(self.records):
            if r.run_id == run_id:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._draw_bars()

    def current_run(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.records[rows[0].row()].run_id if rows else None

    def _on_selection(self) -> None:
        self._draw_bars()
        run_id = self.current_run()
        if run_id is not None:
            self.selected.emit(run_id)

    def _draw_bars(self) -> None:
        """Bars for the latest MAX_BARS runs (and the selected one): readable, and a history of
        a thousand runs costs a few dozen labels, not a thousand."""
        item = self.chart.getPlotItem()
        for t in self.labels:
            item.removeItem(t)
        current = self.current_run()
        first = max(0, len(self.records) - MAX_BARS)
        shown = [(i, r) for i, r in enumerate(self.records) if i >= first or r.run_id == current]
        n = len(shown)
        acc = np.array([r.model_acc or 0.0 for _, r in shown], dtype=float)
        brushes = [BAR_SELECTED if r.run_id == current else BAR for _, r in shown]
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), height=0.6, width=acc, brushes=brushes)
        # the run number as in the table: two runs of the same model stay distinguishable
        item.getAxis("left").setTicks([[(k, f"{i + 1}. {r.model_name}") for k, (i, r) in enumerate(shown)]])
        self.labels = []
        for i, a in enumerate(acc):
            # inside the bar's end, so a 99% bar's label is not cut off by the plot's edge
            t = pg.TextItem(f"{a:.2f}%", color="w", anchor=(1, 0.5))
            t.setPos(a, i)
            item.addItem(t)
            self.labels.append(t)
        item.setYRange(-0.5, max(n, 1) - 0.5, padding=0.05)

    def tables(self) -> dict[str, NumberTable]:
        return {"comparison": self.table}
