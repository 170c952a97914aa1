"""EvaluationPanel: every evaluation view in tabs, fed by the window through these calls.

set_data(data, workflow)       the data set is loaded (Fashion-MNIST's or an image folder's)
add_run(record, model | None)  a run finished (no model: it is loaded from record.checkpoint)
add_runs(records)              the saved history, listed at once (models loaded when shown)
update_live(name, model)       an epoch ended while training: re-evaluate a copy
run_selected(run_id)           signal: the user picked a run in the comparison table

Each run is an entry holding its model (a private copy) and, once evaluated, its EvalReport and
the data set it was made on. A run is scored on the data set it was trained on: the loaded one
when that is it, else its own, read in the background (gui/evaluate/data_sets.py).
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
from PySide6.QtWidgets import (QHBoxLayout, QProgressBar, QPushButton,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core.evaluation.report import EvalReport
from gui.shared.elided_label import ElidedLabel
from gui.evaluate import export
from gui.evaluate.class_table import ClassTable
from gui.evaluate.comparison import ComparisonView
from gui.evaluate.confusion_view import ConfusionView
from gui.evaluate.data_explorer import DataExplorer
from gui.evaluate.data_sets import DataReader, DataSet, can_read, config_of, name_of, serves, task_of
from gui.evaluate.eval_worker import Evaluator, Request
from gui.evaluate.gallery import CellGallery
from gui.evaluate.prediction_grid import PredictionGrid
from gui.evaluate.suspect_labels import SuspectLabels
from gui.evaluate.widgets import StateStack

LIVE = "live:"  # key prefix of the model being trained, which has no run record yet
NO_DATA = ("The data set is not loaded yet. Once Fashion-MNIST or an image folder is loaded, this "
           "view fills in.")
NO_MODEL = ("No evaluated model yet. Train an image model (its test-set evaluation appears "
            "here after each epoch), or pick a finished run in the \u201cCompare models\u201d tab.")
NO_RUNS = "No runs yet in this session. Each finished training run is listed here, with its accuracy."


@dataclass
class Entry:
    name: str
    title: str
    record: Optional[object] = None   # core.runs.row.RunRow; None for the live model
    model: Optional[object] = None    # a private copy, or None until loaded from the checkpoint
    report: Optional[EvalReport] = None
    error: Optional[str] = None
    data: Optional[DataSet] = None    # the data set its report is (being) made on
    waiting: Optional[str] = None     # the key of its data set while that is being read
    classes: Optional[tuple] = None   # the model's own class names, when known (the live model)
    recipe: Optional[object] = None   # its core.pictures.recipe.InputRecipe, when known (as classes)


class EvaluationPanel(QWidget):
    run_selected = Signal(str)

    def __init__(self, parent=None, seed: Optional[int] = None, lazy: bool = False):
        super().__init__(parent)
        self.lazy = lazy
        self._deferred: Optional[tuple[str, bool]] = None  # (key, fresh) waiting to be shown
        self.data = None     # the data set the window loaded (core.data.fashion_mnist.FashionData duck type)
        self.loaded: Optional[DataSet] = None  # the same, with what it is
        self.other: Optional[DataSet] = None   # the last one read for a run of another data set
        self.entries: dict[str, Entry] = {}
        self.records: list = []
        self.current: Optional[str] = None
        self.evaluator = Evaluator(self)
        self.evaluator.progress.connect(self._on_progress)
        self.evaluator.finished.connect(self._on_finished)
        self.evaluator.failed.connect(self._on_failed)
        self.reader = DataReader(self)
        self.reader.read.connect(self._on_data_read)
        self.reader.failed.connect(self._on_data_failed)
        self.reader.progress.connect(self._on_data_progress)
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
        self.class_table, self.suspects = ClassTable(), SuspectLabels()
        self.predictions, self.explorer = PredictionGrid(seed=seed), DataExplorer(seed=seed)
        self.comparison = ComparisonView()
        self.comparison.selected.connect(self._user_selected)
        self.tabs = QTabWidget()
        self.states: dict[str, StateStack] = {}
        for key, label, widget in [("confusion", "Confusion matrix", split),
                                   ("classes", "Per-class metrics", self.class_table),
                                   ("predictions", "Random predictions", self.predictions),
                                   ("suspects", "Suspect labels", self.suspects),
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
        for widget in (self.progress, self.png_button, self.csv_button):
            bar.addWidget(widget)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.tabs, 1)

    # -- the window's calls ---------------------------------------------------------------------
    def set_data(self, data, workflow: Optional[str] = None) -> None:
        """The window's data set; `workflow` says which (unset: told by the arrays' shape, as
        Fashion-MNIST's are [N, 28, 28] and an image folder's [N, 3, S, S])."""
        self.data = data
        self.loaded = DataSet(data, workflow or ("folder" if data.test_x.dim() == 4 else "fashion"))
        for entry in self.entries.values():  # reports of another data set no longer apply
            entry.report = entry.data = None
        self._select(self.current)

    @property
    def test_images(self):
        """numpy uint8 test images of the data set the shown run is evaluated on."""
        ds = self._shown_data()
        return ds.images if ds is not None else None

    def add_run(self, record, model=None, classes=None, recipe=None) -> None:
        """`classes`, `recipe`: the model's class names (checked against the data's) and input recipe."""
        live = self.entries.pop(LIVE + record.model_name, None)  # the live copy became this run
        if live is not None and live.data is not None and live.data.config is None \
                and live.data.task == task_of(record) == "folder":
            live.data.config = config_of(record) or None  # now known: which folder and split
        self.add_runs([record])
        if model is not None:
            entry = self.entries[record.run_id]
            entry.model, entry.classes, entry.recipe = copy.deepcopy(model), tuple(classes or ()) or None, recipe

    def add_runs(self, records: list, history: bool = False) -> None:
        """List runs (the saved history at start-up): one table fill and one selection for all of
        them, so a long history costs the start-up time of one run, not a fill per run. `history`:
        read in the background, they join the runs listed meanwhile in the order they started."""
        for record in records:
            self.entries[record.run_id] = Entry(
                record.model_name, f"{record.model_name} ({record.epochs} epochs, {record.created})",
                record)  # its model is read from the checkpoint when it is first shown
        self.records.extend(records)
        if history:
            self.records.sort(key=lambda r: r.started)
        self.comparison.set_records(self.records)
        if records and (not history or len(records) == len(self.records)):
            self.select_run(records[-1].run_id)

    def remove_runs(self, run_ids) -> None:
        """Forget runs that were deleted: out of the comparison and the views. A run on show
        gives way to the newest one left (else the live model)."""
        gone = set(run_ids)
        if not gone & set(self.entries):
            return
        for run_id in gone:
            self.entries.pop(run_id, None)
        self.records[:] = [r for r in self.records if r.run_id not in gone]
        self.comparison.set_records(self.records)
        if self.current not in gone:
            self._refresh()  # the comparison may be empty now
        elif self.records:
            self.select_run(self.records[-1].run_id)  # selecting refreshes the views
        else:
            live = [key for key in self.entries if key.startswith(LIVE)]
            self._select(live[-1] if live else None)

    def update_live(self, model_name: str, model, classes=None, recipe=None) -> None:
        key = LIVE + model_name
        old = self.entries.get(key)
        # copied here, on the UI thread, at call time: the training thread may step the original
        self.entries[key] = Entry(model_name, f"{model_name} (training, updated each epoch)",
                                  model=copy.deepcopy(model), report=old.report if old else None,
                                  data=old.data if old else None,
                                  classes=tuple(classes) if classes else None, recipe=recipe)
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
        self.reader.shutdown()

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
        if entry is not None and self.loaded is not None and (fresh or entry.report is None):
            if self.lazy and not self.isVisible():
                if self._deferred and self._deferred[0] == key:
                    fresh = fresh or self._deferred[1]  # a model changed while hidden stays changed
                self._deferred = (key, fresh)
                self._refresh()
                return
            self._deferred = None
            self._evaluate(key, entry)
        self._refresh()

    def _data_for(self, entry: Entry) -> Optional[DataSet]:
        """The data set in memory this entry's model was trained on, or None."""
        if entry.record is None:
            return self.loaded  # the live model trains on the window's data set
        task, config = task_of(entry.record), config_of(entry.record)
        return next((ds for ds in (self.loaded, self.other) if ds is not None and serves(ds, task, config)),
                    None)

    def _evaluate(self, key: str, entry: Entry) -> None:
        """Score the entry on its data set, or first read that data set (or say why it cannot)."""
        entry.error = None
        ds = self._data_for(entry)
        if ds is None:
            task, config = task_of(entry.record), config_of(entry.record)
            if can_read(task, config):
                entry.waiting = self.reader.request(task, config)
                self.progress.setRange(0, 0)
            else:
                entry.error = (f"it was trained on {name_of(task, config)}, which is not the data set "
                               "loaded now; train on that data set to evaluate it")
            return
        entry.waiting, entry.data = None, ds
        self.evaluator.submit(Request(key, entry.model, entry.record.checkpoint if entry.record else None,
                                      ds.data.test_x, ds.data.test_y, ds.classes, data=ds,
                                      model_classes=entry.classes, recipe=entry.recipe))
        self.progress.setRange(0, 0)  # busy until the first chunk reports a count

    def _on_data_read(self, key: str, ds: DataSet) -> None:
        old, self.other = self.other, ds
        for entry in self.entries.values():
            if entry.waiting == key:
                entry.waiting = None
            if old is not None and entry.data is old:
                # One such data set in memory at a time (a folder can take a good share of it):
                # runs scored on the one let go are read and scored again when shown.
                entry.report = entry.data = None
        current = self.entries.get(self.current) if self.current else None
        if current is not None and current.report is None and not current.error \
                and serves(ds, task_of(current.record), config_of(current.record)):
            self._select(self.current)
        else:
            self._refresh()

    def _on_data_failed(self, key: str, message: str) -> None:
        for entry in self.entries.values():
            if entry.waiting == key:
                entry.waiting = None
                entry.error = (f"its data set, {name_of(task_of(entry.record), config_of(entry.record))}, "
                               f"could not be read: {message.splitlines()[0] if message else 'error'}")
        self._refresh()

    def _on_data_progress(self, key: str, done: int, total: int) -> None:
        entry = self.entries.get(self.current) if self.current else None
        if entry is not None and entry.waiting == key:
            self._on_progress(self.current, done, total)

    def _on_progress(self, key: str, done: int, total: int) -> None:
        if key == self.current:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_finished(self, key: str, probs, y_true, ds) -> None:
        entry = self.entries.get(key)
        # a result for data the entry has moved on from (a new data set came meanwhile) is dropped
        if entry is not None and ds is not None and entry.data is ds:
            entry.report = EvalReport(probs, y_true, ds.classes)
        if key == self.current:
            self._refresh()

    def _on_failed(self, key: str, message: str) -> None:
        if key in self.entries:
            self.entries[key].error = message
        if key == self.current:
            self._refresh()

    @property
    def busy(self) -> bool:
        return self.evaluator.busy or self.reader.jobs.busy

    # -- views ----------------------------------------------------------------------------------
    def _shown_data(self) -> Optional[DataSet]:
        """The data set of the run shown (once known), else the window's."""
        entry = self.entries.get(self.current) if self.current else None
        return entry.data if entry is not None and entry.data is not None else self.loaded

    def _refresh(self) -> None:
        entry = self.entries.get(self.current) if self.current else None
        reading = entry is not None and self.reader.pending(entry.waiting)
        running = self.evaluator.pending(self.current)
        self.progress.setVisible(running or reading)
        if running and self.evaluator.running != self.current:
            self.progress.setRange(0, 0)  # waiting behind another model: busy, no count yet
        report = entry.report if entry else None
        shown = self._shown_data()
        if shown is not None and self.explorer.dataset is not shown.data:
            self.explorer.set_data(shown.data)  # the pictures the shown run is scored on
        if self.loaded is None:
            message = NO_DATA
        elif entry is None:
            message = NO_MODEL
        elif entry.error:
            message = f"{entry.name} could not be evaluated: {entry.error}"
        elif entry.waiting:
            message = (f"{entry.name} was trained on {name_of(task_of(entry.record), config_of(entry.record))}"
                       f": reading it, to evaluate on its own test set\u2026")
        else:
            message = f"Evaluating {entry.name} on {len(shown.data.test_y):,} test images\u2026"
        self.status.setText(message if report is None else
                            f"{entry.title}: {report.accuracy:.2f}% test accuracy"
                            + (" \u2014 updating\u2026" if running else ""))
        for key in ("confusion", "classes", "predictions", "suspects"):
            self.states[key].show_message(message) if report is None else self.states[key].show_content()
        if report is not None:
            self.confusion.show_report(report, entry.title)
            self.class_table.show_report(report, entry.title)
            for view in (self.predictions, self.suspects):  # the test images, by the report
                view.show_report(report, self.test_images, entry.title)
            if self.gallery.cell is not None:
                self._open_cell(*self.gallery.cell)  # the same cell, for the new report
        else:
            self.gallery.clear()
        data_state = self.states["data"]
        data_state.show_message(NO_DATA) if shown is None else data_state.show_content()
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
        return export.save_csvs(self._tables(), path)

    def _ask_png(self) -> None:
        name = self.tabs.tabText(self.tabs.currentIndex()).lower().replace(" ", "-")
        export.ask_and_save(self, "Save view as PNG", f"{name}.png", "PNG images (*.png)", self.export_png)

    def _ask_csv(self) -> None:
        name = next(iter(self._tables()), "table")
        export.ask_and_save(self, "Save table as CSV", f"{name}.csv", "CSV files (*.csv)", self.export_csv)
