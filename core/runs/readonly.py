"""Reading the run history when it cannot be written: a full disk (SQLite cannot even size the
WAL's shared-memory file, so every ordinary open fails with "disk I/O error"), a read-only mount,
a folder the user may not write. The runs are still there and can be listed."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Optional


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection that never writes: read-only where SQLite can share the journal; else the
    file as it is on disk (immutable: what a writer still holds in its -wal is not seen)."""
    uri = Path(path).absolute().as_uri()
    last: Optional[sqlite3.Error] = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            con = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as e:
            last = e
            continue
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opening is lazy
            return con
        except sqlite3.Error as e:
            con.close()
            last = e
    raise last if last is not None else sqlite3.OperationalError("cannot be opened")


def usable(path: Path, timeout: float) -> bool:
    """Can the history at `path` be read without writing anything?"""
    if not Path(path).is_file():
        return False
    try:
        connect(path, timeout).close()
        return True
    except sqlite3.Error:
        return False


def why(path: Path, error: str) -> str:
    """SQLite says "disk I/O error" for a full disk: say what it is."""
    try:
        full = shutil.disk_usage(Path(path).parent).free < (1 << 16)
    except OSError:
        full = False
    return f"its disk is full: {error}" if full else error
