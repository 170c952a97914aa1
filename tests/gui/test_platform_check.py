"""A clear message instead of Qt's abort when the window cannot open."""
from gui.shared.platform_check import problem


def test_no_display_is_explained():
    assert "needs a display" in problem({}, "linux", lambda name: "lib")
    assert problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda name: None) is None
    assert problem({}, "win32", lambda name: None) is None


def test_missing_xcb_libraries_name_the_install_command():
    msg = problem({"DISPLAY": ":0"}, "linux", lambda name: None if name == "xcb-cursor" else "x")
    assert "xcb-cursor" in msg and "apt-get install libxcb-cursor0" in msg
    assert problem({"DISPLAY": ":0"}, "linux", lambda name: "found") is None

