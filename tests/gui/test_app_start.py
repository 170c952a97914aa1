"""Starting as an installed application: icon, About box, log file, and failures that reach the
person (a dialog or the log) instead of a traceback nobody sees."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.launcher import ICON_SIZES
from core.paths import resources_dir

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, env, timeout=180):
    full = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAINDESK_DATA_HOME=str(tmp_path / "home"),
                TRAINDESK_SETTINGS=str(tmp_path / "settings.ini"), **env)
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=full,
                          capture_output=True, text=True, timeout=timeout)


def log_text(tmp_path) -> str:
    return (tmp_path / "home" / "logs" / "traindesk.log").read_text()


def test_every_icon_size_is_a_square_png_with_alpha(qapp):
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer
    for n in ICON_SIZES:
        image = QImage(str(resources_dir() / "icons" / f"traindesk-{n}.png"))
        assert (image.width(), image.height()) == (n, n) and image.hasAlphaChannel()
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corners: transparent, not a square
        assert image.pixelColor(n // 2, n // 2).alpha() == 255
    assert QSvgRenderer(str(resources_dir() / "traindesk.svg")).isValid()


def test_ready_probe_loads_every_tab_and_logs_the_session(tmp_path):
    out = start(tmp_path, {"TRAINDESK_READY_PROBE": "1"})
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("ready "))
    assert "tabs=4" in line and "data=none" not in line
    log = log_text(tmp_path)
    assert "window started" in log and "PyTorch" in log and "0 unexpected errors" in log


def test_hand_edited_settings_are_clamped_and_the_window_opens(tmp_path):
    settings = tmp_path / "settings.ini"
    settings.write_text('[experiment]\nconfig="{\\"epochs\\": 3000000000, \\"lr\\": \\"NaN\\", '
                        '\\"batch_size\\": -5, \\"data_dir\\": 12, \\"seed\\": [1]}"\n')
    out = start(tmp_path, {"TRAINDESK_FIRST_PAINT_PROBE": "1"})
    assert out.returncode == 0, out.stderr
    assert "first-paint" in out.stdout and "Traceback" not in out.stderr


def test_restored_values_are_clamped_into_each_box(qtbot):
    from gui.training.setup_panel import SetupPanel
    panel = SetupPanel()
    qtbot.addWidget(panel)
    panel.set_config({"epochs": 3_000_000_000, "batch_size": -5, "lr": float("nan"),
                      "weight_decay": "lots", "seed": [1], "data_dir": 12, "hidden_units": 1e300})
    assert panel.epochs.value() == panel.epochs.maximum()
    assert panel.batch_size.value() == panel.batch_size.minimum()
    assert panel.hidden.value() == panel.hidden.maximum()
    assert panel.lr.value() == 0.1 and panel.weight_decay.value() == 0.0
    assert panel.seed.value() == 42 and panel.data_dir.text() == ""


def test_settings_the_window_cannot_use_are_set_aside_and_it_opens_with_defaults(
        qtbot, tmp_path, monkeypatch):
    """The safety net behind the clamping: whatever a saved value breaks, the window still opens."""
    from gui import app, main_window
    from gui.shared.settings import make_settings
    settings = make_settings(tmp_path / "settings.ini")
    settings.setValue("experiment/config", '{"epochs": 7}')
    settings.sync()
    real_init = main_window.MainWindow.__init__
    calls = []

    def breaks_on_saved_settings(self, s, parent=None):
        calls.append(s.value("experiment/config"))
        if s.value("experiment/config"):
            raise OverflowError("a value no widget takes")
        real_init(self, s, parent)
    monkeypatch.setattr(main_window.MainWindow, "__init__", breaks_on_saved_settings)
    window, problem = app._make_window(settings)
    qtbot.addWidget(window)
    assert len(calls) == 2 and "OverflowError: a value no widget takes" in problem
    kept = list(tmp_path.glob("settings.ini.damaged-*"))
    assert len(kept) == 1 and str(kept[0]) in problem
    assert make_settings(kept[0]).value("experiment/config") == '{"epochs": 7}'  # nothing lost
    assert window.panel.epochs.value() == 3  # the default


def test_no_display_is_logged_and_said_without_a_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no DISPLAY, no QT_QPA_PLATFORM
    out = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "needs a display" in out.stderr and "Traceback" not in out.stderr
    log = (tmp_path / ".local" / "state" / "TrainDesk" / "traindesk.log").read_text()
    assert "start-up failed" in log and "needs a display" in log


def test_without_qt_a_desktop_dialog_tool_is_used():
    from gui.shared.error_report import show_without_qt
    calls = []
    found = {"kdialog": "/usr/bin/kdialog"}
    tool = show_without_qt("Qt is missing", {"DISPLAY": ":0"}, found.get,
                           lambda args, **kw: calls.append(args))
    assert tool == "kdialog" and calls[0][0] == "/usr/bin/kdialog" and "Qt is missing" in calls[0]
    assert show_without_qt("x", {}, found.get, lambda *a, **k: pytest.fail("no screen")) is None
    assert show_without_qt("x", {"DISPLAY": ":0"}, lambda name: None) is None


def test_an_exception_in_a_slot_is_logged_counted_and_the_app_goes_on(qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from core import applog
    from gui.shared.error_report import SlotErrors
    applog.setup("test")
    errors = SlotErrors(show_dialogs=False).install()
    try:
        def broken():
            raise RuntimeError("slot went wrong")
        QTimer.singleShot(0, broken)
        qtbot.waitUntil(lambda: errors.count == 1, timeout=5000)
    finally:
        errors.uninstall()
    assert "RuntimeError: slot went wrong" in applog.log_file().read_text()


def test_about_box_shows_versions_device_data_and_folders(window, qtbot):
    from PySide6 import __version__ as pyside_version

    from core.applog import log_file
    from core.paths import user_data_dir
    from core.version import __version__
    assert window.about_action.text() == "&About TrainDesk"
    qtbot.waitUntil(lambda: window.data_source is not None, timeout=60000)
    dialog = window.show_about()
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    for expected in (__version__, window.core_info.torch_version, pyside_version,
                     window.core_info.auto_device, window.data_source,
                     str(user_data_dir()), str(log_file().parent)):
        assert expected in text
    assert text.count("<a href=\"file://") == 2  # both folders open in the file manager
    assert not dialog.icon.pixmap().isNull()
    dialog.accept()


def sigterm_once_logged(tmp_path, text: str):
    """Start the window as a process, send SIGTERM once `text` is in its log; (exit code, stderr)."""
    import signal
    import time
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAINDESK_DATA_HOME=str(tmp_path / "home"),
               TRAINDESK_SETTINGS=str(tmp_path / "settings.ini"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "home" / "logs" / "traindesk.log"
    try:
        deadline = time.monotonic() + 120
        while not (log.exists() and text in log.read_text()):
            assert time.monotonic() < deadline, f"{text!r} never reached the log"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, err


def settings_saved(tmp_path) -> bool:
    text = (tmp_path / "settings.ini").read_text()
    return "[window]" in text and "geometry=" in text


def test_closing_while_torch_loads_ends_the_process_without_waiting(tmp_path):
    code, err = sigterm_once_logged(tmp_path, "loading PyTorch")  # its import takes seconds
    assert code == 0, err
    log = log_text(tmp_path)
    assert "signal 15: closing the window" in log and settings_saved(tmp_path)
    before, after = log.split("signal 15: closing the window")
    if "ready in" not in before:  # closed while torch loaded: the process ended without waiting
        assert "ready in" not in after  # for it (at once, or after dropping the queued import)


def test_sigterm_closes_a_loaded_window_the_normal_way(tmp_path):
    code, err = sigterm_once_logged(tmp_path, "data ready")
    assert code == 0, err
    log = log_text(tmp_path)
    assert "signal 15: closing the window" in log and "window closed (exit code 0" in log
    assert settings_saved(tmp_path)
