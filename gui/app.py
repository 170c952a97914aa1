"""Start the window: `python main.py` with no command lands here.

Nothing on the way to the first paint imports torch, core.models or pyqtgraph; the window loads
them after it is on screen. Environment:
  TRAINDESK_SETTINGS=FILE        keep the window's settings in this ini file (portable use, tests)
  TRAINDESK_FIRST_PAINT_PROBE=1  print "first-paint SECONDS" (since the interpreter started) when
                                 the window has painted once, then close (benchmarks)
"""
from __future__ import annotations

import os
import signal
import sys
import time


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
    from gui.platform_check import problem

    why = problem()
    if why:  # otherwise Qt prints its own riddle and aborts the process
        print(why, file=sys.stderr)
        return 1
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.settings import make_settings

    # Qt 6 scales for high DPI by itself; pass fractional factors (150%) through unrounded.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setOrganizationName("TrainDesk")
    app.setApplicationName("TrainDesk")
    window = MainWindow(make_settings(os.environ.get("TRAINDESK_SETTINGS")))
    if os.environ.get("TRAINDESK_FIRST_PAINT_PROBE"):
        def painted():
            print(f"first-paint {_since_interpreter_start():.3f}", flush=True)
            QTimer.singleShot(0, window.close)
        window.first_painted.connect(painted)
    # Ctrl+C in the terminal closes the window the normal way (stopping a run first). Python only
    # runs signal handlers between bytecodes, so a timer gives it a moment now and then.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    window.show()
    return app.exec()
