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
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / APP


def runs_dir() -> Path:
    return user_data_dir() / "runs"
