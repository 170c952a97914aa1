"""Where TrainDesk keeps its files, per platform, without Qt (the CLI needs it too)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "TrainDesk"


def user_data_dir() -> Path:
    """TRAINDESK_DATA_HOME wins (tests, portable installs); else the platform's user data folder."""
    override = os.environ.get("TRAINDESK_DATA_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return xdg_data_home() / APP


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset or empty (as the XDG spec says)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def runs_dir() -> Path:
    return user_data_dir() / "runs"


def user_log_dir() -> Path:
    """Where the rotating log goes: beside the data when TRAINDESK_DATA_HOME is set (tests, portable
    installs), else the platform's place for logs ($XDG_STATE_HOME on Linux, as the spec says)."""
    if os.environ.get("TRAINDESK_DATA_HOME"):
        return user_data_dir() / "logs"
    if sys.platform == "win32":
        return user_data_dir() / "Logs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / APP
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / APP


def resources_dir() -> Path:
    """The icons and the .desktop file: top-level resources/ in a checkout, in an installed wheel
    (it is a package there) and in the packaged build (collected next to core/ and gui/)."""
    return Path(__file__).resolve().parent.parent / "resources"
