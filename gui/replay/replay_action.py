"""Run ▸ Replay a notebook… (Ctrl+Shift+P): opens the Replay tab."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui.shared.run_menu import add_to_run_menu

SHORTCUT = "Ctrl+Shift+P"


def install_replay_action(window) -> QAction:
    """`window`: the MainWindow (its tool_tabs, its ready signal, its Run menu)."""
    action = QAction("Re&play a notebook\u2026", window)
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"Replay notebook 01, 02 or 03 step by step, its models trained with its own "
                      f"settings ({SHORTCUT})")
    action.setEnabled(window.tool_tabs.built)
    action.triggered.connect(window.tool_tabs.replay)
    window.ready.connect(lambda: action.setEnabled(window.tool_tabs.built))
    add_to_run_menu(window, action)
    return action
