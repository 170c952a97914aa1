"""The run controls: Start, Pause, Stop and +1 epoch with their shortcuts, on a toolbar and a Run menu.

They ask the training session (gui/training/session.py) and follow its phase: each is enabled
when the session allows it, and Pause reads Resume while the run is paused.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

from gui.training.session import PAUSED


@dataclass
class RunActions:
    start: QAction
    pause: QAction
    stop: QAction
    more: QAction
    pause_icon: QIcon
    resume_icon: QIcon

    def all(self) -> list[QAction]:
        return [self.start, self.pause, self.stop, self.more]

    def show_state(self, session) -> None:
        """Enable each action as `session` (a TrainingSession) allows it now."""
        paused = session.phase == PAUSED
        self.start.setEnabled(session.can_start)
        self.pause.setEnabled(session.can_pause)
        self.pause.setText("Resume" if paused else "Pause")
        self.pause.setIcon(self.resume_icon if paused else self.pause_icon)
        self.stop.setEnabled(session.can_stop)
        self.more.setEnabled(session.can_more)


def install_run_actions(window: QMainWindow, start, toggle_pause, stop, one_more_epoch) -> RunActions:
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
        pause_icon=style.standardIcon(icon.SP_MediaPause),
        resume_icon=style.standardIcon(icon.SP_MediaPlay))
    quit_action = QAction("Quit", window)
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(window.close)
    toolbar = QToolBar("Run")
    toolbar.setObjectName("runToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setMovable(False)
    toolbar.addActions(actions.all())
    window.addToolBar(toolbar)
    menu = window.menuBar().addMenu("&Run")
    menu.addActions(actions.all())
    menu.addSeparator()
    menu.addAction(quit_action)
    return actions
