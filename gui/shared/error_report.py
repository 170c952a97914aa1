"""Failures reach the person even without a terminal: the log file, a dialog, and stderr if any.

Started from an icon, stderr goes nowhere. So a start-up failure is written to the log and shown in
a Qt dialog; when Qt itself cannot open a window (its libraries are missing), a desktop's own
dialog tool (zenity, kdialog, xmessage) is tried instead. An exception raised inside a slot is
logged with its traceback and shown once in a dialog, and the window carries on.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import traceback

from core import applog

TITLE = "TrainDesk"


def _stderr(text: str) -> None:
    stream = sys.stderr or sys.__stderr__  # None under pythonw / a windowed bundle on Windows
    if stream is not None:
        try:
            print(text, file=stream, flush=True)
        except (OSError, ValueError):
            pass


def _with_log_hint(message: str) -> str:
    return f"{message}\n\nDetails are in the log file: {applog.log_file()}"


def show_without_qt(message: str, environ=os.environ, which=shutil.which, run=subprocess.run) -> str | None:
    """Show `message` with the desktop's dialog tool; returns the tool used, or None."""
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return None  # no screen at all: stderr and the log are all there is
    tools = (("zenity", ["--error", "--no-markup", f"--title={TITLE}", f"--text={message}"]),
             ("kdialog", ["--title", TITLE, "--error", message]),
             ("xmessage", ["-center", message]))
    for tool, args in tools:
        path = which(tool)
        if path:
            try:
                run([path, *args], timeout=600, check=False)
                return tool
            except (OSError, subprocess.SubprocessError):
                continue
    return None


def startup_failed(message: str, qt_usable: bool) -> None:
    """The window cannot open: say why everywhere the person might look."""
    applog.get().error("start-up failed: %s", message)
    _stderr(message)
    full = _with_log_hint(message)
    if qt_usable:
        from PySide6.QtWidgets import QApplication, QMessageBox
        if QApplication.instance() is None:
            QApplication([sys.argv[0]])
        QMessageBox.critical(None, TITLE, full)
    else:
        show_without_qt(full)


class SlotErrors:
    """sys.excepthook while the window runs: log every uncaught exception, show the first of each
    kind in a dialog (a broken slot firing 20 times a second must not stack 20 dialogs a second)."""

    def __init__(self, show_dialogs: bool = True):
        self.count = 0
        self.show_dialogs = show_dialogs
        self._shown: set[str] = set()
        self._previous = None

    def install(self) -> "SlotErrors":
        self._previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            return (self._previous or sys.__excepthook__)(kind, value, tb)
        self.count += 1
        details = "".join(traceback.format_exception(kind, value, tb))
        applog.get().error("unexpected error:\n%s", details.rstrip())
        _stderr(details.rstrip())
        key = f"{kind.__name__}: {value}"
        if not self.show_dialogs or key in self._shown:
            return
        self._shown.add(key)
        from PySide6.QtWidgets import QApplication, QMessageBox
        if QApplication.instance() is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, TITLE,
                          "Something went wrong inside TrainDesk. What you were doing may not have "
                          "finished; the window carries on.")
        box.setInformativeText(_with_log_hint(key))
        box.setDetailedText(details)
        box.exec()
