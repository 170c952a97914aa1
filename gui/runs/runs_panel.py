"""RunsPanel: the run history (core.runs.store) as a table, and what can be done with its runs.

Select one or several runs: their curves overlay below, and the seed's comparison table and bar
chart compare them. Open loads a run's last (or best) checkpoint into the Evaluate and Draw tabs;
Continue asks how many epochs in all and asks the window to train on from the checkpoint. The
store is read and written on a JobRunner thread (a busy database waits there, not in the window);
a damaged history's one-line note shows on the message line and the rest keeps working.

Signals: open_requested(RunRow, checkpoint path), continue_requested(checkpoint path, epochs),
listed(every RunRow, after each read), history_problem(one line).
Keys: Enter opens, F2 renames, Delete deletes (after asking), Ctrl+F goes to the filter.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QMenu, QPushButton, QSplitter, QTabWidget,
                               QToolButton, QVBoxLayout, QWidget)

from core.runs.files import TENSORBOARD
from core.runs.store import RunStore
from gui.evaluate.comparison import ComparisonView
from gui.evaluate.widgets import StateStack
from gui.jobs import JobRunner
from gui.runs import run_dialogs, run_jobs
from gui.runs.run_curves import RunCurves
from gui.runs.runs_csv import TOOLTIP as CSV_TOOLTIP
from gui.runs.runs_table import RunsTable
from gui.shared.elided_label import ElidedLabel

CONTINUABLE = ("stopped", "interrupted", "finished", "pruned")
EXPECTED = ("StoreError", "CheckpointError", "ExportError", "DataError", "OSError")
NO_SELECTION = "Select runs in the table to compare them."


def is_image_run(row) -> bool:
    """A run of an image workflow (Fashion-MNIST or an image folder): what Evaluate and Draw take."""
    models, image = _models()
    return (row.model_id if row.model_id in models else str(row.config.get("model", ""))) in image


@functools.cache
def _models() -> tuple[frozenset, frozenset]:
    """Every model's id, and those of image workflows (a set: a history of 10,000 runs is sorted
    at start-up, so each look-up counts); unknown models are not image models."""
    from core import workflows
    from core.models import MODELS
    return frozenset(MODELS), frozenset(m for m, s in MODELS.items() if s.task in workflows.IMAGE_WORKFLOWS)


def can_continue(row) -> bool:
    """A run that ended (not a failed one) whose last checkpoint is still there."""
    return row.status in CONTINUABLE and bool(row.checkpoint) and os.path.isfile(row.checkpoint)


def files_of(row) -> list[Path]:
    """The files deleting the run removes (core.runs.files.remove_run_files), as they are now."""
    paths = [Path(p) for p in dict.fromkeys((row.checkpoint, row.best_checkpoint)) if p]
    files = [p for p in paths if p.suffix == ".safetensors" and p.is_file()]
    if row.folder:
        folder = Path(row.folder)
        files += [p for p in (folder / "last.safetensors", folder / "best.safetensors",
                              folder / TENSORBOARD) if p.exists() and p not in files]
    return files


class RunsPanel(QWidget):
    open_requested = Signal(object, str)    # RunRow, the checkpoint to load (last or best)
    continue_requested = Signal(str, int)   # checkpoint path, epochs in all
    runs_deleted = Signal(list)             # the run ids just deleted, files and all
    listed = Signal(list)                   # every run, each time the history has been read
    history_problem = Signal(str)           # why the history (or some of it) could not be read

    def __init__(self, store: Optional[RunStore] = None, parent=None):
        super().__init__(parent)
        self.store = store if store is not None else RunStore()
        self.rows: list = []
        self.problem: Optional[str] = None
        self._curves: dict[str, tuple] = {}   # run_id -> (curve, epochs), until the next refresh
        self.jobs = JobRunner("traindesk-runs", self, expected=EXPECTED)
        self.jobs.result.connect(self._on_result)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.progress.connect(lambda tag, text: self.show_message(str(text)))
        self._build()
        self._keys()
        self._update()

    def _build(self) -> None:
        self.message = ElidedLabel()
        self.table = RunsTable()
        self.table.selection_changed.connect(self._selection_changed)
        self.table.activated.connect(self.open_run)
        self.details = ElidedLabel()
        self.files = ElidedLabel()
        self.files.setStyleSheet("color: palette(placeholder-text);")
        self.details.hide()  # until a run is selected
        self.files.hide()

        self.open_button = QToolButton()
        self.open_button.setText("Open")
        self.open_button.setToolTip("Load the run's last checkpoint into the Evaluate and Draw tabs "
                                    "(Enter); the arrow offers the best epoch's")
        self.open_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.open_button.clicked.connect(lambda: self.open_run(best=False))
        menu = QMenu(self.open_button)
        self.open_last_action = menu.addAction("Open the last checkpoint",
                                               lambda: self.open_run(best=False))
        self.open_best_action = menu.addAction("Open the best epoch's checkpoint",
                                               lambda: self.open_run(best=True))
        self.open_button.setMenu(menu)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        for key, text, slot, tip in (
                ("continue", "Continue\u2026", self.continue_run,
                 "Train this run on from its last checkpoint (stopped, interrupted or finished runs)"),
                ("rename", "Rename\u2026", self.rename_run, "Give the run a name (F2)"),
                ("note", "Note\u2026", self.edit_note, "Write a note on the run"),
                ("delete", "Delete\u2026", self.delete_runs,
                 "Delete the selected runs and their files, after asking (Delete)"),
                ("export", "Export\u2026", self.export_run,
                 "Export the run's checkpoint as TorchScript, ONNX or a training script; the "
                 "export is checked against TrainDesk's predictions before it is written"),
                ("csv", "Export CSV\u2026", self.export_selection, CSV_TOOLTIP)):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)

        top = QWidget()
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        top_lay.addWidget(self.table, 1)
        top_lay.addWidget(self.details)
        top_lay.addWidget(self.files)
        top_lay.addLayout(row)

        self.curves = RunCurves()
        self.comparison = ComparisonView()
        self.compare_state = StateStack(self.comparison, NO_SELECTION)
        self.views = QTabWidget()
        self.views.addTab(self.curves, "Curves")
        self.views.addTab(self.compare_state, "Comparison")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.views)
        split.setSizes([500, 300])  # the history first; the curves take what is left
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.setMinimumHeight(420)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(split, 1)

    def _keys(self) -> None:
        view = self.table.view
        enter = [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        for keys, slot in (([QKeySequence.StandardKey.Delete], self.delete_runs),
                           ([QKeySequence(Qt.Key.Key_F2)], self.rename_run),
                           (enter, self.open_run)):
            for key in keys:
                # On the table only: Delete in the filter line deletes text, not runs.
                QShortcut(QKeySequence(key), view, slot, context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_filter,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the runs again (in the background); the selection is kept."""
        self.jobs.submit(run_jobs.read_runs, self.store, tag=("refresh",), coalesce="refresh")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()  # runs from the CLI or another window appear when the tab is looked at

    def shutdown(self) -> None:
        self.jobs.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def focus_filter(self) -> None:
        self.table.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.table.filter.selectAll()

    # -- what the jobs send back ----------------------------------------------------------------
    def _on_result(self, tag: tuple, value) -> None:
        kind = tag[0]
        if kind == "refresh":
            self.rows, self.problem = value
            self._curves.clear()  # a run still training has more by now
            self.table.set_rows(self.rows)
            self.listed.emit(self.rows)
            if self.problem:
                self.show_message(self.problem)
                self.history_problem.emit(self.problem)
            elif not self.rows:
                self.show_message("No runs yet. Each training run, from the window or the command "
                                  "line, is listed here.")
            elif self.message.text().startswith("No runs yet"):
                self.show_message("")
        elif kind == "curves":
            self._curves.update(value)
            self._draw_curves()
        elif kind == "delete":
            count, removed = value
            self.show_message(f"Deleted {count} run{'s' * (count != 1)} and {len(removed)} "
                              f"file{'s' * (len(removed) != 1)} or folders.")
            self.runs_deleted.emit(list(tag[1]))
            self.refresh()
        elif kind == "csv":
            self.show_message(f"Saved {value}")
        elif kind == "export":
            self.show_message(_export_summary(value))
        elif kind in ("rename", "note"):
            self.refresh()

    def _on_failed(self, tag: tuple, error) -> None:
        what = {"refresh": "The run history could not be read", "curves": "The curves could not be read",
                "delete": "Not deleted", "csv": "The CSV was not saved",
                "export": "Not exported", "rename": "Not renamed", "note": "The note was not saved"}
        self.show_message(f"{what.get(tag[0], 'Failed')}: {error.message}")
        if tag[0] == "refresh":
            self.history_problem.emit(f"{what['refresh']}: {error.message}")
        if tag[0] in ("delete", "rename", "note"):
            self.refresh()  # show what the store holds now

    # -- the selection ----------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        selected = self.table.selected_rows()
        self.comparison.set_records(selected)
        if selected:
            self.compare_state.show_content()
        else:
            self.compare_state.show_message(NO_SELECTION)
        missing = [r.run_id for r in selected if r.run_id not in self._curves]
        if missing:
            self.jobs.submit(run_jobs.read_curves, self.store, missing, tag=("curves",), coalesce="curves")
        self._draw_curves()
        self._update()

    def _draw_curves(self) -> None:
        selected = self.table.selected_rows()
        if any(r.run_id not in self._curves for r in selected):
            return  # drawn when the rest has been read
        self.curves.set_runs([(r, *self._curves[r.run_id]) for r in selected])

    def _update(self) -> None:
        row = self.table.current_row()
        selected = self.table.selected_rows()
        fashion = row is not None and is_image_run(row)
        self.open_button.setEnabled(fashion and bool(row.checkpoint or row.best_checkpoint))
        self.open_last_action.setEnabled(fashion and bool(row.checkpoint))
        self.open_best_action.setEnabled(fashion and bool(row.best_checkpoint))
        if row is not None:
            self.open_best_action.setText(f"Open the best epoch's checkpoint (epoch {row.best_epoch})"
                                          if row.best_checkpoint else "Open the best epoch's checkpoint")
        self.buttons["continue"].setEnabled(row is not None and can_continue(row))
        self.buttons["rename"].setEnabled(row is not None)
        self.buttons["note"].setEnabled(row is not None)
        self.buttons["delete"].setEnabled(bool(selected))
        self.buttons["export"].setEnabled(fashion and bool(row.checkpoint or row.best_checkpoint))
        self.buttons["csv"].setEnabled(bool(selected))
        self.details.setText(_details(row, len(selected)) if row else "")
        self.files.setText(_files_line(row) if row else "")
        for label in (self.details, self.files):  # no blank lines under the table
            label.setVisible(bool(label.text()))

    # -- actions ----------------------------------------------------------------------------------
    def open_run(self, best: bool = False) -> None:
        row = self.table.current_row()
        if row is None or not is_image_run(row):
            if row is not None:
                self.show_message(f"\u201c{row.title}\u201d is a line or circles run: the Evaluate "
                                  "and Draw tabs take image models only.")
            return
        path = row.best_checkpoint if best else (row.checkpoint or row.best_checkpoint)
        if not path:
            self.show_message(f"\u201c{row.title}\u201d has no {'best ' if best else ''}checkpoint.")
            return
        self.open_requested.emit(row, path)

    def continue_run(self) -> None:
        row = self.table.current_row()
        if row is None or not can_continue(row):
            return
        epochs = run_dialogs.ask_epochs(self, row)
        if epochs is not None:
            self.continue_requested.emit(row.checkpoint, epochs)

    def rename_run(self) -> None:
        row = self.table.current_row()
        if row is None:
            return
        name = run_dialogs.ask_name(self, row)
        if name is not None and name != row.name:
            self.jobs.submit(lambda job: self.store.rename(row.run_id, name), tag=("rename", row.run_id))

    def edit_note(self) -> None:
        row = self.table.current_row()
        if row is None:
            return
        note = run_dialogs.ask_note(self, row)
        if note is not None and note != row.note:
            self.jobs.submit(lambda job: self.store.set_note(row.run_id, note), tag=("note", row.run_id))

    def delete_runs(self) -> None:
        rows = self.table.selected_rows()
        running = [r for r in rows if r.status == "running"]
        if running:
            self.show_message(f"\u201c{running[0].title}\u201d is still training: stop it before "
                              "deleting it.")
            return
        if not rows:
            return
        files = [f for r in rows for f in files_of(r)]
        if run_dialogs.confirm_delete(self, rows, files):
            self.jobs.submit(run_jobs.delete_runs, self.store, [r.run_id for r in rows],
                             tag=("delete", tuple(r.run_id for r in rows)))

    def export_selection(self) -> None:
        rows = self.table.selected_rows()
        if not rows:
            return
        path = run_dialogs.ask_csv_path(self, len(rows))
        if path:
            self.jobs.submit(run_jobs.export_csv, self.store, rows, path, tag=("csv",))

    def export_run(self) -> None:
        row = self.table.current_row()
        if row is None or not (row.checkpoint or row.best_checkpoint):
            return
        choice = run_dialogs.ask_export(self, row)
        if choice is not None:
            checkpoint, fmt, target = choice
            self.show_message(f"Exporting {Path(checkpoint).name} as {fmt}\u2026")
            self.jobs.submit(run_jobs.export_checkpoint, checkpoint, fmt, target, tag=("export",))


