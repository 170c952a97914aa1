"""The run controls: Start, Pause, Stop, +1 epoch, Step and Reset with their shortcuts, and the
speed of paced runs, on a toolbar and a Run menu (Quit is File's: gui/menus.py).

They ask the training session (gui/training/session.py) and follow its phase: each is enabled
when the session allows it, and Pause reads Resume while the run is paused. Step trains one epoch
and pauses (any workflow); Reset and the speed are for the paced workflows (the line, the
circles), whose epochs take milliseconds, as TF Playground plays them.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QStyle, QToolBar

from gui.training.session import IDLE, PAUSED

# (label, epochs a second; 0: as fast as it goes) for paced runs
SPEEDS = [("Fastest", 0.0), ("100 epochs/s", 100.0), ("10 epochs/s", 10.0), ("1 epoch/s", 1.0)]


@dataclass
class RunActions:
    start: QAction
    pause: QAction
    stop: QAction
    more: QAction
    step: QAction
    reset: QAction
    speed: QComboBox
    pause_icon: QIcon
    resume_icon: QIcon
    speed_actions: tuple = ()  # the toolbar's speed label and box, shown for paced workflows

    def all(self) -> list[QAction]:
        return [self.start, self.pause, self.stop, self.more, self.step, self.reset]

    def show_state(self, session, paced: bool = False) -> None:
        """Enable each action as `session` (a TrainingSession) allows it now; `paced`: the
        workflow on show plays its epochs at a speed (Reset and the speed box are its)."""
        paused = session.phase == PAUSED
        self.start.setEnabled(session.can_start)
        self.start.setText("Play" if paced else "Start")
        self.pause.setEnabled(session.can_pause)
        self.pause.setText("Resume" if paused else "Pause")
        self.pause.setIcon(self.resume_icon if paused else self.pause_icon)
        self.stop.setEnabled(session.can_stop)
        self.more.setEnabled(session.can_more)
        self.step.setEnabled(session.can_step)
        self.reset.setVisible(paced)
        self.reset.setEnabled(paced and (session.phase == IDLE or session.can_stop))
        for a in self.speed_actions:
            a.setVisible(paced)


def install_run_actions(window: QMainWindow, start, toggle_pause, stop, one_more_epoch, step,
                        reset, set_rate) -> RunActions:
    """Make the actions, connect them to the given slots, and add the toolbar and Run menu."""
    style = window.style()
    icon = QStyle.StandardPixmap

    def action(text, pixmap, keys, slot, tip):
        a = QAction(style.standardIcon(pixmap), text, window)
        a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setToolTip(f"{tip} ({', '.join(keys)})")
        a.triggered.connect(slot)
        return a

    actions = RunActions(
        start=action("Start", icon.SP_MediaPlay, ["Ctrl+R", "F5"], start,
                     "Train a new model with these settings"),
        pause=action("Pause", icon.SP_MediaPause, ["Ctrl+P", "F6"], toggle_pause,
                     "Pause or resume training"),
        stop=action("Stop", icon.SP_MediaStop, ["Ctrl+.", "Shift+F5"], stop,
                    "Stop after the current batch"),
        more=action("+1 epoch", icon.SP_MediaSeekForward, ["Ctrl+E", "F7"], one_more_epoch,
                    "Continue the finished run one more epoch"),
        step=action("Step", icon.SP_MediaSkipForward, ["Ctrl+T", "F8"], step,
                    "Train one epoch, then pause (starts a run if none is going)"),
        reset=action("Reset", icon.SP_BrowserReload, ["Ctrl+Shift+N", "F9"], reset,
                     "Stop, and show a fresh untrained model for these settings"),
        speed=QComboBox(),
        pause_icon=style.standardIcon(icon.SP_MediaPause),
        resume_icon=style.standardIcon(icon.SP_MediaPlay))
    for label, rate in SPEEDS:
        actions.speed.addItem(label, rate)
    actions.speed.setToolTip("How many epochs a second a line or circles run plays")
    actions.speed.currentIndexChanged.connect(lambda: set_rate(actions.speed.currentData()))
    toolbar = QToolBar("Run")
    toolbar.setObjectName("runToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setMovable(False)
    toolbar.addActions(actions.all())
    actions.speed_actions = (toolbar.addWidget(QLabel(" Speed ")), toolbar.addWidget(actions.speed))
    window.addToolBar(toolbar)
    menu = window.menuBar().addMenu("&Run")
    menu.addActions(actions.all())
    menu.addSeparator()  # the Follow, Sweep and Replay actions go above it (gui/shared/run_menu.py)
    return actions
