"""The note to the desktop when a run ends in the background (issue 29), over a private session
D-Bus in real processes: the Notify call as the specification types it, and a click on the note
coming back to the window."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # the distribution's, where python3-gi installs GLib's bindings

NOTE = r"""
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.shared.notify import Notifier
n = Notifier()
print(n.notify("fashion-v0 finished", "test accuracy 88.0% after 3 epochs"))
n.process.waitForFinished(20000)
"""

CLICK = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.shared.notify import Notifier
n = Notifier()
print(n.notify("fashion-v0 finished", "test accuracy 88.0%", on_click=lambda: (print("raised"), app.quit())))
QTimer.singleShot(20000, app.quit)
app.exec()
"""


def _has(*programs: str) -> bool:
    return all(shutil.which(p) for p in programs)


def _has_gi() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import gi"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.fixture
def bus():
    """A private session bus: its address, the daemon stopped afterwards."""
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, text=True)
    try:
        yield daemon.stdout.readline().strip()
    finally:
        daemon.terminate()
        daemon.wait(10)


def _app(code: str, address: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DBUS_SESSION_BUS_ADDRESS=address,
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not _has("dbus-daemon", "dbus-monitor", "gdbus"),
                    reason="needs a D-Bus daemon, dbus-monitor and gdbus")
def test_the_note_is_a_freedesktop_notify_call_on_the_session_bus(bus):
    """No tray here: the note goes over D-Bus as org.freedesktop.Notifications.Notify, typed as
    the specification says (susssasa{sv}i); dbus-monitor on the private bus sees the call."""
    monitor = subprocess.Popen(["dbus-monitor", "--address", bus,
                                "interface='org.freedesktop.Notifications'"],
                               stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # it has registered its match rule (checked below by what it saw)
    out = _app(NOTE, bus)
    assert out.stdout.split()[0] == "dbus", out.stderr
    time.sleep(0.5)
    monitor.terminate()
    seen = monitor.communicate(timeout=10)[0]
    call = seen[seen.index("member=Notify"):]
    for expected in ('string "TrainDesk"', "uint32 0", 'string "fashion-v0 finished"',
                     'string "test accuracy 88.0% after 3 epochs"', 'string "default"', "int32 8000"):
        assert expected in call, call


@pytest.mark.skipif(not _has("dbus-daemon", "gdbus") or not _has_gi(),
                    reason="needs a D-Bus daemon, gdbus and /usr/bin/python3 with python3-gi")
def test_a_click_on_the_note_reaches_the_window(bus):
    """The whole round trip: the Notify call reaches a stand-in notification service
    (tests/gui/fake_notifications.py), which answers with an id and then says the note was clicked
    (ActionInvoked); the Notifier calls back what raises the window."""
    service = subprocess.Popen([SYSTEM_PYTHON, str(Path(__file__).with_name("fake_notifications.py")),
                                bus], stdout=subprocess.PIPE, text=True)
    try:
        assert service.stdout.readline().startswith("ready 1")  # it owns the name
        out = _app(CLICK, bus)
        assert out.stdout.split() == ["dbus", "raised"], (out.stdout, out.stderr)
        assert service.stdout.readline().split() == ["called", "Notify", "fashion-v0", "finished"]
    finally:
        service.terminate()
        service.wait(10)
