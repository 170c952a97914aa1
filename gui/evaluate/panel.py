"""EvaluationPanel: every evaluation view in tabs, fed by the window through these calls.

set_data(data)                 the data set is loaded
add_run(record, model | None)  a run finished (no model: it is loaded from record.checkpoint)
add_runs(records)              the saved history, listed at once (models loaded when shown)
update_live(name, model)       an epoch ended while training: re-evaluate a copy
run_selected(run_id)           signal: the user picked a run in the comparison table

Each run is an entry holding its model (a private copy) and, once evaluated, its EvalReport.
Only the selected entry is evaluated, in the background; the views show its report. With
`lazy` (as in the window) that waits until the panel is on screen: an evaluation nobody looks at
would take a core from the training run beside it (a past run evaluated at launch, the live
model after every epoch).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QProgressBar, QPushButton,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.eval_report import EvalReport
from gui.shared.elided_label import ElidedLabel
from gui.evaluate import export
from gui.evaluate.class_table import ClassTable
from gui.evaluate.comparison import ComparisonView
from gui.evaluate.confusion_view import ConfusionView
from gui.evaluate.data_explorer import DataExplorer
from gui.evaluate.eval_worker import Evaluator, Request
from gui.evaluate.gallery import CellGallery
from gui.evaluate.prediction_grid import PredictionGrid
from gui.evaluate.widgets import StateStack

LIVE = "live:"  # key prefix of the model being trained, which has no run record yet
NO_DATA = "The data set is not loaded yet. Once Fashion-MNIST is loaded, this view fills in."
NO_MODEL = ("No evaluated model yet. Train a Fashion-MNIST model (its test-set evaluation appears "
            "here after each epoch), or pick a finished run in the \u201cCompare models\u201d tab.")
NO_RUNS = "No runs yet in this session. Each finished training run is listed here, with its accuracy."


@dataclass
class Entry:
    name: str
    title: str
    record: Optional[object] = None   # core.history.RunRecord; None for the live model
    model: Optional[object] = None    # a private copy, or None until loaded from the checkpoint
    report: Optional[EvalReport] = None
    error: Optional[str] = None


class EvaluationPanel(QWidget):
    run_selected = Signal(str)

    def __init__(self, parent=None, seed: Optional[int] = None, lazy: bool = False):
        super().__init__(parent)
        self.lazy = lazy
        self._deferred: Optional[tuple[str, bool]] = None  # (key, fresh) waiting to be shown
        self.data = None
        self.test_images = None  # numpy uint8 [N, 28, 28], for the galleries
        self.entries: dict[str, Entry] = {}
        self.records: list = []
        self.current: Optional[str] = None
        self.evaluator = Evaluator(self)
        self.evaluator.progress.connect(self._on_progress)
        self.evaluator.finished.connect(self._on_finished)
        self.evaluator.failed.connect(self._on_failed)
        self._build(seed)
        self._refresh()

    def _build(self, seed) -> None:
        self.confusion = ConfusionView()
        self.gallery = CellGallery()
        self.confusion.cell_clicked.connect(self._open_cell)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.confusion)
        split.addWidget(self.gallery)
        split.setSizes([600, 400])  # the matrix gets the larger share: its column names need it
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.class_table = ClassTable()
        self.predictions = PredictionGrid(seed=seed)
        self.explorer = DataExplorer(seed=seed)
        self.comparison = ComparisonView()
        self.comparison.selected.connect(self._user_selected)
        self.tabs = QTabWidget()
        self.states: dict[str, StateStack] = {}
        for key, label, widget in [("confusion", "Confusion matrix", split),
                                   ("classes", "Per-class metrics", self.class_table),
                                   ("predictions", "Random predictions", self.predictions),
                                   ("data", "Data explorer", self.explorer),
                                   ("compare", "Compare models", self.comparison)]:
            self.states[key] = StateStack(widget, NO_DATA)
            self.tabs.addTab(self.states[key], label)
        self.tabs.currentChanged.connect(self._update_buttons)

        self.status = ElidedLabel()  # a long message must not widen the whole tab
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.png_button = QPushButton("Save view as PNG\u2026")
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button = QPushButton("Save table as CSV\u2026")
        self.csv_button.clicked.connect(self._ask_csv)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.progress)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.tabs, 1)

    # -- the window's calls ---------------------------------------------------------------------
    def set_data(self, data) -> None:
        self.data = data
        self.test_images = data.test_x.cpu().numpy()
        self.explorer.set_data(data)
        for entry in self.entries.values():  # reports of another data set no longer apply
            entry.report = None
        self._select(self.current)

    def add_run(self, record, model=None) -> None:
        self.entries.pop(LIVE + record.model_name, None)  # the live copy became this run
        self.add_runs([record])
        if model is not None:
            self.entries[record.run_id].model = copy.deepcopy(model)

    def add_runs(self, records: list) -> None:
        """List runs (the saved history at start-up): one table fill and one selection for all of
        them, so a long history costs the start-up time of one run, not a fill per run."""
        for record in records:
            self.entries[record.run_id] = Entry(
                record.model_name, f"{record.model_name} ({record.epochs} epochs, {record.created})",
                record)  # its model is read from the checkpoint when it is first shown
        self.records.extend(records)
        self.comparison.set_records(self.records)
        if records:
            self.select_run(records[-1].run_id)

    def update_live(self, model_name: str, model) -> None:
        key = LIVE + model_name
        # copied here, on the UI thread, at call time: the training thread may step the original
        self.entries[key] = Entry(model_name, f"{model_name} (training, updated each epoch)",
                                  model=copy.deepcopy(model),
                                  report=self.entries[key].report if key in self.entries else None)
        # follow the training unless the user is looking at a finished run
        if self.current is None or self.current.startswith(LIVE) or self.current not in self.entries:
            self._select(key, fresh=True)

    def select_run(self, run_id: str) -> None:
        """Show a run in every view (the window may call this; no signal is emitted)."""
        self.comparison.select_run(run_id)
        self._select(run_id)

    def shutdown(self) -> None:
        """Stop the evaluation thread; call before the panel is thrown away (closeEvent does)."""
        self.evaluator.shutdown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._deferred is not None and self._deferred[0] == self.current:
            self._select(*self._deferred)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- selection and evaluation ---------------------------------------------------------------
    def _user_selected(self, run_id: str) -> None:
        self._select(run_id)
        self.run_selected.emit(run_id)

    def _select(self, key: Optional[str], fresh: bool = False) -> None:
        """Show `key`; evaluate it when it has no report yet (or `fresh`: its model changed)."""
        self.current = key
        entry = self.entries.get(key) if key else None
        if entry is not None and self.data is not None and (fresh or entry.report is None):
            if self.lazy and not self.isVisible():
                if self._deferred and self._deferred[0] == key:
                    fresh = fresh or self._deferred[1]  # a model changed while hidden stays changed
                self._deferred = (key, fresh)
                self._refresh()
                return
            self._deferred = None
            entry.error = None
            self.evaluator.submit(Request(key, entry.model, entry.record.checkpoint if entry.record else None,
                                          self.data.test_x, self.data.test_y, tuple(self.data.classes)))
            self.progress.setRange(0, 0)  # busy until the first chunk reports a count
        self._refresh()

    def _on_progress(self, key: str, done: int, total: int) -> None:
        if key == self.current:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_finished(self, key: str, probs, y_true) -> None:
        entry = self.entries.get(key)
        if entry is not None and self.data is not None:
            entry.report = EvalReport(probs, y_true, tuple(self.data.classes))
        if key == self.current:
            self._refresh()

    def _on_failed(self, key: str, message: str) -> None:
        if key in self.entries:
            self.entries[key].error = message
        if key == self.current:
            self._refresh()

    @property
    def busy(self) -> bool:
        return self.evaluator.busy

    # -- views ----------------------------------------------------------------------------------
    def _refresh(self) -> None:
        entry = self.entries.get(self.current) if self.current else None
        running = self.evaluator.pending(self.current)
        self.progress.setVisible(running)
        if running and self.evaluator.running != self.current:
            self.progress.setRange(0, 0)  # waiting behind another model: busy, no count yet
        report = entry.report if entry else None
        if self.data is None:
            message = NO_DATA
        elif entry is None:
            message = NO_MODEL
        elif entry.error:
            message = f"{entry.name} could not be evaluated: {entry.error}"
        else:
            message = f"Evaluating {entry.name} on {len(self.data.test_y):,} test images\u2026"
        self.status.setText(message if report is None else
                            f"{entry.title}: {report.accuracy:.2f}% test accuracy"
                            + (" \u2014 updating\u2026" if running else ""))
        for key in ("confusion", "classes", "predictions"):
            if report is None:
                self.states[key].show_message(message)
            else:
                self.states[key].show_content()
        if report is not None:
            self.confusion.show_report(report, entry.title)
            self.class_table.show_report(report, entry.title)
            self.predictions.show_report(report, self.test_images, entry.title)
            if self.gallery.cell is not None:
                self._open_cell(*self.gallery.cell)  # the same cell, for the new report
        else:
            self.gallery.clear()
        data_state = self.states["data"]
        data_state.show_message(NO_DATA) if self.data is None else data_state.show_content()
        compare = self.states["compare"]
        compare.show_message(NO_RUNS) if not self.records else compare.show_content()
        self._update_buttons()

    def _open_cell(self, true: int, pred: int) -> None:
        report = self.entries[self.current].report if self.current in self.entries else None
        if report is not None:
            self.gallery.show_cell(report, self.test_images, true, pred)

    # -- export ---------------------------------------------------------------------------------
    def _tables(self) -> dict:
        """Name -> something with cells(), for the current tab; empty when it shows no table."""
        key = list(self.states)[self.tabs.currentIndex()]
        if self.states[key].is_empty:
            return {}
        return {"confusion": {"confusion-matrix": self.confusion}, "classes": self.class_table.tables(),
                "compare": self.comparison.tables()}.get(key, {})

    def _update_buttons(self) -> None:
        self.csv_button.setEnabled(bool(self._tables()))

    def export_png(self, path) -> Path:
        return export.save_png(self.tabs.currentWidget(), path)

    def export_csv(self, path) -> list[Path]:
        """The current tab's first table to `path`, any others beside it as <stem>-<name>.csv."""
        path = Path(path)
        out = []
        for i, (name, table) in enumerate(self._tables().items()):
            target = path if i == 0 else path.with_name(f"{path.stem}-{name}.csv")
            out.append(export.save_csv(table, target))
        return out

    def _ask_png(self) -> None:
        name = self.tabs.tabText(self.tabs.currentIndex()).lower().replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(self, "Save view as PNG", f"{name}.png", "PNG images (*.png)")
        if path:
            self.export_png(path)

    def _ask_csv(self) -> None:
        name = next(iter(self._tables()), "table")
        path, _ = QFileDialog.getSaveFileName(self, "Save table as CSV", f"{name}.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)
