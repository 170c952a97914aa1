"""Every run, from the window or the CLI, in one SQLite database (WAL mode) in the user data folder.

Several processes write at once (two trainings, the window and the CLI): each write is one short
transaction on its own connection, and SQLite's lock with a generous busy timeout serialises them.
A run records its process (host, pid, the pid's start time); a run still marked "running" whose
process is gone is shown as "interrupted" and so marked, so a SIGKILL or a power cut never leaves
a run running forever. A database that SQLite cannot open, or that fails its integrity check, is
set aside with one line saying where it went; a row someone edited into nonsense is left out.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator, Optional

from core.kept_files import damaged_note, reason, set_aside
from core.paths import runs_dir
from core.run_row import STATUSES, RunRow  # noqa: F401 - RunRow: what callers get from here
from core.run_row import finite_or_none as _finite_or_none
from core.run_row import is_number as _number
from core.run_row import row_from_db as _row

DB_NAME = "runs.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000
OTHER_HOST_STALE_S = 3600  # a run on another machine (a shared home) that has not beaten for this long
HEARTBEAT_S = 10.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', model TEXT NOT NULL,
    model_name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, config TEXT NOT NULL DEFAULT '{}',
    device TEXT NOT NULL DEFAULT '', torch_version TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL, ended REAL, heartbeat REAL, host TEXT, pid INTEGER, pid_start TEXT,
    folder TEXT, checkpoint TEXT, best_checkpoint TEXT, best_epoch INTEGER, best_value REAL,
    final_loss REAL, final_acc REAL, training_time REAL NOT NULL DEFAULT 0,
    epochs_done INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '', error TEXT,
    source TEXT NOT NULL DEFAULT '', resumed_from TEXT, sweep TEXT,
    world_size INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL,
    train_loss REAL, train_acc REAL, test_loss REAL, test_acc REAL, seconds REAL, lr REAL,
    PRIMARY KEY (run_id, epoch));
CREATE TABLE IF NOT EXISTS curve (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,
    epoch INTEGER NOT NULL, loss REAL, acc REAL, lr REAL, elapsed REAL,
    PRIMARY KEY (run_id, step));
"""
# Columns added after the first release of this schema: (name, declaration), added when missing.
ADDED_COLUMNS = (("sweep", "TEXT"), ("world_size", "INTEGER NOT NULL DEFAULT 1"))


class StoreError(Exception):
    """The run history cannot be used or written; the message is one line."""


def default_path() -> Path:
    return runs_dir() / DB_NAME


