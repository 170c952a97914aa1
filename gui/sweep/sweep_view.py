"""SweepView: one sweep, run by `main.py sweep` in a QProcess, with its runs filling in as they train.

The sweep process prints its plan first (the sweep's id and every run's values), then one line per
finished run, then its summary (core/cli/sweep.py); its stderr lines (one per finished run) go to
the window's log. Meanwhile the run history is read every POLL_MS on a JobRunner thread for the
runs tagged with the sweep's id, so a run shows up as soon as it starts training and its test
accuracy moves with each epoch. The scatter puts one point per run: x a chosen hyperparameter
(the learning rate on a log scale), y its test accuracy (test loss for the line models), colour its
status, shape the value of the next swept setting; the best run so far is a star. Stop sends the
sweep SIGTERM, which it passes on to its runs: each finishes its batch, saves and stops.

A sweep on an Optuna study (its plan names a study) is read from the study's database instead:
every trial, this process's and any other's, with this machine's history filling in the figures;
pruned runs are marked apart (their last epoch's figure), and StudyPanel shows the optimisation
history and the parameter importances. `SweepView.follow()` follows a study another machine runs,
with no process of its own ("Join a study…").
"""
from __future__ import annotations

import json
from typing import Optional

import pyqtgraph as pg
from PySide6.QtCore import QProcess, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSplitter, QTableWidget, QVBoxLayout, QWidget)

from core.runs.store import RunStore
from gui.evaluate.widgets import StateStack
from gui.jobs import JobRunner
from gui.shared.elided_label import ElidedLabel
from gui.shared.row_tables import read_only_rows
from gui.shared.theme import follow_theme
from gui.sweep.sweep_plot import NAMES, SweepPlot

POLL_MS = 1500
STOP_WAIT_MS = 30_000  # a window closing mid-sweep waits this long for the runs to save


def read_sweep(job, store: RunStore, sweep_id: str):
    """The history's runs of the sweep (runs in the JobRunner's thread)."""
    return [r for r in store.runs() if r.sweep == sweep_id], store.problem


def read_study_runs(job, url: str, name: str, store: RunStore):
    """The study's trials (core/sweep/study_read.py) and this machine's runs of it, by run id."""
    from core.sweep.study_read import read_study
    data = read_study(url, name)
    try:
        rows = {r.run_id: r for r in store.runs() if r.sweep == name}
    except Exception as e:  # noqa: BLE001 - the study is still worth showing without them
        return data, {}, str(e)
    return data, rows, store.problem


def _storage_of(arguments: list[str]) -> str:
    from core.sweep.storage import default_url
    if "--storage" in arguments[:-1]:
        return arguments[arguments.index("--storage") + 1]
    return default_url()


