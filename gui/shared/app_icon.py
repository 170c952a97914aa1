"""The application icon, one QIcon for the window, the About box and dialogs."""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QIcon

from core.launcher import ICON_SIZES
from core.paths import resources_dir


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """Every rendered size (the small ones are drawn simpler to stay legible), so Qt never has to
    scale the 512 px picture down to a blur; the SVG is not needed for that."""
    icon = QIcon()
    for n in ICON_SIZES:
        path = resources_dir() / "icons" / f"traindesk-{n}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon
