"""The Replay tab: a seed notebook's story in the window, step by step.

Pick a notebook and press Replay: its steps list on the left with the current one's caption, its
models train one after another with the notebook's settings (core/train/replay.py, in a job thread), and
their curves race on one set of axes. At the end of notebook 03 the comparison table and bar chart
show the three models with the notebook's reported accuracy beside TrainDesk's, and the best model
opens in the Evaluate tab (its prediction grid and confusion matrix). Stop ends it after the
current batch; every model trained is an ordinary run in the Runs tab.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from gui.evaluate.comparison import ComparisonView
from gui.replay.boundaries import ReplayBoundaries
from gui.runs.run_curves import RunCurves

REDRAW_S = 0.5  # the racing curves are redrawn at most this often
DONE, NOW = "\u2713", "\u25B6"


class ReplayPanel(QWidget):
    open_best = Signal(str)  # the best run's id, when a notebook 03 replay ends
    runs_changed = Signal()  # a replayed model was saved: the Runs tab lists it

    def __init__(self, session, parent=None):
        """`session`: the Training tab's TrainingSession, whose worker trains the replay."""
        super().__init__(parent)
        from core.train.replay import NOTEBOOKS
        self.session = session
        self.notebook = QComboBox()
        for key, (title, _) in NOTEBOOKS.items():
            self.notebook.addItem(f"{key.replace('notebook', 'Notebook ')}: {title}", key)
        self.notebook.setCurrentIndex(self.notebook.findData("notebook03"))
        self.start_button = QPushButton("Replay")
        self.start_button.setToolTip("Run the notebook's steps in order, its models with its own settings")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.status = QLabel("Pick a notebook and press Replay.")
        top = QHBoxLayout()
        top.addWidget(QLabel("Notebook:"))
        top.addWidget(self.notebook, 1)
        top.addWidget(self.start_button)
        top.addWidget(self.stop_button)
        self.steps = QListWidget()
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignTop)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.caption.setFont(font)
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        self.findings.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.steps, 2)
        lay.addWidget(self.caption, 2)
        lay.addWidget(self.findings, 3)
        self.curves = RunCurves(empty="The models' curves race here as they train.")
        self.comparison = ComparisonView()
        self.boundaries = ReplayBoundaries()  # notebook 02's figure, shown for its replay
        self.boundaries.hide()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.curves)
        right.addWidget(self.boundaries)
        right.addWidget(self.comparison)
        right.setSizes([380, 380, 240])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([330, 900])
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.status)
        outer.addWidget(split, 1)
        session.replay_row.connect(self._on_row)
        session.replay_ended.connect(self._on_finished)
        self._mine = False  # a replay this tab asked for is going on
        self._runs: dict[str, dict] = {}  # run id -> {"row", "curve", "epochs"}
        self._results: list[str] = []  # the run ids of the models trained so far
        self._dirty = False
        self._drawn_at = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(int(REDRAW_S * 1000))
        self._timer.timeout.connect(self._redraw)

    # -- controls ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._mine

    def start(self, name: Optional[str] = None) -> None:
        if self.running:
            return
        from core.paths import runs_dir

        name = name or self.notebook.currentData()
        self.notebook.setCurrentIndex(self.notebook.findData(name))
        if not self.session.replay(name, str(runs_dir())):
            self.status.setText("The Training tab is busy (loading, or training a run): a replay "
                                "can start once it is idle.")
            return
        self._mine = True
        self._runs.clear()
        self.steps.clear()
        self.caption.clear()
        self.findings.clear()
        self.curves.set_runs([])
        self.comparison.set_records([])
        self._results: list[str] = []  # the run ids of the models trained so far
        self.boundaries.clear()
        self.boundaries.setVisible(name == "notebook02")
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.notebook.setEnabled(False)
        self.status.setText("Starting…")
        self._timer.start()

    def stop(self) -> None:
        if self._mine:
            self.session.stop_replay()
            self.status.setText("Stopping after the current batch…")

    def shutdown(self) -> None:
        """The window closes: stop the replay (the worker's host waits for it) and the redraws."""
        self.stop()
        self._timer.stop()

    # -- rows from the job ------------------------------------------------------------------------
    def _on_row(self, row: dict) -> None:
        if "steps" in row:
            self.status.setText(f"Replaying {row['title']}")
            for title in row["steps"]:
                self.steps.addItem(QListWidgetItem(f"   {title}"))
        elif "step" in row:
            for i in range(self.steps.count()):
                item = self.steps.item(i)
                mark = DONE if i < row["step"] - 1 else NOW if i == row["step"] - 1 else " "
                item.setText(f"{mark}  {item.text()[3:]}")
            self.steps.setCurrentRow(row["step"] - 1)
            self.caption.setText(f"<b>Step {row['step']} of {row['of']}: {row['title']}</b><br>"
                                 f"{row['caption']}")
        elif "event" in row:
            self._add_event(row)
        elif "result" in row:
            r = row["result"]
            acc = "" if r["model_acc"] is None else f", test acc {r['model_acc']:.2f}%"
            self._say(f"{r['model_name']}: test loss {r['model_loss']:.4f}{acc}, "
                      f"{r['training_time']:.1f} s")
            self._compare_so_far(r["run_id"])
            if self.boundaries.isVisibleTo(self) and r.get("checkpoint"):
                problem = self.boundaries.add_model(r["model_name"], r["checkpoint"])
                if problem:
                    self._say(problem)
            self.runs_changed.emit()
        elif "finding" in row:
            self._say(_finding_text(row))
        elif "compare" in row:
            self._show_comparison(row)
        elif "done" in row:
            for i in range(self.steps.count()):
                item = self.steps.item(i)
                item.setText(f"{DONE}  {item.text()[3:]}")
            self.status.setText("Done: every model is in the Runs tab.")
        elif row.get("stopped"):
            self.status.setText(f"Stopped at step {row['at_step']}.")

    def _add_event(self, row: dict) -> None:
        from core.config import EpochResult
        ev, run_id = row["event"], row["run"]
        run = self._runs.setdefault(run_id, {"row": SimpleNamespace(run_id=run_id, title=row["model"]),
                                             "curve": [], "epochs": []})
        if isinstance(ev, EpochResult):
            run["epochs"].append(vars(ev))
        else:
            run["curve"].append({"step": ev.step, "epoch": ev.epoch, "loss": ev.loss, "acc": ev.acc,
                                 "lr": ev.lr})
        self._dirty = True

    def _redraw(self) -> None:
        if self._dirty:
            self._dirty = False
            self.curves.set_runs([(r["row"], r["curve"], r["epochs"]) for r in self._runs.values()])

    def _compare_so_far(self, run_id: str) -> None:
        """Each trained model into the comparison table and bar chart as it ends (notebook 03's
        end adds the notebook's own figures to them)."""
        from core.runs.store import RunStore, StoreError
        self._results.append(run_id)
        try:
            store = RunStore()
            records = [store.get(i) for i in self._results]
        except StoreError as e:
            self._say(str(e))
            return
        self.comparison.set_records([r for r in records if r is not None])

    def _show_comparison(self, row: dict) -> None:
        from core.runs.store import RunStore, StoreError
        try:
            store = RunStore()
            records = [store.get(r["run_id"]) for r in row["compare"]]
        except StoreError as e:
            self._say(str(e))
            records = []
        self.comparison.set_records([r for r in records if r is not None])
        lines = [f"{r['model_name']}: TrainDesk {r['model_acc']:.2f}%, notebook {r['notebook_acc']:.2f}%"
                 for r in row["compare"] if r["notebook_acc"] is not None and r["model_acc"] is not None]
        self._say("<br>".join(lines) + f"<br><i>{row['note']}</i>")
        self.open_best.emit(row["best"])

    def _say(self, html: str) -> None:
        text = self.findings.text()
        self.findings.setText(f"{text}<br>{html}" if text else html)

    def _on_finished(self, _name: str, problem: str) -> None:
        self._mine = False
        if problem:
            self.status.setText(f"Stopped: {problem}")
        self._redraw()
        self._timer.stop()
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.notebook.setEnabled(True)


def _finding_text(row: dict) -> str:
    kind = row["finding"]
    if kind == "data":
        return f"Data: {row['train']} training and {row['test']} test samples."
    if kind == "fit":
        w, b = row["learned"].get("weight"), row["learned"].get("bias")
        return (f"Learned weight {w:.4f} and bias {b:.4f} (true: 0.7 and 0.3); "
                f"test loss {row['test_loss']:.5f}.")
    if kind == "reload":
        same = "identical" if row.get("identical") else "NOT identical"
        return f"Reloaded from the checkpoint: predictions {same} (largest difference {row.get('max_difference', 0):g})."
    return ""
