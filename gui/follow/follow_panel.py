"""FollowPanel: the Follow tab, one run folder another process writes (a `main.py train` in a
terminal, a torchrun job, a run on a server synced over), shown as it goes.

A QTimer asks for what was appended; gui/follow/folder_reading.py reads it in a thread of its own,
whole lines only, keeping a sample of the rows (core/runs/metrics_digest.py: a few thousand points
per curve, however long the run), and hands back a Digest: the header says what the run is and
how far it got, the curves (gui/runs/run_curves.py) and the comparison (one row per finished
epoch kept, gui/evaluate/comparison.py) redraw when lines land, and each new last.safetensors goes
to the Evaluate and Draw tabs through `load(row, path)` (ToolTabs.show_run). A folder that
vanishes is said to be gone, with what was shown kept; when it comes back it is picked up again.
Nothing here blocks: a 300 MB metrics file is read in the thread while the window goes on (its
first slice here), and a checkpoint of some kB is read now and then.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QHBoxLayout, QSplitter, QVBoxLayout, QWidget

from core import workflows
from core.runs.folder import METRICS, is_run_folder
from core.runs.metrics_digest import Digest
from gui.evaluate.comparison import ComparisonView
from gui.evaluate.widgets import StateStack
from gui.follow import run_summary
from gui.follow.checkpoint_watch import CheckpointWatch
from gui.follow.folder_dialog import ask_run_folder
from gui.follow.folder_reading import FolderReading
from gui.runs.run_curves import RunCurves
from gui.shared.elided_label import ElidedLabel

POLL_MS = 500
QUIET_S = 60  # a running run with no news for this long says so (its writer may have died)
EMPTY = ("Follow a run that another process writes \u2014 a `main.py train` in a terminal, a "
         "torchrun job, a run synced from a server: Run \u25b8 Follow a run folder\u2026 "
         "(Ctrl+Shift+O), then pick the run's own folder (the one holding run.json and "
         "metrics.jsonl).")
NO_POINTS = "No curve yet: it starts with the run's first batches."
NO_EPOCHS = "Each finished epoch's test figures appear here."
READING = "Reading the run's metrics: the curves come in as they are read."
STATUS_COLORS = {"running": "#1f6fc5", "waiting": "#1f6fc5", "reading": "#1f6fc5", "finished": "#1a7f37",
                 "stopped": "#9a6700", "no": "#cf222e", "failed": "#cf222e"}
NOT_IMAGES = ("This run trains a line or circles model: only Fashion-MNIST runs go to the Evaluate "
              "and Draw tabs.")
COMPARE_AFTER_MS = 40  # the comparison is redrawn this long after the curves
CATCHING_UP_S = 1.0    # while a big file is read, its curves are redrawn this often at most
MAX_LISTED = 2000  # sub-folders looked at when a folder is not a run folder itself


class FollowPanel(QWidget):
    """`follow(folder)` starts following (False, with a one-line reason, when it is not a run
    folder); `load(row, path) -> error or None` loads a checkpoint into Evaluate and Draw."""

    def __init__(self, load: Optional[Callable] = None, interval_ms: int = POLL_MS, parent=None):
        super().__init__(parent)
        self.load = load
        self.folder: Optional[Path] = None
        self.view: Optional[Digest] = None  # what was read of the folder, as last handed over
        self.watch: Optional[CheckpointWatch] = None
        self.row = None              # the followed run as a RunRow, as last drawn
        self.loaded_epoch = None     # the epoch of the checkpoint last sent to Evaluate and Draw
        self._changed_at = 0.0       # when the metrics last grew (time.time())
        self._dirty = False          # read, not drawn yet
        self._draw_due = 0.0         # time.monotonic() from which the next redraw may happen
        self._epochs_key = None      # the epochs the comparison shows
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.reading = FolderReading(self)
        self.reading.news.connect(self._on_news)
        self.reading.failed.connect(lambda why: self._say(f"The run's metrics could not be read: {why}"))
        self._build()

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setFont(font)
        self.header = ElidedLabel()
        self.figures = ElidedLabel()
        self.path_label = ElidedLabel()
        self.path_label.setStyleSheet("color: palette(placeholder-text);")
        self.message = ElidedLabel()
        self.message.hide()  # shown while it has something to say
        self.stop_button = QPushButton("Stop following")
        self.stop_button.setToolTip("Stop reading the folder; what is shown stays")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.choose_button = QPushButton("Follow another folder\u2026")
        self.choose_button.setToolTip("Pick another run folder to follow (Ctrl+Shift+O)")
        self.choose_button.clicked.connect(self.choose_folder)
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(self.title)
        top.addWidget(self.status, 1)
        top.addWidget(self.choose_button)
        top.addWidget(self.stop_button)

        self.curves = RunCurves()
        self.comparison = ComparisonView()
        self.compare_state = StateStack(self.comparison, NO_EPOCHS)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.curves)
        split.addWidget(self.compare_state)
        split.setSizes([420, 220])
        split.setChildrenCollapsible(False)
        content = QWidget()
        lay = QVBoxLayout(content)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.header)
        lay.addWidget(self.figures)
        lay.addWidget(self.path_label)
        lay.addWidget(split, 1)
        self.state = StateStack(content, EMPTY)
        self.setMinimumHeight(420)
        outer = QVBoxLayout(self)
        outer.addWidget(self.message)
        outer.addWidget(self.state, 1)

    # -- following --------------------------------------------------------------------------------
    @property
    def following(self) -> bool:
        return self.timer.isActive()

    def follow(self, folder) -> bool:
        """Follow the run folder `folder` from its start (what another folder showed goes)."""
        folder = Path(folder).expanduser()
        why = not_a_run_folder(folder)
        if why:
            self._say(why)  # what was followed before goes on
            return False
        self.timer.stop()
        self.folder = folder.absolute()
        self.watch = CheckpointWatch(self.folder)
        self.row, self.loaded_epoch, self._changed_at = None, None, time.time()
        self._dirty, self._draw_due, self._epochs_key = False, 0.0, None
        self._say("")
        self.path_label.setText(str(self.folder))
        self.state.show_content()
        self.stop_button.setEnabled(True)
        self.timer.start()
        self._on_news(self.reading.start(self.folder), True)  # its first slice, read here
        # The rest (of a big file) in the reader's thread, once the tab has been laid out and
        # painted: a reader holding the interpreter made each of the many Python calls of a
        # first paint wait for it, and the window stood still for 0.2 s.
        QTimer.singleShot(0, self, self.poll)
        return True

    def choose_folder(self) -> bool:
        """Ask for a run folder and follow it (False when none was picked or it is not one)."""
        folder = ask_run_folder(self, self.folder.parent if self.folder else None)
        return bool(folder) and self.follow(folder)

    def stop(self) -> None:
        """Stop reading the folder; what it showed stays."""
        if self.following:
            self.timer.stop()
            self.reading.stop()
            self.stop_button.setEnabled(False)
            self._say(f"Stopped following {self.folder}.")
            self._show_status()

    def shutdown(self) -> None:
        self.timer.stop()
        self.reading.shutdown()

    def _say(self, text: str) -> None:
        """The one-line message over the tab (hidden when empty)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def poll(self) -> None:
        """Ask for what was appended (read in the reader's thread); load a new last checkpoint."""
        if self.view is None:
            return
        self.reading.request()
        if not self.view.gone:
            self._take_checkpoint()
        self._show_status()

    def _on_news(self, view: Digest, changed: bool) -> None:
        """What the reader has read: redraw what changed."""
        self.view = s = view
        if changed or self.row is None:
            self._changed_at = time.time()
            row = run_summary.run_row(s, self.folder)
            if self.row is not None and row.run_id != self.row.run_id:
                self.loaded_epoch = None  # another run came in its place
            self.row = row
            self._dirty = True
        if self._dirty and (time.monotonic() >= self._draw_due or s.end is not None):
            self._draw()  # the run's end is drawn at once
        self._show_status()

    def _draw(self) -> None:
        """Redraw the curves, then (a moment later: the window's events go in between) the
        comparison. A long run's curve takes longer to draw: it is then drawn less often (at
        most a fifth of the window's time goes to it)."""
        s = self.view
        self._dirty = False
        if s.gone:
            return  # what was shown stays
        QTimer.singleShot(COMPARE_AFTER_MS, self, self._compare)
        started = time.monotonic()
        points, epochs = run_summary.curve_points(s), run_summary.epoch_points(s)
        if points or epochs:
            self.curves.set_runs([(self.row, points, epochs)])
        else:  # nothing yet (or a file started over): no stale curve
            self.curves.set_runs([])
            self.curves.state.show_message(READING if s.behind else NO_POINTS)
        took = time.monotonic() - started  # while a big file is read, once a second at most
        self._draw_due = time.monotonic() + max(4 * took, CATCHING_UP_S if s.behind else 0.0)

    def _compare(self) -> None:
        """The comparison, one row per finished epoch kept, when an epoch came in."""
        s = self.view
        if s is None or s.gone:
            return  # what was shown stays
        records = run_summary.epoch_records(self.row, s)
        key = [(r.run_id, r.model_loss, r.model_acc, r.training_time) for r in records]
        if key == self._epochs_key:
            return
        self._epochs_key = key
        self.comparison.set_records(records)
        if records:
            self.comparison.select_run(records[-1].run_id)
            self.compare_state.show_content()
        else:
            self.compare_state.show_message(NO_EPOCHS)

    def _show_status(self) -> None:
        s = self.view
        self.title.setText(self.row.title if self.row and s.info else self.folder.name)
        status = run_summary.status_line(s)
        if status.startswith("running"):
            quiet = time.time() - (_mtime(self.folder / METRICS) or self._changed_at)
            if quiet >= QUIET_S:
                status += f" (nothing new for {_ago(quiet)})"
        if not self.following and status != run_summary.GONE:
            status += " (not followed now)"
        self.status.setText(status)
        color = STATUS_COLORS.get(status.split(" ")[0].rstrip(":"), "")
        self.status.setStyleSheet(f"color: {color};" if color else "")
        self.header.setText(run_summary.header_text(s.info, self.folder))
        figures = run_summary.figures_line(s)
        if self.loaded_epoch is not None:
            figures += (" \u00b7 " if figures else "") + (
                f"epoch {self.loaded_epoch}'s checkpoint is in the Evaluate and Draw tabs")
        self.figures.setText(figures)
        self.figures.setVisible(bool(figures))

    def _take_checkpoint(self) -> None:
        signature = self.watch.changed()
        if signature is None or self.load is None:
            return
        s = self.view
        self.watch.seen(signature)  # not news again until it changes (a half-copied file does)
        if s.info is not None and not run_summary.is_image_run(s.info):
            self._say(NOT_IMAGES)
            return
        from core.checkpoint import CheckpointError, read_meta  # torch is in by now (ToolTabs)
        path = str(self.watch.path)
        try:
            meta = read_meta(path)
        except CheckpointError as e:
            self._say(f"The run's last checkpoint could not be read: {e}")
            return
        if meta.get("task", "fashion") not in workflows.IMAGE_WORKFLOWS:
            self._say(NOT_IMAGES)
            return
        row = run_summary.run_row(s, self.folder, path, meta)
        error = self.load(row, path)
        if error:
            self._say(f"The run's last checkpoint could not be loaded: {error}")
            return
        self.loaded_epoch = row.epochs
        if self.message.text().startswith("The run's last checkpoint"):
            self._say("")


def not_a_run_folder(folder: Path) -> Optional[str]:
    """Why `folder` cannot be followed, in one line; None when it is a run folder."""
    if not folder.is_dir():
        return f"{folder} is not a folder (or is not there)."
    if is_run_folder(folder):
        return None
    runs = []
    try:
        with os.scandir(folder) as entries:
            for i, entry in enumerate(entries):
                if i >= MAX_LISTED:
                    break
                if entry.is_dir() and is_run_folder(Path(entry.path)):
                    runs.append(entry.name)
    except OSError:
        pass
    if runs:
        newest = max(runs, key=lambda n: _mtime(folder / n))
        return (f"{folder} holds {len(runs)} run folder{'s' * (len(runs) != 1)}, but is not one: "
                f"pick one of them (the newest is {newest}).")
    return (f"{folder} is not a TrainDesk run folder: it has no run.json or metrics.jsonl "
            "(pick the folder a run writes, e.g. runs/fashion-v2-20250101-120000-ab12cd).")


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _ago(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
