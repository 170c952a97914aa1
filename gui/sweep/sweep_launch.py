"""The Run menu's "Sweep…" (Ctrl+Shift+R): plan a sweep in SweepDialog, then run it in a Sweep tab.

A sweep is `main.py sweep` in a process of its own (its runs are processes of theirs), so the
window's own training goes on beside it. One sweep at a time: while one runs, the action shows it.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui.shared.run_menu import add_to_run_menu

SHORTCUT = "Ctrl+Shift+R"  # Ctrl+R starts a run; the Run menu's other keys are Ctrl+P/./E, F5-F7


def install_sweep_action(window) -> QAction:
    """Add "Sweep…" to the window's Run menu, with the run's own actions above Quit, and return it.
    Enabled once the tool tabs are built (PyTorch loaded): the Sweep tab is one of them."""
    action = QAction("S&weep\u2026", window)
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"Train a grid of settings, several runs at once, and compare them ({SHORTCUT})")
    action.setEnabled(window.tool_tabs.built)
    action.triggered.connect(lambda: open_sweep_dialog(window))
    window.ready.connect(lambda: action.setEnabled(window.tool_tabs.built))
    add_to_run_menu(window, action)
    join = QAction("&Join a study\u2026", window)
    join.setToolTip("Follow an Optuna study that sweeps on this or another machine run, read from "
                    "its database (a SQLite file, or a PostgreSQL or MySQL URL)")
    join.setEnabled(window.tool_tabs.built)
    join.triggered.connect(lambda: join_study(window))
    window.ready.connect(lambda: join.setEnabled(window.tool_tabs.built))
    add_to_run_menu(window, join)
    window.join_study_action = join
    return action


def join_study(window, url: str = None, name: str = None):
    """Ask for a study's database and name (unless given), and follow it in a Sweep tab; returns
    its SweepView, or None."""
    from PySide6.QtWidgets import QInputDialog

    from core.sweep.storage import StudyError, default_url
    from core.sweep.study_read import study_names
    from gui.sweep.sweep_view import SweepView

    if url is None:
        url, ok = QInputDialog.getText(window, "Join a study", "The study's database (an Optuna "
                                       "storage URL, e.g. postgresql://user:pw@host/db):",
                                       text=default_url())
        if not ok or not url.strip():
            return None
        url = url.strip()
    if name is None:
        try:
            names = study_names(url)
        except StudyError as e:
            window.message.show_info(str(e))
            return None
        if not names:
            window.message.show_info(f"There is no study in {url} yet.")
            return None
        name, ok = QInputDialog.getItem(window, "Join a study", "Study:", names, 0, False)
        if not ok:
            return None
    view = SweepView.follow(url, name)
    window.tool_tabs.add_sweep_tab(view)
    window.log(f"\u2014 Following study {name}")
    return view


def open_sweep_dialog(window):
    """Ask for a sweep's lists and start it in the Sweep tab; returns the dialog (tests), or None."""
    tabs = window.tool_tabs
    if not tabs.built:
        window.message.show_info("PyTorch is still loading: a sweep can be planned once it is in.")
        return None
    current = tabs.sweep_view()
    if current is not None and current.running:
        tabs.show_sweep_tab()
        window.message.show_info("A sweep is running: stop it (or let it finish) before starting "
                                 "another.")
        return None
    from core.paths import runs_dir
    from gui.sweep.sweep_dialog import SweepDialog

    dialog = SweepDialog(window.panel.config(), window.settings, str(runs_dir()), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: start_sweep(window, dialog.arguments()))
    dialog.open()  # window-modal without a nested event loop
    return dialog


def start_sweep(window, arguments: list[str]):
    """Run `main.py <arguments>` (a sweep) in a new Sweep tab; returns its SweepView."""
    from gui.sweep.sweep_view import SweepView

    tabs = window.tool_tabs
    view = SweepView(arguments)
    view.log_line.connect(window.log)
    # a note on the desktop when it ends while the window is in the background (gui/window_desktop.py)
    view.ended.connect(lambda _code: window.note("The sweep ended", view.message.text(),
                                                 tabs.show_sweep_tab))
    window.tool_tabs.add_sweep_tab(view)
    window.log("\u2014 Sweep: main.py " + " ".join(arguments))
    view.start()
    return view
