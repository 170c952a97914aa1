"""The files TrainDesk keeps itself (the run history, the CPU thread cache, checkpoints) age, get
hand-edited, get damaged and get written by two processes at once. These pieces let each of them
be read defensively, set aside with one line that says where it went, locked, and written whole.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

MAX_JSON_BYTES = 32 * 2**20  # an index of ten thousand runs is ~4 MB; more is not ours
LOCK_WAIT_S = 10.0


def read_json(path: Path, limit: int = MAX_JSON_BYTES):
    """Parse a JSON file. FileNotFoundError when absent; any other OSError or a ValueError whose
    message is a short reason when it cannot be used (so callers catch just those two)."""
    if path.is_dir():
        raise ValueError("a folder is in its place")
    with open(path, "rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"it is larger than {limit // 2**20} MB")
    if not raw.strip():
        raise ValueError("it is empty")
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:  # "[[[[..." nested thousands deep
        raise ValueError("it is nested too deeply") from None


def json_type(value) -> str:
    """What a JSON value is, in JSON's words, for messages."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def reason(e: BaseException) -> str:
    """One short line for a damaged-file message."""
    text = (e.strerror if isinstance(e, OSError) and e.strerror else str(e)) or type(e).__name__
    return " ".join(text.split())[:200]


def set_aside(path: Path, copy: bool = False) -> Optional[Path]:
    """Move (or copy) a damaged file or folder to <name>.damaged-<stamp>, never over an earlier one.
    Returns where it went, or None when that failed (the file is then left in place and ignored)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 100):
        aside = path.with_name(f"{path.name}.damaged-{stamp}" + (f"-{n}" if n > 1 else ""))
        if os.path.lexists(aside):
            continue
        try:
            if copy:
                shutil.copy2(path, aside)
            else:
                os.rename(path, aside)
            return aside
        except OSError:
            return None
    return None


def damaged_note(what: str, path: Path, why: str, aside: Optional[Path]) -> str:
    """The one line that says a file was damaged and where it went; also written to the log."""
    where = (f"it was moved to {aside.name}" if aside else
             "it could not be moved, so it is left in place and ignored")
    note = f"{what} {path} could not be read ({why}); {where}."
    logging.getLogger("traindesk").warning(note)
    return note


# Temporary files: "<name>.<host>-<pid>-<random>.tmp". The host (hashed) and process id let a later
# writer tell a killed writer's leftover from a live one's, also in a folder shared by computers.
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
STALE_AFTER = 3600.0  # seconds after which a temporary file is a killed writer's, whoever it was


def write_atomic(path: Path, data: bytes, fsync: bool = False) -> None:
    """Write `data` to `path` whole or not at all: a temporary file beside it, then os.replace.

    Created with mode 0o666 so the user's umask applies, as to any file they save (mkstemp's 0600
    made files private however the user had set things up).
    """
    if path.is_dir():
        raise IsADirectoryError("a folder has that name")
    tmp = path.with_name(f"{path.name}.{HOST}-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_pattern(name_suffix: str) -> re.Pattern:
    # write_atomic's names, and "<name><suffix>.<8 characters>.tmp", the tempfile.mkstemp naming
    # checkpoints used before, recognised so its leftovers are cleaned up too (by age alone).
    return re.compile(rf"{re.escape(name_suffix)}\.(?:(?P<host>[0-9a-f]{{6}})-(?P<pid>\d+)-[0-9a-f]{{8}}"
                      rf"|[a-z0-9_]{{8}})\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid() or sys.platform == "win32":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # someone else's process: alive
        return True
    return True


def remove_stale_temps(folder: Path, name_suffix: str) -> list[Path]:
    """Delete temporary files write_atomic's killed writers left in `folder` for files ending in
    `name_suffix`: ones older than an hour, and younger ones whose writer, a process on this
    computer, is gone. Nothing else is touched."""
    pattern, removed = _temp_pattern(name_suffix), []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.search(entry.name)
        if not m:
            continue
        try:
            old = time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            orphan = m["host"] == HOST and not _alive(int(m["pid"]))
            if (old or orphan) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass  # gone already, or not ours to delete
    return removed


def _lock(f) -> bool:
    try:
        import fcntl
    except ImportError:
        fcntl = None
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                import msvcrt
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except (BlockingIOError, PermissionError):
            pass  # held by another TrainDesk
        except (OSError, ImportError):
            return False  # no locking on this file system / system
        if time.monotonic() > deadline:
            return False  # a stuck process must not stop this one: go on unlocked
        time.sleep(0.01)


@contextmanager
def locked(path: Path):
    """Hold an exclusive lock (<path>.lock) around a read-modify-write, so two TrainDesk processes
    never drop each other's changes. Where no lock can be had (a read-only folder, no flock),
    go on unlocked: the write is still whole, at worst one change is lost."""
    try:
        f = open(path.with_name(path.name + ".lock"), "a+b")
    except OSError:
        f = None
    try:
        if f is not None:
            _lock(f)
        yield
    finally:
        if f is not None:
            f.close()  # releases the lock
