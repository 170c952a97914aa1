"""Start the window: `python main.py` with no command lands here.

Nothing on the way to the first paint imports torch, core.models or pyqtgraph; the window loads
them after it is on screen. A failure on the way (no display, Qt's libraries missing, damaged
settings) is logged and shown in a dialog, since a launcher started from an icon has no terminal.
Environment:
  TRAINDESK_SETTINGS=FILE        keep the window's settings in this ini file (portable use, tests)
  TRAINDESK_FIRST_PAINT_PROBE=1  print "first-paint SECONDS" (since the interpreter started) when
                                 the window has painted once, then close (benchmarks)
  TRAINDESK_READY_PROBE=1        once torch, the data and every tab have loaded, show each tab,
                                 print "ready SECONDS", and close; exit 1 if anything raised
                                 (checks of a build, e.g. packaging/smoke.sh)
"""
from __future__ import annotations

import os
import signal
import sys
import time

from core import applog
from core.launcher import APP_ID

READY_TIMEOUT_S = 300


def _since_interpreter_start() -> float:
    """Seconds since this process started, where the platform tells; else since this module loaded."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _LOADED


_LOADED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    from gui.shared.error_report import startup_failed
    from gui.shared.platform_check import problem

    signals = _SignalsClose()  # first: a logout during the imports below closes, not kills
    applog.setup("window")
    why = problem()
    if why:  # otherwise Qt prints its own riddle and aborts the process
        startup_failed(why, qt_usable=False)
        return 1
    probing = bool(os.environ.get("TRAINDESK_FIRST_PAINT_PROBE") or
                   os.environ.get("TRAINDESK_READY_PROBE"))
    # Nobody can answer a dialog offscreen or in a probe: there, stderr and the log must do.
    interactive = not probing and os.environ.get("QT_QPA_PLATFORM") != "offscreen"
    try:
        return _run(list(sys.argv if argv is None else argv), interactive, signals)
    except Exception as e:  # noqa: BLE001 - whatever it is, the person must hear of it
        applog.get().exception("the window failed to start")
        startup_failed(f"TrainDesk could not start: {type(e).__name__}: {e}", qt_usable=interactive)
        return 1


def _run(argv: list[str], interactive: bool, signals: "_SignalsClose") -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from core.version import __version__
    from gui.shared.app_icon import app_icon
    from gui.shared.error_report import SlotErrors
    from gui.shared.settings import make_settings

    # Qt 6 scales for high DPI by itself; pass fractional factors (150%) through unrounded.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    # The desktop groups our windows under the launcher: Wayland by this name (traindesk.desktop),
    # X11 by WM_CLASS, whose first part Qt takes from argv[0] (the launcher's StartupWMClass).
    QGuiApplication.setDesktopFileName(APP_ID)
    app = QApplication.instance() or QApplication([APP_ID, *argv[1:]])
    app.setOrganizationName("TrainDesk")
    app.setApplicationName("TrainDesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    errors = SlotErrors(show_dialogs=interactive).install()
    settings = make_settings(os.environ.get("TRAINDESK_SETTINGS"))
    window, settings_problem = _make_window(settings)
    if os.environ.get("TRAINDESK_FIRST_PAINT_PROBE"):
        def painted():
            print(f"first-paint {_since_interpreter_start():.3f}", flush=True)
            QTimer.singleShot(0, window.close)
        window.first_painted.connect(painted)
    if os.environ.get("TRAINDESK_READY_PROBE"):
        _probe_ready(window, app, errors)
    window.quit_fast = _exit_now
    signals.attach(window)
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    window.show()
    if settings_problem:
        window.log(settings_problem)
        window.message.show_info(settings_problem)
        if interactive:
            from PySide6.QtWidgets import QMessageBox
            QMessageBox.warning(window, "TrainDesk", settings_problem)
    code = app.exec()
    errors.uninstall()
    applog.get().info("window closed (exit code %s, %s unexpected errors)", code, errors.count)
    return 1 if errors.count and os.environ.get("TRAINDESK_READY_PROBE") else code


def _exit_now() -> None:
    """Closed while torch or the data set loads: end the process at once (a thread cannot be
    interrupted inside an import; waiting for it kept a closed window's process alive for seconds)."""
    import logging
    applog.get().info("window closed while loading: the process ends without waiting for it")
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(0)


class _SignalsClose:
    """Ctrl+C in a terminal, SIGTERM (a logout, `kill`) and SIGHUP (the terminal went away) close
    the window the normal way: a run stops after its batch and is saved, settings are saved. A
    signal before the window exists closes it as soon as it does; a second signal ends the process
    at once. Python only runs signal handlers between bytecodes, so the event loop's timer (see
    _run) gives it a moment now and then."""

    def __init__(self):
        self.window = None
        self.received: list[int] = []
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self._handle)

    def _handle(self, signum, _frame) -> None:
        if self.received:
            os._exit(128 + signum)
        self.received.append(signum)
        applog.get().info("signal %s: closing the window", signum)
        if self.window is not None:
            # Through the event loop: the handler interrupts whatever Python code the UI thread is
            # in (say, half-way through starting the worker), where closing would act on half a state.
            from PySide6.QtCore import QTimer
            QTimer.singleShot(0, self.window.close)

    def attach(self, window) -> None:
        from PySide6.QtCore import QTimer
        self.window = window
        if self.received:
            QTimer.singleShot(0, window.close)


def _make_window(settings):
    """The main window; saved settings it cannot use are set aside (kept for a look, not lost)
    and the window opens with the defaults, saying so."""
    from gui.main_window import MainWindow
    from gui.shared.settings import set_aside

    problem = None
    if settings.status() != settings.Status.NoError:
        problem = set_aside(settings, "could not be read")
    try:
        return MainWindow(settings), problem
    except Exception as e:  # noqa: BLE001 - a value no widget accepts (hand edits, old versions)
        applog.get().exception("the saved settings broke the window")
        why = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        problem = set_aside(settings, f"could not be used ({why})")
        return MainWindow(settings), problem


def _probe_ready(window, app, errors) -> None:
    """Wait until torch, the data (or its absence) and every tab have loaded; show each tab once
    so its widgets paint; print how long it took and close. An unexpected error ends the wait.

    The data's absence is the worker's failure, never the message bar: a note shown before the
    data is in (a damaged run history, settings set aside) made the probe say data=none."""
    from PySide6.QtCore import QTimer

    from gui.main_window import BROKEN

    deadline = time.monotonic() + READY_TIMEOUT_S
    # The load is the worker's first job: its failure is the first one, before any other job's.
    failures = []
    window.session.failed.connect(lambda failure, _settled: failures.append(failure))

    def check():
        loaded = window.tool_tabs.built and (window.data_source is not None or bool(failures) or
                                             window.phase == BROKEN)
        if not loaded and not errors.count and time.monotonic() < deadline:
            QTimer.singleShot(100, window, check)  # never after the window is gone
            return
        tabs = window.tab_widget
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            app.processEvents()
        tabs.setCurrentIndex(0)
        state = "ready" if loaded else "not-ready"
        print(f"{state} {_since_interpreter_start():.3f} tabs={tabs.count()} "
              f"data={window.data_source or 'none'}", flush=True)
        if not loaded:
            app.exit(1)
        window.close()

    window.ready.connect(check)
