"""What the window remembers between sessions: geometry, splitters, the last experiment (QSettings)."""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QByteArray, QSettings

from core.kept_files import set_aside as set_aside_file

GEOMETRY = "window/geometry"
STATE = "window/state"
SPLITTERS = "window/splitters"
EXPERIMENT = "experiment/config"
MAX_PANE_PX = 100_000  # wider than any screen wall; a damaged size is billions


def make_settings(path: Optional[str] = None) -> QSettings:
    """The app's settings; with `path`, an ini file there instead (tests, portable use)."""
    if path:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings()  # organisation and application name are set by gui.app


def load_bytes(settings: QSettings, key: str) -> Optional[QByteArray]:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def save_experiment(settings: QSettings, config: dict) -> None:
    # JSON rather than a QVariant map: readable in the ini file and immune to type coercion.
    settings.setValue(EXPERIMENT, json.dumps(config, sort_keys=True))


def load_experiment(settings: QSettings) -> dict:
    raw = settings.value(EXPERIMENT)
    if not raw:
        return {}
    try:
        value = json.loads(str(raw))
    except (ValueError, RecursionError):
        return {}  # a hand-edited, damaged or older file: fall back to the defaults
    return value if isinstance(value, dict) else {}


def save_splitters(settings: QSettings, splitters: dict) -> None:
    for name, splitter in splitters.items():
        settings.setValue(f"{SPLITTERS}/{name}", splitter.saveState())


def restore_splitters(settings: QSettings, splitters: dict) -> None:
    for name, splitter in splitters.items():
        state = load_bytes(settings, f"{SPLITTERS}/{name}")
        if state is not None and splitter_state_fits(state.data(), splitter.count(),
                                                     splitter.orientation().value):
            splitter.restoreState(state)


def splitter_state_fits(raw: bytes, panes: int, orientation: int) -> bool:
    """Is `raw` a QSplitter.saveState() of a splitter like this one, with sizes a screen can hold?
    Qt restores what it is given: a state whose sizes and handle width were damaged into millions
    and billions crashed the whole window while it laid itself out. The layout (Qt 5 and 6): magic 0xff, version 1, the pane sizes as a list,
    then childrenCollapsible, handleWidth, opaqueResize, orientation, opaqueResizeSet. A size of -1
    is what a splitter that was never laid out saves."""
    if len(raw) != 12 + 4 * panes + 11:
        return False
    magic, version, count = struct.unpack_from(">iii", raw)
    sizes = struct.unpack_from(f">{panes}i", raw, 12)
    collapsible, handle, opaque, turned, opaque_set = struct.unpack_from(">BiBiB", raw, 12 + 4 * panes)
    return ((magic, version, count, turned) == (0xFF, 1, panes, orientation)
            and all(-1 <= size <= MAX_PANE_PX for size in sizes) and -1 <= handle <= 100
            and {collapsible, opaque, opaque_set} <= {0, 1})


def set_aside(settings: QSettings, why: str) -> str:
    """Keep a copy of a settings file the window cannot use, start it afresh, and say so."""
    path = Path(settings.fileName())
    kept = set_aside_file(path, copy=True)
    where = f"A copy is kept at {kept}." if kept else "It could not be copied aside."
    settings.clear()
    settings.sync()
    return f"The saved settings in {path} {why}; TrainDesk starts with its defaults. {where}"
