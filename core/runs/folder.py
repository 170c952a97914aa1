"""A run's folder describes the run by itself, so another process can follow it: `run.json` (what
the run is: id, model, settings, device, world size) and `metrics.jsonl`, one JSON object per line,
only ever appended: {"kind": "batch", ...} curve points, {"kind": "epoch", ...} finished epochs and
{"kind": "end", ...} once the run has ended. Beside them, the checkpoints (core/runs/files.py).

A reader may find the last line half-written (the writer is mid-line) or the folder gone (deleted,
unmounted); `MetricsReader` reads only whole lines, picks up where it stopped, and says which.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from core.kept_files import write_atomic

RUN_INFO = "run.json"
METRICS = "metrics.jsonl"
FORMAT = "traindesk-run"
MAX_LINE = 1 << 20  # a line longer than this is not ours: skipped, never held in memory


def _clean(obj):
    """JSON has no NaN or infinity: null instead (a diverged loss is still written)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


class RunFolderWriter:
    """Writes run.json once and appends to metrics.jsonl; an OSError (a full disk) is reported
    once through `log` and the run goes on."""

    def __init__(self, folder: Path, info: dict, log=lambda msg: None):
        self.folder, self.log, self._failed = Path(folder), log, False
        self.path = self.folder / METRICS
        self._guard(lambda: write_atomic(self.folder / RUN_INFO, json.dumps(
            _clean({"format": FORMAT, "version": 1, **info}), indent=1).encode()))

    def batch(self, point: dict) -> None:
        self._append({"kind": "batch", **point})

    def epoch(self, epoch: dict) -> None:
        self._append({"kind": "epoch", **epoch})

    def end(self, result: dict) -> None:
        self._append({"kind": "end", "time": time.time(), **result})

    def _append(self, row: dict) -> None:
        line = json.dumps(_clean(row), separators=(",", ":")) + "\n"

        def write():
            with open(self.path, "a", encoding="utf-8") as f:  # one write per line: whole or not
                f.write(line)
        self._guard(write)

    def _guard(self, write) -> None:
        try:
            write()
        except OSError as e:
            if not self._failed:
                self._failed = True
                self.log(f"Could not write the run's metrics in {self.folder}: {e.strerror or e}")


@dataclass
class FolderState:
    """What a reader has seen of a run folder so far."""
    info: Optional[dict] = None
    batches: list = field(default_factory=list)
    epochs: list = field(default_factory=list)
    end: Optional[dict] = None
    skipped: int = 0          # lines that were not JSON objects (damaged, or not ours)
    gone: bool = False        # the folder, or the metrics file once read, is not there now


BLOCK = 1 << 22  # read this much at a time: memory stays at most a block and a line
HEAD = 256       # the file's first bytes, to tell a rewritten file from a grown one


class MetricsReader:
    """Follows a run folder: each `poll()` reads what was appended since the last one.

    A file that went away, shrank, was replaced (another inode) or rewritten in place (its first
    bytes differ) is read again from its start: `state` then holds the new file's rows only."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.state = FolderState()
        self._offset = 0         # just past the last whole line read
        self._identity = None    # (device, inode) of the metrics file: a new file starts over
        self._head = b""         # its first bytes as read
        self._discard = False    # inside a line longer than MAX_LINE: skip to its end
        self._seen = False       # a metrics file has been read (so its absence is news)

    def poll(self) -> tuple[list[dict], bool]:
        """(new rows, whether anything changed). Never raises for a missing or damaged folder."""
        s = self.state
        if s.info is None:
            s.info = _read_info(self.folder / RUN_INFO)
        path = self.folder / METRICS
        try:
            st = os.stat(path)
        except OSError:  # not written yet, or the folder (or the file) went away
            self._identity = None  # whatever comes back is read from its start
            was, s.gone = s.gone, self._seen or not self.folder.is_dir()
            return [], s.gone != was
        was_gone, s.gone = s.gone, False
        try:
            with open(path, "rb") as f:
                identity = (st.st_dev, st.st_ino)
                dropped = False
                if (identity != self._identity or st.st_size < self._offset
                        or (st.st_size > self._offset and not self._same_head(f))):
                    dropped = self._restart(identity)
                if st.st_size == self._offset:
                    return [], was_gone or dropped
                skipped = s.skipped
                rows = self._read(f, st.st_size)
        except OSError:
            return [], was_gone
        # a half-written line alone changes nothing yet
        return rows, bool(rows) or was_gone or dropped or s.skipped != skipped

    def _same_head(self, f) -> bool:
        if not self._head:
            return True
        f.seek(0)
        return f.read(len(self._head)) == self._head

    def _restart(self, identity) -> bool:
        """Read the file from its start; True when rows read before were dropped."""
        s = self.state
        dropped = bool(s.batches or s.epochs or s.end or s.skipped)
        self._identity, self._offset, self._head, self._discard = identity, 0, b"", False
        s.batches, s.epochs, s.end, s.skipped = [], [], None, 0
        s.info = _read_info(self.folder / RUN_INFO)  # maybe another run in the same place
        self._seen = True
        return dropped

    def _read(self, f, size: int) -> list[dict]:
        """The rows of the whole lines between the offset and `size`, a block at a time."""
        rows: list[dict] = []
        f.seek(self._offset)
        data = b""  # always starts at self._offset
        pos = self._offset
        while pos < size:
            block = f.read(min(BLOCK, size - pos))
            if not block:
                break
            if pos == 0:
                self._head = block[:HEAD]
            pos += len(block)
            data += block
            start = 0
            if self._discard:  # the rest of a line too long to be ours
                nl = data.find(b"\n")
                start = len(data) if nl < 0 else nl + 1
                self._discard = nl < 0
            whole = max(data.rfind(b"\n") + 1, start)  # a half-written last line waits
            if whole > start:
                self._take_lines(data, start, whole, rows)
            self._offset += whole
            data = data[whole:]
            if len(data) > MAX_LINE:  # a "line" that never ends: skip it, never hold it
                self.state.skipped += 1
                self._offset += len(data)
                data, self._discard = b"", True
        return rows

    def _take_lines(self, data: bytes, start: int, end: int, rows: list) -> None:
        """The whole lines of data[start:end]; data[0] lies at the file offset `_offset`
        (core/runs/metrics_digest.py reads them its own way)."""
        for raw in data[start:end].split(b"\n")[:-1]:
            self._take(raw, rows)

    def _take(self, raw: bytes, rows: list) -> None:
        s = self.state
        row = _parse(raw)
        if row is None:
            s.skipped += bool(raw.strip())
            return
        rows.append(row)
        kind = row.get("kind")
        if kind in ("batch", "epoch") and s.end is not None:
            s.end = None  # trained on after its end (the window's "+1 epoch"): running again
        if kind == "batch":
            s.batches.append(row)
        elif kind == "epoch":
            s.epochs = [e for e in s.epochs if e.get("epoch") != row.get("epoch")] + [row]
        elif kind == "end":
            s.end = row


def _parse(raw: bytes) -> Optional[dict]:
    if len(raw) > MAX_LINE:
        return None
    try:
        row = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return row if isinstance(row, dict) else None


def _read_info(path: Path) -> Optional[dict]:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_LINE)
        info = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return info if isinstance(info, dict) and info.get("format") == FORMAT else None


def is_run_folder(folder: Path) -> bool:
    return (Path(folder) / RUN_INFO).is_file() or (Path(folder) / METRICS).is_file()
