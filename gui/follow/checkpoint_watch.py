"""Notices a new last checkpoint in a followed run's folder. The writer replaces last.safetensors
atomically (core/runs/files.py, core/checkpoint.py), so a changed (inode, size, mtime) is a whole new
file; one that cannot be read (a sync tool's half-copied file) is tried again once it changes."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from core.runs.files import LAST


class CheckpointWatch:
    def __init__(self, folder: Path):
        self.path = Path(folder) / LAST
        self._seen = None  # the signature of the file last taken or refused

    def changed(self) -> Optional[tuple]:
        """The file's signature when it is not the one seen last (None: no news, or no file)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        return None if signature == self._seen else signature

    def seen(self, signature: tuple) -> None:
        """Taken (or refused): not news again until the file changes."""
        self._seen = signature
