"""The window's menu bar beside Run: File, View and Help, as desktop applications have them.

File opens a checkpoint (into the Draw and Evaluate tabs' canvas), an image folder (to train on),
exports the Runs tab's selected run, and quits. View goes to each tab (Ctrl+1..9), picks the theme
(System / Light / Dark, kept in the settings), shows or hides the log, and turns the desktop note
at a run's end on or off. Help lists every shortcut, read from the window's actions themselves.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMenu

from gui.shared import theme

TAB_KEYS = 9  # Ctrl+1 .. Ctrl+9
LOG_KEY = "view/log"
NOTIFY_KEY = "view/notify"
THEMES = (("system", "&System"), ("light", "&Light"), ("dark", "&Dark"))


def _action(window, text: str, slot, keys=(), tip: str = "") -> QAction:
    a = QAction(text, window)
    a.setShortcuts([QKeySequence(k) for k in keys])
    a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    a.triggered.connect(slot)
    return a


class Menus:
    """Builds the menus on `window` (the MainWindow) and keeps their actions (tests look at them)."""

    def __init__(self, window):
        self.window = window
        bar = window.menuBar()
        first = bar.actions()[0] if bar.actions() else None  # Run: File goes before it
        self.file = QMenu("&File", window)
        bar.insertMenu(first, self.file)
        self.open_checkpoint = _action(window, "Open a &checkpoint\u2026", self._open_checkpoint,
                                       ["Ctrl+L"], "Load a checkpoint into the Draw tab")
        self.open_folder = _action(window, "Open an &image folder\u2026", self._open_folder,
                                   ["Ctrl+I"], "Train on a folder of pictures, one sub-folder "
                                   "per class")
        self.export = _action(window, "&Export the selected run\u2026", self._export,
                              ["Ctrl+Shift+E"], "Export the Runs tab's selected run as "
                              "TorchScript, ONNX or a training script")
        self.quit = _action(window, "&Quit", window.close, ["Ctrl+Q"])
        # The platform's own Quit keys where it has some (the offscreen and bare X11 ones have none)
        self.quit.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                               or [QKeySequence("Ctrl+Q")])
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.file.addActions([self.open_checkpoint, self.open_folder, self.export])
        self.file.addSeparator()
        self.file.addAction(self.quit)
        self.file.aboutToShow.connect(self._enable)
        self.view = bar.addMenu("&View")
        self._build_view()
        self.help = bar.addMenu("&Help")
        self.shortcuts = _action(window, "&Keyboard shortcuts", self.show_shortcuts,
                                 ["F1", "Ctrl+/"], "Every shortcut of the window")
        self.about = self.help.addAction("&About TrainDesk", window.show_about)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.help.insertAction(self.about, self.shortcuts)
        self._enable()

    # -- View ------------------------------------------------------------------------------------
    def _build_view(self) -> None:
        w = self.window
        self.tabs_menu = self.view.addMenu("&Tabs")
        self.tab_actions = []
        for i in range(TAB_KEYS):
            a = _action(w, "", lambda _=False, i=i: w.tab_widget.setCurrentIndex(i), [f"Ctrl+{i + 1}"])
            w.addAction(a)  # its shortcut works while the menu is closed, whatever tabs exist
            self.tab_actions.append(a)
        self.tabs_menu.aboutToShow.connect(self._list_tabs)
        self._list_tabs()
        self.theme_menu = self.view.addMenu("T&heme")
        group = QActionGroup(w)
        self.theme_actions = {}
        chosen = theme.load_choice(w.settings)
        for key, text in THEMES:
            a = self.theme_menu.addAction(text)
            a.setCheckable(True)
            a.setChecked(key == chosen)
            a.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            group.addAction(a)
            self.theme_actions[key] = a
        self.show_log = _action(w, "Show the &log", self._toggle_log, ["Ctrl+Shift+L"])
        self.show_log.setCheckable(True)
        self.show_log.setChecked(flag(w.settings, LOG_KEY, True))
        self.notify = self.view.addAction("&Notify when a run ends in the background")
        self.notify.setCheckable(True)
        self.notify.setChecked(flag(w.settings, NOTIFY_KEY, True))
        self.notify.setToolTip("A desktop notification when a run, a replay or a sweep ends while "
                               "the window is not the active one")
        self.notify.toggled.connect(lambda on: w.settings.setValue(NOTIFY_KEY, bool(on)))
        self.view.insertAction(self.notify, self.show_log)
        self._toggle_log(self.show_log.isChecked())

    def _list_tabs(self) -> None:
        tabs = self.window.tab_widget
        self.tabs_menu.clear()
        for i, a in enumerate(self.tab_actions):
            a.setEnabled(i < tabs.count())
            if i < tabs.count():
                a.setText(tabs.tabText(i).replace("&", ""))
                self.tabs_menu.addAction(a)

    def set_theme(self, key: str) -> None:
        theme.save_choice(self.window.settings, key)
        theme.apply_choice(key)
        self.theme_actions[key].setChecked(True)
        self.window._apply_theme()

    def _toggle_log(self, on: bool) -> None:
        self.window.log_view.setVisible(bool(on))
        self.window.settings.setValue(LOG_KEY, bool(on))

    # -- File ------------------------------------------------------------------------------------
    def _enable(self) -> None:
        built = self.window.tool_tabs.built
        self.open_checkpoint.setEnabled(built)
        runs = self.window.tool_tabs.runs
        row = runs.table.current_row() if runs is not None else None
        self.export.setEnabled(bool(row is not None and (row.checkpoint or row.best_checkpoint)))

    def _open_checkpoint(self) -> None:
        tabs = self.window.tool_tabs
        if tabs.built:
            tabs.tabs.setCurrentWidget(tabs._pages[tabs.canvas])
            tabs.canvas.choose_checkpoint()

    def _open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Folder of pictures, one sub-folder "
                                                  "per class")
        if folder:
            self.window.use_image_folder(folder)

    def _export(self) -> None:
        tabs = self.window.tool_tabs
        if tabs.runs is not None:
            tabs.tabs.setCurrentWidget(tabs._pages[tabs.runs])
            tabs.runs.export_run()

    # -- Help ------------------------------------------------------------------------------------
    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action and button of the window that has a shortcut."""
        rows, seen = [], set()
        for a in self.window.findChildren(QAction):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            text = a.text().replace("&", "").rstrip("\u2026").strip() or a.toolTip()
            if keys and text and (keys, text) not in seen:
                seen.add((keys, text))
                rows.append((keys, text))
        for b in self.window.findChildren(QAbstractButton):  # the Draw tab's B, E and F
            keys = b.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            text = (b.toolTip().split(" (")[0] or b.text()).replace("&", "")
            if keys and text and (keys, text) not in seen:
                seen.add((keys, text))
                rows.append((keys, text))
        return sorted(rows, key=lambda r: r[1].lower())

    def show_shortcuts(self):
        from gui.shared.shortcuts_dialog import ShortcutsDialog
        dialog = ShortcutsDialog(self.shortcut_rows(), self.window)
        dialog.open()
        return dialog


def flag(settings, key: str, default: bool) -> bool:
    value = settings.value(key, default)
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