def process_start(pid: int) -> Optional[str]:
    """When process `pid` started (clock ticks since boot, Linux), so a reused pid is not mistaken
    for the run's own process; None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: Optional[str]) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    except OSError:
        return False
    now = process_start(pid)
    return started is None or now is None or now == started


class RunStore:
    """The run history. Cheap to make: each call opens a short connection of its own."""

    def __init__(self, path: Optional[Path] = None, migrate: bool = True):
        self.path = Path(path) if path else default_path()
        self.problem: Optional[str] = None  # one line, set when the database or a row was left out
        self.host = socket.gethostname()
        self._ready = False
        self._migrate = migrate

    # -- connection ---------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys=ON")
        con.row_factory = sqlite3.Row
        return con

    def _prepare(self) -> None:
        """Open (creating, or setting aside a damaged file) once per RunStore."""
        if self._ready:
            return
        try:
            self._create_or_set_aside()
        except OSError as e:  # its folder cannot be made (a file in the way, no permission)
            raise StoreError(f"the run history {self.path} cannot be used ({reason(e)})") from None
        self._ready = True
        if self._migrate:
            from core.run_migrate import migrate_json
            note = migrate_json(self)
            if note:
                self.problem = note if self.problem is None else f"{self.problem} {note}"

    def _create_or_set_aside(self) -> None:
        try:
            self._create()
        except sqlite3.DatabaseError as e:  # "file is not a database", "malformed", failed check
            if isinstance(e, sqlite3.OperationalError) and not _damaged(e):
                raise StoreError(f"the run history {self.path} cannot be used ({reason(e)})") from None
            self._set_aside(e)
            try:
                self._create()
            except sqlite3.Error as e2:
                raise StoreError(f"the run history {self.path} cannot be used ({reason(e2)})") from None

    def _create(self) -> None:
        with closing(self._open()) as con:
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":  # e.g. a file system without shared memory: still usable
                logging.getLogger("traindesk").info("run history journal mode: %s", mode)
            con.execute("PRAGMA synchronous=NORMAL")
            check = con.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            con.executescript(SCHEMA)
            have = {r[1] for r in con.execute("PRAGMA table_info(runs)")}
            for name, declaration in ADDED_COLUMNS:
                if name not in have:
                    try:
                        con.execute(f"ALTER TABLE runs ADD COLUMN {name} {declaration}")
                    except sqlite3.OperationalError as e:  # another process added it just now
                        if "duplicate column" not in str(e):
                            raise
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
            if str(version) != str(SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"it is schema version {version}; this TrainDesk reads "
                                            f"{SCHEMA_VERSION}")

    def _set_aside(self, e: Exception) -> None:
        aside = set_aside(self.path)
        for extra in ("-wal", "-shm"):  # the journal belongs to the damaged file, not the new one
            side = self.path.with_name(self.path.name + extra)
            if os.path.lexists(side):
                if aside:
                    os.replace(side, aside.with_name(aside.name + extra))
                else:
                    side.unlink(missing_ok=True)
        self.problem = damaged_note("The run history", self.path, reason(e), aside)
        if aside is None:
            raise StoreError(self.problem)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; StoreError (one line) when it cannot be done."""
        self._prepare()
        try:
            with closing(self._open()) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"the run history {self.path} could not be written ({reason(e)})") from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self._prepare()
        try:
            with closing(self._open()) as con:
                yield con
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"the run history {self.path} could not be read ({reason(e)})") from None

    # -- writing a run --------------------------------------------------------------------------
    def begin(self, run_id: str, config: dict, model_name: str, device: str, torch_version: str,
              folder: Optional[str], source: str, resumed_from: Optional[str] = None,
              sweep: Optional[str] = None, world_size: int = 1) -> None:
        now = time.time()
        with self._tx() as con:
            con.execute(
                "INSERT INTO runs (id, model, model_name, status, config, device, torch_version, "
                "started, heartbeat, host, pid, pid_start, folder, source, resumed_from, sweep, "
                "world_size) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, config.get("model", ""), model_name, json.dumps(config), device,
                 torch_version, now, now, self.host, os.getpid(), process_start(os.getpid()),
                 folder, source, resumed_from, sweep, int(world_size)))

    def reopen(self, run_id: str) -> None:
        """A run that ended trains on in the same process."""
        with self._tx() as con:
            con.execute("UPDATE runs SET status='running', ended=NULL, error=NULL, heartbeat=?, "
                        "host=?, pid=?, pid_start=? WHERE id=?",
                        (time.time(), self.host, os.getpid(), process_start(os.getpid()), run_id))

    def add_epoch(self, run_id: str, epoch: dict, curve: list[dict], checkpoint: Optional[str],
                  best: Optional[dict]) -> None:
        """One finished epoch with the curve points since the last call, in one transaction."""
        self.add_epochs(run_id, [epoch], curve, checkpoint, best)

    def add_epochs(self, run_id: str, epochs: list[dict], curve: list[dict],
                   checkpoint: Optional[str], best: Optional[dict]) -> None:
        """Finished epochs (oldest first) with the curve points since the last call, in one
        transaction."""
        if not epochs:
            return
        with self._tx() as con:
            con.executemany("INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(run_id, e["epoch"], *(_finite_or_none(e.get(k)) for k in
                              ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "lr")))
                             for e in epochs])
            epoch = epochs[-1]
            self._insert_curve(con, run_id, curve)
            con.execute("UPDATE runs SET epochs_done=?, final_loss=?, final_acc=?, heartbeat=? "
                        "WHERE id=?", (epoch["epoch"], _finite_or_none(epoch.get("test_loss")),
                                       _finite_or_none(epoch.get("test_acc")), time.time(), run_id))
            self._set_checkpoints(con, run_id, checkpoint, best)

    def add_curve(self, run_id: str, curve: list[dict]) -> None:
        with self._tx() as con:
            self._insert_curve(con, run_id, curve)
            con.execute("UPDATE runs SET heartbeat=? WHERE id=?", (time.time(), run_id))

    @staticmethod
    def _insert_curve(con, run_id: str, curve: list[dict]) -> None:
        con.executemany("INSERT OR REPLACE INTO curve VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(run_id, p["step"], p["epoch"], _finite_or_none(p.get("loss")),
                          _finite_or_none(p.get("acc")), _finite_or_none(p.get("lr")),
                          _finite_or_none(p.get("elapsed"))) for p in curve])

    @staticmethod
    def _set_checkpoints(con, run_id: str, checkpoint: Optional[str], best: Optional[dict]) -> None:
        if checkpoint:
            con.execute("UPDATE runs SET checkpoint=? WHERE id=?", (checkpoint, run_id))
        if best:
            con.execute("UPDATE runs SET best_checkpoint=?, best_epoch=?, best_value=? WHERE id=?",
                        (best["path"], best["epoch"], _finite_or_none(best["value"]), run_id))

    def finish(self, run_id: str, status: str, model_loss, model_acc, training_time: float,
               epochs_done: int, checkpoint: Optional[str], best: Optional[dict],
               error: Optional[str], curve: list[dict]) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        with self._tx() as con:
            self._insert_curve(con, run_id, curve)
            con.execute("UPDATE runs SET status=?, ended=?, final_loss=?, final_acc=?, "
                        "training_time=?, epochs_done=?, error=? WHERE id=?",
                        (status, time.time(), _finite_or_none(model_loss),
                         _finite_or_none(model_acc), float(training_time), int(epochs_done),
                         error, run_id))
            self._set_checkpoints(con, run_id, checkpoint, best)

    def insert_row(self, row: RunRow, epochs: list[dict] = ()) -> bool:
        """Add a finished run recorded elsewhere (the old runs.json); False if its id is taken."""
        with self._tx() as con:
            cur = con.execute(
                "INSERT OR IGNORE INTO runs (id, model, model_name, status, config, device, started, "
                "ended, checkpoint, final_loss, final_acc, training_time, epochs_done, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.run_id, row.model_id, row.model_name, row.status, json.dumps(row.config),
                 row.device, row.started, row.ended, row.checkpoint, _finite_or_none(row.model_loss),
                 _finite_or_none(row.model_acc), row.training_time, row.epochs, row.source))
            if cur.rowcount:
                for e in epochs:
                    con.execute("INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (row.run_id, e["epoch"], *(_finite_or_none(e.get(k)) for k in
                                 ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "lr"))))
            return bool(cur.rowcount)

    # -- the user's edits -----------------------------------------------------------------------
    def rename(self, run_id: str, name: str) -> None:
        with self._tx() as con:
            con.execute("UPDATE runs SET name=? WHERE id=?", (name.strip()[:200], run_id))

    def set_note(self, run_id: str, note: str) -> None:
        with self._tx() as con:
            con.execute("UPDATE runs SET note=? WHERE id=?", (note[:10_000], run_id))

    def delete(self, run_id: str) -> list[Path]:
        """Remove the run and the files it made (its checkpoints, TensorBoard logs, its folder if
        then empty). Returns what was removed; StoreError if there is no such run."""
        from core.run_files import remove_run_files
        row = self.get(run_id)
        if row is None:
            raise StoreError(f"there is no run {run_id!r} in the history")
        with self._tx() as con:
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        return remove_run_files(row)

    # -- reading ----------------------------------------------------------------------------------
    def runs(self) -> list[RunRow]:
        """Every run, oldest first; runs whose process is gone are marked interrupted first."""
        self.mark_interrupted()
        with self._read() as con:
            rows = con.execute("SELECT * FROM runs ORDER BY started, id").fetchall()
        good, bad = [], []
        for r in rows:
            try:
                good.append(_row(r))
            except (ValueError, TypeError, KeyError) as e:
                bad.append(f"run {str(r['id'])[:40]}: {e}")
        if bad:
            more = f" and {len(bad) - 1} more" if len(bad) > 1 else ""
            note = (f"The run history {self.path} has {len(bad)} damaged of {len(rows)} runs "
                    f"({bad[0]}{more}); they are left out of the list.")
            if note != self.problem:
                logging.getLogger("traindesk").warning(note)
            self.problem = note
        return good

    def get(self, run_id: str) -> Optional[RunRow]:
        self.mark_interrupted()
        with self._read() as con:
            r = con.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            return None
        try:
            return _row(r)
        except (ValueError, TypeError, KeyError) as e:
            raise StoreError(f"the run {run_id} in {self.path} is damaged ({e})") from None

    def epochs(self, run_id: str) -> list[dict]:
        with self._read() as con:
            rows = con.execute("SELECT * FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,)).fetchall()
        return [{k: r[k] for k in r.keys() if k != "run_id"} for r in rows
                if _number(r["epoch"], integer=True)]

    def curve(self, run_id: str) -> list[dict]:
        with self._read() as con:
            rows = con.execute("SELECT step, epoch, loss, acc, lr, elapsed FROM curve WHERE run_id=? "
                               "ORDER BY step", (run_id,)).fetchall()
        return [dict(r) for r in rows if _number(r["step"], integer=True)]

    def curve_of_checkpoint(self, path: str, steps: int) -> list[dict]:
        """The curve, up to `steps`, of the run that wrote checkpoint `path` (for a continued run)."""
        with self._read() as con:
            r = con.execute("SELECT id FROM runs WHERE checkpoint=? OR best_checkpoint=? "
                            "ORDER BY started DESC LIMIT 1", (str(path), str(path))).fetchone()
        if r is None:
            return []
        return [p for p in self.curve(r["id"]) if p["step"] <= steps]

    def mark_interrupted(self) -> list[str]:
        """Mark runs whose process has died as interrupted; returns their ids."""
        with self._read() as con:
            rows = con.execute("SELECT id, host, pid, pid_start, heartbeat FROM runs "
                               "WHERE status='running'").fetchall()
        dead = []
        now = time.time()
        for r in rows:
            if r["host"] == self.host:
                gone = not (_number(r["pid"], integer=True) and _alive(r["pid"], r["pid_start"]))
            else:  # another machine sharing this folder: only a long silence tells
                gone = not _number(r["heartbeat"]) or now - r["heartbeat"] > OTHER_HOST_STALE_S
            if gone:
                dead.append(r["id"])
        if dead:
            with self._tx() as con:
                con.executemany("UPDATE runs SET status='interrupted', ended=COALESCE(ended, "
                                "heartbeat) WHERE id=? AND status='running'", [(i,) for i in dead])
        return dead

    def integrity(self) -> str:
        with self._read() as con:
            return con.execute("PRAGMA integrity_check").fetchone()[0]


def _damaged(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "schema"))
