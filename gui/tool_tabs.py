"""The tabs beside "Training": evaluation views, the drawing canvas, the run history.

They are built once torch has been imported by the worker (so building them costs the window no
import time) and fed from the worker's plain-data signals: the data set as numpy arrays, each
epoch's weights as numpy arrays, and the record (core.runs.store.RunRow) of each saved run.

The Runs tab lists the run history (core.runs.store); opening a run there loads its checkpoint into
the Evaluate and Draw tabs as a newly saved run is, and its Continue button is passed on as
`continue_requested(checkpoint path, epochs in all)` for the window to start the training.
"""
from __future__ import annotations

import copy
from typing import Optional

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QScrollArea, QTabWidget

from gui.shared import collector


def model_from_weights(w):
    """Rebuild a model from a ModelWeights on this (the UI) thread: exact, and tiny."""
    import torch

    from core.models import build_model

    if getattr(w, "input_shape", None) is None:  # a Fashion-MNIST model: always built the same way
        model = build_model(w.model_id, w.hidden_units)
    else:  # an image folder's: its picture size and its number of classes
        model = build_model(w.model_id, w.hidden_units, tuple(w.input_shape), len(w.classes))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.arrays.items()})
    return model.eval()


class ToolTabs(QObject):
    """A QObject living on the UI thread, so the worker's signals reach it queued, never directly
    in the worker's thread (as they would for a plain Python callable)."""
    continue_requested = Signal(str, int)  # checkpoint path, epochs in all: the window trains on
    history_problem_found = Signal(str)    # the run history, or some of it, could not be read

    def __init__(self, tabs: QTabWidget, session):
        super().__init__(tabs)
        self.tabs = tabs
        self.session = session  # the Training tab's TrainingSession: the Replay tab trains through it
        self.evaluation = self.canvas = self.runs = None
        self.follow_panel = None  # the Follow tab, made when a run folder is first followed
        self.replay_panel = None  # the Replay tab, made when first asked for
        self.store = None
        self.history_problem = None
        self._pages: dict = {}  # panel -> the scroll area that is its tab
        self._drawn: dict[str, str] = {}  # a Draw model's name -> the run it came from

    def _add_page(self, panel, title: str, index: int = -1) -> None:
        """A tab holding `panel` in a scroll area: a panel's minimum size must not dictate the
        window's."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(panel)
        self.tabs.insertTab(index, scroll, title)
        self._pages[panel] = scroll

    @property
    def built(self) -> bool:
        return self.evaluation is not None

    def build(self) -> None:
        if self.built:
            return
        from core.runs.store import RunStore
        from gui.draw.canvas_panel import CanvasPanel
        from gui.evaluate.panel import EvaluationPanel
        from gui.runs.runs_panel import RunsPanel

        self.evaluation = EvaluationPanel(lazy=True)  # evaluates when its tab is shown
        self.canvas = CanvasPanel()
        self.store = RunStore()
        self.runs = RunsPanel(self.store)
        self.runs.open_requested.connect(self.open_run)
        self.runs.continue_requested.connect(self.continue_requested)
        self.runs.runs_deleted.connect(self.forget_runs)
        self.canvas.teach.taught.connect(lambda _run_id: self.runs.refresh())
        # "R&uns": Alt+R is the Run menu's.
        for panel, title in ((self.evaluation, "&Evaluate"), (self.canvas, "&Draw"),
                             (self.runs, "R&uns")):
            self._add_page(panel, title)
        # What was trained before survives a restart: Evaluate lists it from the Runs tab's first
        # read of the history, made in the background (ten thousand runs take a second to read).
        # Queued: the table's fill and this listing are two short steps, not one long one.
        self.runs.listed.connect(self._history_listed, Qt.ConnectionType.QueuedConnection)
        self.runs.history_problem.connect(self._history_problem)
        self.runs.refresh()
        collector.settle()  # torch and every panel are in (gui/shared/collector.py)

    def _history_listed(self, rows: list) -> None:
        """The first read of the history: its image runs with a checkpoint into Evaluate, before
        any run this session listed already."""
        from gui.runs.runs_panel import is_image_run
        self.runs.listed.disconnect(self._history_listed)
        entries = self.evaluation.entries
        self.evaluation.add_runs([r for r in rows if r.checkpoint and r.run_id not in entries
                                  and is_image_run(r)], history=True)

    def _history_problem(self, text: str) -> None:
        if text != self.history_problem:  # said once, not at each refresh
            self.history_problem = text
            self.history_problem_found.emit(text)

    @Slot(object)
    def set_data(self, arrays) -> None:
        if not self.built:
            return
        import torch

        from core.data.fashion_mnist import FashionData

        t = torch.from_numpy
        # FashionData is the plain container every view reads; an image folder's [N, 3, S, S]
        # arrays fit it as well, and `workflow` says which data set it is.
        self.evaluation.set_data(FashionData(t(arrays.train_x), t(arrays.train_y), t(arrays.test_x),
                                             t(arrays.test_y), arrays.source, arrays.classes),
                                 workflow=getattr(arrays, "workflow", "fashion"))

    @Slot(object)
    def epoch_weights(self, weights) -> None:
        if self.built:
            model = model_from_weights(weights)
            self.evaluation.update_live(weights.model_name, model,
                                        classes=weights.classes, recipe=weights.recipe)
            if weights.classes:  # the Draw tab answers with the run's latest epoch as it trains
                self.canvas.show_live(f"{weights.model_name} (training, epoch {weights.epoch})",
                                      model, weights.classes, weights.recipe)

    @Slot(object)
    def run_saved(self, row) -> None:
        """A finished run (a core.runs.store.RunRow): compare it, draw for it (its checkpoint is
        tiny and just written), and list it in the Runs tab."""
        if not self.built:
            return
        self.canvas.end_live()  # the run itself now, from its checkpoint
        self.show_run(row, row.checkpoint)
        self.runs.refresh()

    @Slot(str)
    def run_recorded(self, run_id: str) -> None:
        """A run's end is in the history (any model): the Runs tab lists it as it is now."""
        if self.built:
            self.runs.refresh()

    def show_run(self, row, path: Optional[str], best: bool = False, opened: bool = False) -> Optional[str]:
        """Load the checkpoint at `path` into the Evaluate and Draw tabs for the run `row`; returns
        why it could not be loaded (one line), or None. `opened`: the user asked for this run, so it
        is selected in both tabs, and a checkpoint that cannot be loaded changes nothing."""
        from core import checkpoint
        from core.pictures.recipe import InputRecipe

        try:
            if not path:
                raise checkpoint.CheckpointError("the run has no checkpoint")
            ckpt = checkpoint.load(path)
        except checkpoint.CheckpointError as e:
            if opened:
                return str(e)
            ckpt = None  # a new run is listed anyway; Evaluate says why it cannot be evaluated
        entry = self.evaluation.entries.get(row.run_id)
        if entry is None:
            self.evaluation.add_run(row, ckpt.model if ckpt else None,
                                    ckpt.meta.get("classes") if ckpt else None,
                                    InputRecipe.from_meta(ckpt.meta) if ckpt else None)
        else:  # listed already (from the history, opened before, or trained on by +1 epoch)
            if ckpt is not None:
                entry.model, entry.report = copy.deepcopy(ckpt.model), None
                entry.classes = tuple(ckpt.meta.get("classes") or ()) or None
                entry.recipe = InputRecipe.from_meta(ckpt.meta)  # checked as it loaded
            if not opened:  # the same run with more epochs: its figures in the comparison too
                entry.record = row
                entry.title = f"{row.model_name} ({row.epochs} epochs, {row.created})"  # as listed
                records = self.evaluation.records
                records[:] = [row if r.run_id == row.run_id else r for r in records]
                self.evaluation.comparison.set_records(records)
            self.evaluation.select_run(row.run_id)
        if ckpt is not None:
            name = canvas_name(row, best)
            names = [n for n, _ in self.canvas.models]
            if name not in names:
                # Its own copy: the canvas predicts in its thread while the views evaluate in theirs.
                # With its input recipe: a folder model reads a photo as it read its own pictures.
                self.canvas.add_model(name, copy.deepcopy(ckpt.model), list(ckpt.meta["classes"]),
                                      ckpt.meta.get("input"),
                                      {"checkpoint": path, "run_id": row.run_id, "title": row.title})
                names.append(name)
                self._drawn[name] = row.run_id
            if opened:
                self.canvas.select_model(names.index(name))
        return None

    @Slot(list)
    def forget_runs(self, run_ids: list) -> None:
        """Runs deleted in the Runs tab leave Evaluate and Draw too: their files are gone, and a
        listed run that can no longer be opened, continued or exported would only mislead."""
        gone = set(run_ids)
        self.evaluation.remove_runs(gone)
        for name in [n for n, run_id in self._drawn.items() if run_id in gone]:
            self.canvas.remove_model(name)
            del self._drawn[name]

    @Slot(object, str)
    def open_run(self, row, path: str) -> None:
        """The Runs tab's Open: the run into Evaluate and Draw, then show Evaluate."""
        if not self.built:
            return
        error = self.show_run(row, path, best=path == row.best_checkpoint and path != row.checkpoint,
                              opened=True)
        if error:
            self.runs.show_message(f"Could not open \u201c{row.title}\u201d: {error}")
            return
        self.runs.show_message(f"Opened \u201c{row.title}\u201d ({path}) in the Evaluate and Draw tabs.")
        self.tabs.setCurrentWidget(self._pages[self.evaluation])

    def open_image(self, path: str) -> None:
        if self.built:
            self.tabs.setCurrentWidget(self._pages[self.canvas])
            self.canvas.open_image(path)

    def replay(self) -> None:
        """Show the Replay tab ("Re&play": Alt+P), made when first asked for (gui/replay/)."""
        if not self.built:
            return
        if self.replay_panel is None:
            from gui.replay.replay_panel import ReplayPanel
            self.replay_panel = ReplayPanel(self.session)
            self.replay_panel.open_best.connect(self._open_replayed)
            self.replay_panel.runs_changed.connect(self.runs.refresh)
            self._add_page(self.replay_panel, "Re&play")
        self.tabs.setCurrentWidget(self._pages[self.replay_panel])

    def _open_replayed(self, run_id: str) -> None:
        """The best model of a replay into Evaluate and Draw (the notebook's grid and matrix)."""
        from core.runs.store import StoreError
        try:
            row = self.store.get(run_id)
        except StoreError as e:
            self.replay_panel.status.setText(str(e))
            return
        if row is not None:
            error = self.show_run(row, row.checkpoint, opened=True)
            if error:
                self.replay_panel.status.setText(error)

    def follow(self, folder) -> bool:
        """Follow the run folder `folder` in the Follow tab ("F&ollow": Alt+O), made when first
        used, and show it; False (the tab says why in one line) when it is not a run folder."""
        if not self.built:
            return False
        if self.follow_panel is None:
            from gui.follow.follow_panel import FollowPanel
            self.follow_panel = FollowPanel(load=self.show_run)  # its checkpoints: as a run's
            self._add_page(self.follow_panel, "F&ollow")
        self.tabs.setCurrentWidget(self._pages[self.follow_panel])
        return self.follow_panel.follow(folder)

    # -- the Sweep tab (gui/sweep/): made when a sweep starts, one sweep at a time -----------------
    def sweep_view(self):
        """The Sweep tab's SweepView, or None before the first sweep."""
        return getattr(self, "_sweep", None)

    def add_sweep_tab(self, view) -> None:
        """Show `view` (a SweepView about to start) in the Sweep tab ("S&weep": Alt+W), in place of
        the previous sweep's, which has ended; its runs reach the Runs tab as they start and end."""
        old = self.sweep_view()
        index = -1
        if old is not None:
            page = self._pages.pop(old)
            index = self.tabs.indexOf(page)
            old.shutdown()
            self.tabs.removeTab(index)
            page.deleteLater()  # and the old view in it
        self._sweep = view
        if self.runs is not None:
            view.runs_changed.connect(self.runs.refresh)
        self._add_page(view, "S&weep", index)  # -1: at the end
        self.show_sweep_tab()

    def show_sweep_tab(self) -> None:
        if self.sweep_view() is not None:
            self.tabs.setCurrentWidget(self._pages[self.sweep_view()])

    def shutdown(self) -> None:
        if self.follow_panel is not None:
            self.follow_panel.shutdown()
        if self.sweep_view() is not None:
            self.sweep_view().shutdown()  # its runs save and stop
        for panel in (self.evaluation, self.canvas, self.runs, self.replay_panel):
            if panel is not None:
                panel.shutdown()


def canvas_name(row, best: bool = False) -> str:
    """The model's name on the drawing canvas: the run's own name (else the model and its time)
    and the epoch of its weights, so one name is one set of weights (a run trained on by +1 epoch
    is drawn for anew)."""
    name = getattr(row, "name", "") or f"{row.model_name} ({row.created[11:16]})"
    return f"{name}, best epoch {row.best_epoch}" if best else f"{name}, epoch {row.epochs}"
