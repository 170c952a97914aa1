"""Adding an action to the window's Run menu, with the run's own actions (above Quit)."""
from __future__ import annotations

from PySide6.QtGui import QAction


def run_menu(window):
    """The menu bar's Run menu, or None if the window has none."""
    for a in window.menuBar().actions():
        if a.menu() is not None and a.text().replace("&", "") == "Run":
            return a.menu()
    return None


def add_to_run_menu(window, action: QAction) -> None:
    """Into the Run menu before its first separator; without a Run menu, on the window (its
    shortcut works all the same)."""
    menu = run_menu(window)
    if menu is None:
        window.addAction(action)
        return
    separators = [a for a in menu.actions() if a.isSeparator()]
    if separators:
        menu.insertAction(separators[0], action)
    else:
        menu.addAction(action)
