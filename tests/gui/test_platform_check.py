"""A clear message instead of Qt's abort when the window cannot open."""
import subprocess
import sys
from pathlib import Path

from gui.platform_check import problem

ROOT = Path(__file__).resolve().parents[2]


def test_no_display_is_explained():
    assert "needs a display" in problem({}, "linux", lambda name: "lib")
    assert problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda name: None) is None
    assert problem({}, "win32", lambda name: None) is None


def test_missing_xcb_libraries_name_the_install_command():
    msg = problem({"DISPLAY": ":0"}, "linux", lambda name: None if name == "xcb-cursor" else "x")
    assert "xcb-cursor" in msg and "apt-get install libxcb-cursor0" in msg
    assert problem({"DISPLAY": ":0"}, "linux", lambda name: "found") is None


def test_main_without_display_exits_1_without_traceback():
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    out = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "needs a display" in out.stderr and "Traceback" not in out.stderr
