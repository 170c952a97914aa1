"""Nothing the window starts outlives it: a settle timer started just before the window closed
fired into a deleted setup panel ("Internal C++ object (QComboBox) already deleted", a test that
failed at random on a busy machine, and a traceback for a user closing the window at that moment)."""
import shiboken6
from PySide6.QtCore import QTimer

from gui.main_window import MainWindow


def test_a_settle_timer_started_at_close_never_fires_into_the_gone_window(qtbot, settings):
    w = MainWindow(settings)
    w.panel.folder_wanted.emit()  # an image folder to look at, once typing settles (150 ms)
    w._settings_changed()         # and a paced workflow's preview, the same way
    w.close()
    shiboken6.delete(w)  # the window and its widgets are gone, as after a close and deleteLater
    fired = []
    QTimer.singleShot(600, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=5000)  # past the settle time: a slot error fails here
    assert not shiboken6.isValid(w)


def test_the_windows_timers_are_its_own_and_stopped_when_it_closes(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    timers = [w._ticker, w._preview_timer, w._folder_timer]
    w.panel.folder_wanted.emit()
    assert w._folder_timer.isActive() and w._ticker.isActive()
    assert all(t.parent() is w for t in timers)  # deleted with the window, whoever holds them
    w.close()
    assert not any(t.isActive() for t in timers)
    w.panel.folder_wanted.emit()  # a late request after the close: nothing is scanned
    qtbot.wait(300)
    assert w.host is None  # never shown: no worker was started, nor by the late request
