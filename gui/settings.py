"""What the window remembers between sessions: geometry, splitters, the last experiment (QSettings)."""
from __future__ import annotations

import json
from typing import Optional

from PySide6.QtCore import QByteArray, QSettings

GEOMETRY = "window/geometry"
STATE = "window/state"
SPLITTERS = "window/splitters"
EXPERIMENT = "experiment/config"


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
    except ValueError:
        return {}  # a hand-edited or older file: fall back to the defaults
    return value if isinstance(value, dict) else {}


def save_splitters(settings: QSettings, splitters: dict) -> None:
    for name, splitter in splitters.items():
        settings.setValue(f"{SPLITTERS}/{name}", splitter.saveState())


def restore_splitters(settings: QSettings, splitters: dict) -> None:
    for name, splitter in splitters.items():
        state = load_bytes(settings, f"{SPLITTERS}/{name}")
        if state is not None:
            splitter.restoreState(state)
