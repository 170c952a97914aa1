"""The folder dialog of "Follow a run folder…" (the Run menu and the Follow tab's button)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog, QWidget

_last: Optional[str] = None  # where the last dialog was left, for the next one in this session


def ask_run_folder(parent: QWidget, start: Optional[Path] = None) -> Optional[str]:
    """The folder picked, or None. It opens where the last followed folder lies."""
    global _last
    where = str(start) if start else (_last or str(Path("runs").absolute()))
    folder = QFileDialog.getExistingDirectory(parent, "Follow a run folder", where)
    if folder:
        _last = str(Path(folder).parent)
    return folder or None
