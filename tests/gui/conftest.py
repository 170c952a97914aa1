"""Fixtures for the window's tests: offscreen Qt, a private home, and no worker thread left behind."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything creates a QApplication

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory):
    """Core's thread-count cache and downloads, and QSettings, go to a temp folder, not the home."""
    home = tmp_path_factory.mktemp("traindesk-home")
    old = os.environ.get("TRAINDESK_DATA_HOME")
    os.environ["TRAINDESK_DATA_HOME"] = str(home)
    from PySide6.QtCore import QSettings
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(home / "qsettings"))
    yield home
    if old is None:
        os.environ.pop("TRAINDESK_DATA_HOME", None)
    else:
        os.environ["TRAINDESK_DATA_HOME"] = old


@pytest.fixture(autouse=True)
def no_thread_left_running():
    """Fail a test that leaves a worker QThread running (after its widgets were closed)."""
    yield
    from gui.jobs import running_threads  # every worker thread of gui/ is a JobRunner's
    left = running_threads()
    for thread in left:  # end them anyway so the next tests start clean
        thread.quit()
        thread.wait(30000)
    if left:
        pytest.fail(f"{len(left)} worker QThread(s) still running after the test: "
                    + ", ".join(t.objectName() for t in left))


@pytest.fixture
def settings(tmp_path):
    from gui.shared.settings import make_settings
    return make_settings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings):
    """A shown main window whose core and plots have loaded, set up for short fashion-v0 runs."""
    from gui.main_window import MainWindow
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.core_info is not None and w.plots is not None, timeout=60000)
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 32, "lr": 0.1,
                        "hidden_units": 10, "seed": 42})
    return w