class SweepView(SweepPlot, QWidget):
    runs_changed = Signal()    # a run of the sweep appeared or ended: the Runs tab reads again
    log_line = Signal(str)     # the sweep's own progress lines
    ended = Signal(int)        # the sweep process's exit code (-1: it crashed or never started)

    def __init__(self, arguments: list[str], store: Optional[RunStore] = None,
                 command: Optional[list[str]] = None, poll_ms: int = POLL_MS, parent=None):
        super().__init__(parent)
        from core.launcher import command as this_install
        self.arguments = list(arguments)
        self.command = list(command or this_install())
        self.store = store if store is not None else RunStore()
        self.plan: Optional[dict] = None      # the sweep's {"plan": ...} line
        self.summary: Optional[dict] = None   # its {"sweep": ...} line
        self.results: dict[int, dict] = {}    # plan index (0-based) -> its {"run": ...} line
        self.rows: dict[int, object] = {}     # plan index -> its RunRow in the history
        self.exit_code: Optional[int] = None
        self.points: list[dict] = []          # what the scatter shows (tests read it)
        self.study: Optional[dict] = None     # a study's trials as read (core/sweep/study_read.py)
        self.storage_url = _storage_of(self.arguments)
        self.following = False                # a study run elsewhere: no process here
        self._known: dict[str, str] = {}      # run id -> status at the last read
        self._out_buffer = ""
        self._err_buffer = ""
        self._last_error_line = ""
        self._stopping = False
        self.jobs = JobRunner("traindesk-sweep", self, expected=("StoreError", "StudyError"))
        self.jobs.result.connect(self._on_rows)
        self.jobs.failed.connect(lambda tag, e: self.message.setText(e.message))
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self._build()

    # -- the widgets -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("Starting the sweep\u2026")
        self.title.setStyleSheet("font-weight: 600;")
        self.message = ElidedLabel()
        self.axis = QComboBox()
        self.axis.setToolTip("the hyperparameter along the x axis")
        self.axis.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.axis.currentIndexChanged.connect(self._draw)
        self.stop_button = QPushButton("Stop sweep")
        self.stop_button.setToolTip("Stop every run of the sweep: each finishes its batch, saves "
                                    "and stops; runs not started yet are left out")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("x axis:"))
        top.addWidget(self.axis)
        top.addWidget(self.stop_button)

        pg.setConfigOptions(antialias=True)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabel("left", "test accuracy (%)")
        self.scatter = pg.ScatterPlotItem(hoverable=True, tip=self._tip, pxMode=True)
        self.plot.addItem(self.scatter)
        self.legend = self.plot.addLegend(offset=(8, 8))
        self.legend.setLabelTextSize("8pt")
        follow_theme(self.plot)
        self.plot_state = StateStack(self.plot, "Each run appears here once its first epoch is in.")

        self.table = QTableWidget(0, 0)
        read_only_rows(self.table)
        self.table.setAlternatingRowColors(True)

        from gui.sweep.study_panel import StudyPanel
        self.study_panel = StudyPanel()
        self.study_panel.setVisible(False)  # a study's only
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot_state)
        split.addWidget(self.study_panel)
        split.addWidget(self.table)
        split.setSizes([380, 220, 180])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(split, 1)
        self.setMinimumHeight(420)

    # -- the process -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    @property
    def sweep_id(self) -> Optional[str]:
        return self.plan["id"] if self.plan else None

    @classmethod
    def follow(cls, url: str, name: str, store: Optional[RunStore] = None,
               poll_ms: int = POLL_MS, parent=None) -> "SweepView":
        """A view of study `name` in the database `url`, read every poll_ms; no process."""
        from core.sweep.storage import shown
        view = cls(["--storage", url], store=store, poll_ms=poll_ms, parent=parent)
        view.following = True
        view.plan = {"id": name, "model": None, "runs": [], "study": name, "storage": shown(url),
                     "parallel": 0}
        view.title.setText(f"Following study {name} ({shown(url)})")
        view.message.setText("Reading the study…")
        view.poll()
        view.timer.start()
        return view

    def start(self) -> None:
        self.message.setText(" ".join(["main.py", *self.arguments]))
        self.process.start(self.command[0], self.command[1:] + self.arguments)
        self.stop_button.setEnabled(True)
        self.timer.start()

    def stop(self) -> None:
        """Stop the sweep: its runs save and stop (the sweep passes SIGTERM on to them)."""
        if not self.running or self._stopping:
            return
        self._stopping = True
        self.stop_button.setEnabled(False)
        self.stop_button.setText("Stopping\u2026")
        self.message.setText("Stopping: each running run finishes its batch, saves and stops\u2026")
        self.process.terminate()

    def _read_stdout(self) -> None:
        self._out_buffer += bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._out_buffer = self._out_buffer.split("\n")
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if isinstance(obj.get("plan"), dict):
                self.plan = obj["plan"]
                self._on_plan()
            elif isinstance(obj.get("run"), dict) and isinstance(obj["run"].get("index"), int):
                self.results[obj["run"]["index"] - 1] = obj["run"]
                self.poll()  # its last figures are in the history now
            elif isinstance(obj.get("sweep"), dict):
                self.summary = obj["sweep"]
                for run in self.summary.get("runs", []):  # with those a stop left out
                    self.results.setdefault(run["index"] - 1, run)
                self._draw()

    def _read_stderr(self) -> None:
        self._err_buffer += bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        *lines, self._err_buffer = self._err_buffer.split("\n")
        for line in lines:
            line = line.rstrip()
            if line:
                self._last_error_line = line
                self.log_line.emit(line)

    def _on_plan(self) -> None:
        plan = self.plan
        n = len(plan["runs"]) if not plan.get("study") else int(plan.get("trials") or 0)
        if self.following:
            self.title.setText(f"Following study {plan['id']} of {plan['model']} ({plan['storage']})")
        elif plan.get("study"):
            self.title.setText(f"Study {plan['id']}: {n} trial{'s' * (n != 1)} of {plan['model']} "
                               f"here ({plan.get('sampler')}, pruner {plan.get('pruner')}), "
                               f"{plan['parallel']} at a time")
        else:
            self.title.setText(f"Sweep {plan['id']}: {n} run{'s' * (n != 1)} of {plan['model']}, "
                               f"{plan['parallel']} at a time")
        self.study_panel.setVisible(bool(plan.get("study")))
        self.axis.blockSignals(True)
        self.axis.clear()
        for key in self.dimensions() or ["index"]:
            self.axis.addItem(NAMES.get(key, key), key)
        self.axis.blockSignals(False)
        self.plot.setLabel("left", "test loss" if self._regression() else "test accuracy (%)")
        headers = ["#", *(NAMES.get(k, k) for k in self.dimensions()), "status", "test acc",
                   "test loss", "epochs", "run"]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setRowCount(self.count())
        self._draw()

    def _on_finished(self, code: int, status) -> None:
        self.exit_code = code if status == QProcess.ExitStatus.NormalExit else -1
        self.stop_button.setEnabled(False)
        self.stop_button.setText("Stop sweep")
        self._read_stdout()
        self._read_stderr()
        self.poll()  # the last figures; the timer stops once they are in
        self.timer.stop()
        self.message.setText(self._ending())
        self.ended.emit(self.exit_code)

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.timer.stop()
            self.stop_button.setEnabled(False)
            self.exit_code = -1
            self.message.setText(f"The sweep could not be started: {self.process.errorString()}")
            self.ended.emit(-1)

    def _ending(self) -> str:
        s = self.summary
        if s is None:
            return ("The sweep ended before it began: " + self._last_error_line if self._last_error_line
                    else f"The sweep ended (exit code {self.exit_code}).")
        runs = s["runs"]
        done = sum(1 for r in runs if r["status"] != "not started")
        how = "Stopped" if s["stopped"] else "Finished"
        text = f"{how}: {done} of {len(runs)} runs in {s['seconds']:.0f} s"
        if s["failed"]:
            text += f", {s['failed']} failed"
        best = s.get("best")
        if best:
            text += (f". Best: run {best['index']} ({self._describe(best)}), {self._figure(best)}, "
                     f"{best['run_id']}")
        return text + "."

    # -- reading the history ---------------------------------------------------------------------
    def poll(self) -> None:
        if self.plan is not None and self.plan.get("study"):
            self.jobs.submit(read_study_runs, self.storage_url, self.plan["study"], self.store,
                             tag="study", coalesce="poll")
        elif self.sweep_id is not None:
            self.jobs.submit(read_sweep, self.store, self.sweep_id, tag="poll", coalesce="poll")

    def _on_study(self, value) -> None:
        data, rows, problem = value
        first = self.study is None
        self.study, self.rows = data, rows
        if first and self.following:
            self.plan.update(model=data.get("model"), space=data.get("space") or {})
            if not self.plan["space"]:  # a study TrainDesk did not make: its trials' settings
                self.plan["space"] = {k: [] for t in data["trials"] for k in t["params"]}
        if first:
            self._on_plan()
        changed = False
        for t in data["trials"]:
            if t["run_id"] and self._known.get(t["run_id"]) != t["status"]:
                self._known[t["run_id"]] = t["status"]
                changed = True
        self._draw()
        self.study_panel.show_study(data, self._regression())
        if self.following:
            self.message.setText(problem or self._follow_text(data))
        elif problem:
            self.message.setText(problem)
        if changed:
            self.runs_changed.emit()

    def _follow_text(self, data: dict) -> str:
        trials = data["trials"]
        count = {s: sum(t["status"] == s for t in trials) for s in ("finished", "pruned", "failed", "running")}
        text = (f"{len(trials)} trials: {count['finished']} finished, {count['pruned']} pruned, "
                f"{count['failed']} failed, {count['running']} running")
        if data["history"]:
            text += f"; best so far {self._figure({'acc': data['history'][-1][2], 'loss': data['history'][-1][2]})}"
        return text

    def _on_rows(self, tag, value) -> None:
        if tag == "study":
            self._on_study(value)
            return
        rows, problem = value
        if problem:
            self.message.setText(problem)
        by_values = {self._key(values): i for i, values in enumerate(self.plan["runs"])}
        changed = False
        for row in rows:
            i = by_values.get(self._key({k: row.config.get(k) for k in self.dimensions()}))
            if i is None:
                continue
            self.rows[i] = row
            if self._known.get(row.run_id) != row.status:
                self._known[row.run_id] = row.status
                changed = True
        self._draw()
        if changed:
            self.runs_changed.emit()

    def _key(self, values: dict) -> str:
        return json.dumps([values.get(k) for k in self.dimensions()])

    # -- the end ---------------------------------------------------------------------------------
    def shutdown(self, wait_ms: int = STOP_WAIT_MS) -> None:
        """Stop the sweep (its runs save first) and wait up to `wait_ms` for it; then the thread."""
        self.timer.stop()
        if self.running and not self.following:
            self.stop()
            if not self.process.waitForFinished(wait_ms):
                self.process.kill()
                self.process.waitForFinished(5000)
        self.jobs.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        super().closeEvent(event)
