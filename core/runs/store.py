"""Every run, from the window or the CLI, in one SQLite database (WAL mode) in the user data folder.

Several processes write at once (two trainings, the window and the CLI): each write is one short
transaction on its own connection, and SQLite's lock with a generous busy timeout serialises them.
A run records its process (host, pid, the pid's start time); a run still marked "running" whose
process is gone is shown as "interrupted" and so marked, so a SIGKILL or a power cut never leaves
a run running forever. A database that SQLite cannot open, or that fails its integrity check, is
set aside with one line saying where it went, unless only its indexes were damaged: they are
rebuilt and every run kept. Damage a read or a write finds later is mended the same way, then the
call is tried once more. A row someone edited into nonsense is left out. A history that cannot
be written (a full disk, a read-only mount) is still read (core/runs/readonly.py); each write
then fails with one line that says why. A run still training cannot be deleted.
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
from core.runs.schema import (Damaged, StoreError, as_damage, create, damaged, integrity_problem,
                              mending)
from core.runs import liveness, readonly
from core.runs.annotations import RunAnnotations
from core.runs.liveness import OTHER_HOST_STALE_S  # noqa: F401 - tests read it from here
from core.runs.processes import SEES_PROCESSES, process_start
from core.runs.row import STATUSES, RunRow  # noqa: F401 - RunRow: what callers get from here
from core.runs.row import finite_or_none as _finite_or_none
from core.runs.row import is_number as _number
from core.runs.row import row_from_db as _row

DB_NAME = "runs.sqlite"
BUSY_TIMEOUT_MS = 30_000
HEARTBEAT_S = 10.0


def default_path() -> Path:
    return runs_dir() / DB_NAME


class RunStore(RunAnnotations):
    """The run history. Cheap to make: each call opens a short connection of its own."""

    def __init__(self, path: Optional[Path] = None, migrate: bool = True):
        self.path = Path(path) if path else default_path()
        self.problem: Optional[str] = None  # one line, set when the database or a row was left out
        self.host = socket.gethostname()
        self._ready = False
        self._migrate = migrate
        self.read_only: Optional[str] = None  # why it cannot be written, while it cannot
        self._shown_gone: set = set()         # runs shown interrupted that could not be so marked

    # -- connection ---------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        if self.read_only is not None:
            con = readonly.connect(self.path, BUSY_TIMEOUT_MS / 1000)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA foreign_keys=ON")
        con.row_factory = sqlite3.Row
        # A damaged page can hold bytes that are not UTF-8: show them as U+FFFD (and let the
        # row checks judge the row) instead of failing the whole history on a decode error.
        con.text_factory = lambda b: b.decode("utf-8", "replace")
        return con

    def _prepare(self) -> None:
        """Open (creating, or setting aside a damaged file) once per RunStore."""
        if self._ready:
            return
        try:
            with self._creating():
                self._create_or_set_aside()
        except (OSError, StoreError) as e:  # no folder, no lock, no journal: maybe still readable
            if isinstance(e, StoreError) and not hasattr(e, "why"):
                raise  # damaged, and it could not be set aside: not to be read as it is
            why = readonly.why(self.path, getattr(e, "why", None) or reason(e))
            if not readonly.usable(self.path, BUSY_TIMEOUT_MS / 1000):
                raise StoreError(f"the run history {self.path} cannot be used ({why})") from None
            self.read_only, self._ready = why, True
            self.problem = (f"The run history {self.path} cannot be written ({why}): it is shown "
                            "read-only, and nothing in it can change until it can be written.")
            logging.getLogger("traindesk").warning(self.problem)
            return
        self._ready = True
        if self._migrate:
            from core.runs.migrate import migrate_json
            note = migrate_json(self)
            if note:
                self.problem = note if self.problem is None else f"{self.problem} {note}"

    @contextmanager
    def _creating(self) -> Iterator[None]:
        """Processes opening the history at the same moment take turns (an advisory lock beside
        it): one that read a brand-new file while another was still writing its first page took
        it for a damaged one and set it aside, and that other run's row was lost. Where the
        platform has no flock the opening goes on unlocked, as before."""
        try:
            import fcntl
        except ImportError:  # Windows
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _create_or_set_aside(self) -> None:
        if self.path.is_dir():  # SQLite says only "unable to open": moved aside, as a kept file is
            self._set_aside(sqlite3.DatabaseError("a folder is in its place"))
        try:
            self._create()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as e:  # "file is not a database",
            # "malformed", a failed check, a damaged schema whose error message is not UTF-8
            e = as_damage(e)
            if isinstance(e, sqlite3.OperationalError) and not damaged(e):
                error = StoreError(f"the run history {self.path} cannot be used ({reason(e)})")
                error.why = reason(e)
                raise error from None
            self._set_aside(e)
            try:
                self._create()
            except sqlite3.Error as e2:
                raise StoreError(f"the run history {self.path} cannot be used ({reason(e2)})") from None

    def _create(self) -> None:
        with closing(self._open()) as con:
            create(con, self.path)

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
        if self.read_only is not None:  # maybe it can be written again now (space was freed)
            self._ready, self.read_only, self.problem = False, None, None
        self._prepare()
        if self.read_only is not None:
            raise StoreError(f"the run history {self.path} cannot be written ({self.read_only})")
        try:
            with closing(self._open()) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
        except (sqlite3.Error, OSError, UnicodeDecodeError) as e:
            raise self._failure("written", e) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        self._prepare()
        try:
            with closing(self._open()) as con:
                yield con
        except (sqlite3.Error, OSError, UnicodeDecodeError) as e:
            raise self._failure("read", e) from None

    def _failure(self, doing: str, e: Exception) -> StoreError:
        e = as_damage(e)
        kind = Damaged if isinstance(e, sqlite3.DatabaseError) and damaged(e) else StoreError
        error = kind(f"the run history {self.path} could not be {doing} ({reason(e)})")
        error.cause = e
        return error

    def _mend(self, e: Exception) -> None:
        """Damage found by a read or a write after a good opening (a page damaged since): as at
        opening, rebuild the indexes when only they are damaged, which keeps every run; else set
        the file aside and start a new one."""
        with self._creating():
            try:
                with closing(self._open()) as con:
                    if integrity_problem(con, self.path) is None:
                        return
            except (sqlite3.Error, UnicodeDecodeError):
                pass
            self._set_aside(e)
            try:
                self._create()
            except sqlite3.Error as e2:
                raise StoreError(f"the run history {self.path} cannot be used ({reason(e2)})") from None

    # -- writing a run --------------------------------------------------------------------------
    @mending
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

    @mending
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

    @mending
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

    @mending
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

    @mending
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

    # -- the user's edits (rename, set_note: core/runs/annotations.py) ---------------------------
    @mending
    def delete(self, run_id: str) -> list[Path]:
        """Remove the run and the files it made (its checkpoints, TensorBoard logs, its folder if
        then empty). Returns what was removed; StoreError if there is no such run."""
        from core.runs.files import remove_run_files
        row = self.get(run_id)
        if row is None:
            raise StoreError(f"there is no run {run_id!r} in the history")
        if row.status == "running":  # as the window's Runs tab: its files are still being written
            with self._read() as con:
                r = con.execute("SELECT host, pid FROM runs WHERE id=?", (run_id,)).fetchone()
            where = "" if r is None or r["host"] == self.host else f" on {r['host']}"
            raise StoreError(f"run {run_id} is still training (process {r and r['pid']}{where}): "
                             "stop it first")
        with self._tx() as con:
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        return remove_run_files(row)

    # -- reading ----------------------------------------------------------------------------------
    @mending
    def runs(self) -> list[RunRow]:
        """Every run, oldest first; runs whose process is gone are marked interrupted first."""
        self.mark_interrupted()
        with self._read() as con:
            rows = con.execute("SELECT * FROM runs ORDER BY started, id").fetchall()
        good, bad = [], []
        for r in rows:
            try:
                good.append(self._shown(_row(r)))
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

    @mending
    def get(self, run_id: str) -> Optional[RunRow]:
        self.mark_interrupted()
        with self._read() as con:
            r = con.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            return None
        try:
            return self._shown(_row(r))
        except (ValueError, TypeError, KeyError) as e:
            raise StoreError(f"the run {run_id} in {self.path} is damaged ({e})") from None

    def _shown(self, row: RunRow) -> RunRow:
        if row.run_id in self._shown_gone and row.status == "running":
            row.status = "interrupted"  # what it is, though a read-only history still says running
        return row

    @mending
    def epochs(self, run_id: str) -> list[dict]:
        with self._read() as con:
            rows = con.execute("SELECT * FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,)).fetchall()
        return [{k: r[k] for k in r.keys() if k != "run_id"} for r in rows
                if _number(r["epoch"], integer=True)]

    @mending
    def curve(self, run_id: str) -> list[dict]:
        with self._read() as con:
            rows = con.execute("SELECT step, epoch, loss, acc, lr, elapsed FROM curve WHERE run_id=? "
                               "ORDER BY step", (run_id,)).fetchall()
        return [dict(r) for r in rows if _number(r["step"], integer=True)]

    @mending
    def curve_of_checkpoint(self, path: str, steps: int) -> list[dict]:
        """The curve, up to `steps`, of the run that wrote checkpoint `path` (for a continued run)."""
        with self._read() as con:
            r = con.execute("SELECT id FROM runs WHERE checkpoint=? OR best_checkpoint=? "
                            "ORDER BY started DESC LIMIT 1", (str(path), str(path))).fetchone()
        if r is None:
            return []
        return [p for p in self.curve(r["id"]) if p["step"] <= steps]

    @mending
    def mark_interrupted(self) -> list[str]:
        """Record runs whose process has died (core/runs/liveness.py); returns their ids. A history
        that cannot be written only shows them so."""
        with self._read() as con:
            rows = con.execute("SELECT id, host, pid, pid_start, heartbeat FROM runs "
                               "WHERE status='running'").fetchall()
        dead = liveness.gone(rows, self.host, SEES_PROCESSES)
        if self.read_only is not None:
            self._shown_gone = set(dead)
        elif dead:
            with self._tx() as con:
                liveness.record_gone(con, dead)
        return dead

    def integrity(self) -> str:
        with self._read() as con:
            return con.execute("PRAGMA integrity_check").fetchone()[0]
