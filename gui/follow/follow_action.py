"""The window's "Follow a run folder…" action (Ctrl+Shift+O), in the Run menu above Quit.

It asks for a folder and has the tool tabs follow it in their Follow tab (made when first used).
It is enabled once the tool tabs are built (PyTorch loaded): the Evaluate and Draw tabs, which
a followed run's checkpoints go to, exist from then on.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui.follow.folder_dialog import ask_run_folder
from gui.shared.run_menu import add_to_run_menu

SHORTCUT = "Ctrl+Shift+O"


def install_follow_action(window) -> QAction:
    """`window`: the MainWindow (its tool_tabs, its ready signal, its Run menu)."""
    action = QAction("F&ollow a run folder\u2026", window)
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip("Watch the folder of a run another process writes (a `main.py train`, a "
                      f"torchrun job, a run synced from a server) and show it as it goes ({SHORTCUT})")
    action.setEnabled(window.tool_tabs.built)
    action.triggered.connect(lambda: follow_folder(window))
    window.ready.connect(lambda: action.setEnabled(window.tool_tabs.built))
    add_to_run_menu(window, action)
    return action


def follow_folder(window, folder=None) -> bool:
    """Follow `folder` (asked for when None) in the Follow tab; False when nothing is followed."""
    tabs = window.tool_tabs
    if not tabs.built:
        return False
    if folder is None:
        panel = tabs.follow_panel
        folder = ask_run_folder(window, panel.folder.parent if panel and panel.folder else None)
        if not folder:
            return False
    return tabs.follow(folder)
