"""The runs a user has trained: one record per run, kept in an index beside the checkpoints.

The window's comparison table (the seed's compare_results) reads this, so what was trained
survives a restart. The index is plain JSON written atomically under a lock; a damaged index is set
aside, never trusted and never fatal, and a damaged record is left out with the original kept.

This module also holds the few file-safety pieces the other files TrainDesk keeps share
(device.py's thread cache, checkpoint.py's weights): read defensively, set aside, lock, write whole.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import secrets
import shutil
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Optional

from core.config import RunResult, TrainConfig
from core.paths import runs_dir

INDEX = "runs.json"
MAX_JSON_BYTES = 32 * 2**20  # an index of ten thousand runs is ~4 MB; more is not ours
LOCK_WAIT_S = 10.0


# -- file safety, shared ---------------------------------------------------------------------------
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


# -- the run history -------------------------------------------------------------------------------
@dataclass
class RunRecord:
    run_id: str
    model_id: str
    model_name: str
    model_loss: float
    model_acc: Optional[float]
    training_time: float
    epochs: int
    device: str
    optimizer: str
    lr: float
    batch_size: int
    checkpoint: Optional[str]
    created: str

    @classmethod
    def from_run(cls, config: TrainConfig, result: RunResult) -> "RunRecord":
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        run_id = f"{config.model}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        return cls(run_id, config.model, result.model_name, result.model_loss, result.model_acc,
                   result.training_time, result.epochs_done, result.device, config.optimizer,
                   config.lr, config.batch_size, result.checkpoint, stamp)


def _number(ok: Callable[[float], bool], integer: bool = False, optional: bool = False):
    def check(v):
        if v is None:
            return optional
        if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)):
            return False
        return ok(v)
    return check


def _text(optional: bool = False):
    return lambda v: isinstance(v, str) or (optional and v is None)


# What the window formats and computes with; a value outside these would fail there, later.
# A diverged run's loss is NaN or inf in earnest, so the loss may be non-finite but not negative.
CHECKS: dict[str, Callable[[object], bool]] = {
    "run_id": lambda v: isinstance(v, str) and v != "", "model_id": _text(), "model_name": _text(),
    "model_loss": _number(lambda v: not v < 0),
    "model_acc": _number(lambda v: 0 <= v <= 100, optional=True),
    "training_time": _number(lambda v: 0 <= v < math.inf),
    "epochs": _number(lambda v: 0 <= v <= 10**7, integer=True),
    "device": _text(), "optimizer": _text(), "lr": _number(lambda v: 0 < v < math.inf),
    "batch_size": _number(lambda v: 1 <= v <= 10**9, integer=True),
    "checkpoint": _text(optional=True), "created": _text(),
}
OPTIONAL = {"model_acc", "checkpoint"}


def _record(row) -> RunRecord:
    """A RunRecord from one row of the index; ValueError saying which field is wrong."""
    if not isinstance(row, dict):
        raise ValueError(f"{json_type(row)} instead of an object")
    values = {}
    for f in fields(RunRecord):
        if f.name not in row and f.name not in OPTIONAL:
            raise ValueError(f"no {f.name}")
        v = row.get(f.name)
        if not CHECKS[f.name](v):
            raise ValueError(f"{f.name} is {json.dumps(v)[:40]}")
        values[f.name] = float(v) if isinstance(v, int) and f.type in ("float", "Optional[float]") else v
    return RunRecord(**values)


class RunHistory:
    def __init__(self, folder: Optional[Path] = None):
        self.folder = Path(folder) if folder else runs_dir()
        self.problem: Optional[str] = None  # one line, set when the index or a record was set aside
        path = self.folder / INDEX
        if os.path.lexists(path):
            with locked(path):
                self._records = self._load(path) or []
        else:
            self._records = []

    @property
    def records(self) -> list[RunRecord]:
        return list(self._records)

    def _load(self, path: Path) -> Optional[list[RunRecord]]:
        """The records on disk (call with the lock held); None when the index had to be set aside."""
        try:
            rows = read_json(path)
            if not isinstance(rows, list):
                raise ValueError(f"it holds {json_type(rows)} instead of a list of runs")
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as e:
            self.problem = damaged_note("The run history", path, reason(e), set_aside(path))
            return None
        good, bad = [], []
        for i, row in enumerate(rows, start=1):
            try:
                good.append(_record(row))
            except ValueError as e:
                bad.append(f"record {i}: {e}")
        if bad:
            kept = set_aside(path, copy=True)
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            self.problem = (f"The run history {path} had {len(bad)} damaged of {len(rows)} records "
                            f"({bad[0]}{more}); the damaged ones are left out, "
                            + (f"the original is kept as {kept.name}." if kept else
                               "and the file is left as it was (it could not be copied aside)."))
            logging.getLogger("traindesk").warning(self.problem)
            if kept:  # only rewrite once the original is safe, so the next start is clean
                try:
                    self._write(path, good)
                except OSError:
                    pass
        return good

    def add(self, record: RunRecord) -> None:
        self._update(lambda rs: [r for r in rs if r.run_id != record.run_id] + [record])

    def remove(self, run_id: str) -> None:
        self._update(lambda rs: [r for r in rs if r.run_id != run_id])

    def _update(self, change) -> None:
        """Apply `change` to what is on disk now (another window may have added runs since this
        one read it), falling back to what this one holds if the index had to be set aside.
        OSError with a one-line message when the index cannot be written."""
        path = self.folder / INDEX
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with locked(path):
                on_disk = self._load(path)
                self._records = change(self._records if on_disk is None else on_disk)
                self._write(path, self._records)
        except OSError as e:
            raise OSError(f"the run history {path} could not be written ({reason(e)})") from None

    @staticmethod
    def _write(path: Path, records: list[RunRecord]) -> None:
        remove_stale_temps(path.parent, path.name)
        write_atomic(path, json.dumps([asdict(r) for r in records], indent=1).encode())