def _details(row, selected: int) -> str:
    parts = [row.title, row.status, f"{row.epochs} epoch{'s' * (row.epochs != 1)}", row.device]
    if row.best_epoch is not None:
        best = "" if row.best_value is None else f", {row.best_by.replace('_', ' ')} {row.best_value:.4g}"
        parts.append(f"best epoch {row.best_epoch}{best}")
    if row.resumed_from:
        parts.append(f"continued from {row.resumed_from}")
    if row.error:
        parts.append(row.error)
    if row.diagnoses:  # what its training found; the Diagnoses column's tooltip has the words
        parts.append("diagnosed: " + ", ".join(d["code"] for d in row.diagnoses))
    if selected > 1:
        parts.append(f"{selected} runs selected")
    return " \u00b7 ".join(p for p in parts if p)


def _files_line(row) -> str:
    parts = [f"id {row.run_id}"]
    if row.checkpoint:
        gone = "" if os.path.exists(row.checkpoint) else " (missing)"
        parts.append(f"last: {row.checkpoint}{gone}")
    if row.best_checkpoint and row.best_checkpoint != row.checkpoint:
        gone = "" if os.path.exists(row.best_checkpoint) else " (missing)"
        parts.append(f"best: {row.best_checkpoint}{gone}")
    return " \u00b7 ".join(parts)


def _export_summary(report) -> str:
    agree = "all predictions agree" if report.predictions_agree else f"{report.agreement:.1%} agree"
    text = (f"Exported {report.path} ({report.size_bytes / 1024:,.0f} kB): checked on "
            f"{report.images_checked} {report.checked_on}, largest logit difference "
            f"{report.max_abs_diff:.2g}, {agree}.")
    return " ".join([text, *report.notes])
