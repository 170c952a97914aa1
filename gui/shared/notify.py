"""A note to the desktop when something long ends while the window is in the background.

Where the desktop has a system tray, Qt's QSystemTrayIcon.showMessage says it and a click on the
message raises the window. Elsewhere the freedesktop notification service is called over the session
D-Bus (org.freedesktop.Notifications.Notify, through `gdbus`, which types the call's arguments the
way the service expects: QtDBus in PySide6 cannot send the unsigned id it asks for), and its
"default" action (a click on the note) raises the window; the service's ActionInvoked signal is
listened to with QtDBus. Without either, nothing is shown: the window's log still says it.
"""
from __future__ import annotations

import shutil
from typing import Callable, Optional

from PySide6.QtCore import SLOT, QObject, QProcess, Slot

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
TIMEOUT_MS = 8000


class Notifier(QObject):
    """`notify(title, body, on_click)`; `sent` keeps what was said and how (tests, the log)."""

    def __init__(self, icon=None, parent=None):
        super().__init__(parent)
        self.icon = icon
        self.sent: list[tuple[str, str, str]] = []  # (how, title, body)
        self._tray = None
        self._clicks: dict[int, Callable] = {}  # a D-Bus note's id -> what its click does
        self._last_click: Optional[Callable] = None
        self._listening = False
        self.process: Optional[QProcess] = None

    def notify(self, title: str, body: str, on_click: Optional[Callable] = None) -> str:
        """Say it; returns how it was said ("tray", "dbus") or "" when the desktop cannot."""
        from PySide6.QtWidgets import QSystemTrayIcon

        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.icon, self) if self.icon else QSystemTrayIcon(self)
                self._tray.messageClicked.connect(lambda: self._last_click and self._last_click())
                self._tray.show()
            self._last_click = on_click
            self._tray.showMessage(title, body, self._tray.icon(), TIMEOUT_MS)
            how = "tray"
        elif self._dbus(title, body, on_click):
            how = "dbus"
        else:
            how = ""
        self.sent.append((how, title, body))
        return how

    # -- D-Bus -----------------------------------------------------------------------------------
    def _dbus(self, title: str, body: str, on_click) -> bool:
        from PySide6.QtDBus import QDBusConnection

        bus = QDBusConnection.sessionBus()
        gdbus = shutil.which("gdbus")
        if not bus.isConnected() or gdbus is None:
            return False
        if not self._listening:
            self._listening = bus.connect(SERVICE, PATH, SERVICE, "ActionInvoked", self,
                                          SLOT("_action_invoked(uint,QString)"))
        proc = QProcess(self)
        proc.setProgram(gdbus)
        proc.setArguments(["call", "--session", "--dest", SERVICE, "--object-path", PATH,
                           "--method", f"{SERVICE}.Notify", "TrainDesk", "uint32 0", "traindesk",
                           title, body, '["default", "Show"]', "@a{sv} {}",
                           f"int32 {TIMEOUT_MS}"])
        proc.finished.connect(lambda *_: self._delivered(proc, on_click))
        proc.start()
        self.process = proc
        return True

    def _delivered(self, proc: QProcess, on_click) -> None:
        out = bytes(proc.readAllStandardOutput()).decode(errors="replace")  # "(uint32 7,)"
        words = out.replace("(", " ").replace(",", " ").replace(")", " ").split()
        if on_click is not None and len(words) >= 2 and words[1].isdigit():
            self._clicks[int(words[1])] = on_click

    @Slot("uint", str)
    def _action_invoked(self, note_id: int, action: str) -> None:
        click = self._clicks.pop(int(note_id), None)
        if click is not None and action == "default":
            click()
