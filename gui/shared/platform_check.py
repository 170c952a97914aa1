"""Say clearly, before Qt aborts the process, why the window cannot open on this Linux machine."""
from __future__ import annotations

import ctypes.util
import os
import sys

XCB_PACKAGES = ("libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 "
                "libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libegl1 libgl1 "
                "libfontconfig1 libdbus-1-3")
# The libraries Qt's xcb plugin loads that minimal installs most often lack.
XCB_LIBRARIES = ("xcb-cursor", "xkbcommon-x11", "xcb-icccm", "xcb-keysyms", "xcb-shape",
                 "xcb-randr", "xcb-render-util", "xcb-image", "EGL", "fontconfig")


def problem(environ=os.environ, platform: str = sys.platform, find=ctypes.util.find_library) -> str | None:
    """A message for the user, or None when Qt should be able to open a window."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None  # the user chose a platform plugin (offscreen, wayland, ...): trust it
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return ("TrainDesk needs a display to open its window, and none is set (DISPLAY / "
                "WAYLAND_DISPLAY). On a server, use the command line instead: python main.py --help")
    if environ.get("WAYLAND_DISPLAY"):
        return None
    missing = [name for name in XCB_LIBRARIES if find(name) is None]
    if missing:
        return (f"Qt cannot open a window here: system libraries are missing ({', '.join(missing)}).\n"
                f"Install them with:\n  sudo apt-get install {XCB_PACKAGES}")
    return None
