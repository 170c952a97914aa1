"""The run history's SQLite schema, and how it survives damage: the checks that tell a damaged
database file from a busy or unwritable one, and `mending`, which has a RunStore method that met
damage mend the file (rebuild its indexes, or set it aside: core/runs/store.py) and try again."""
from __future__ import annotations

import functools
import logging
import sqlite3
from contextlib import closing
from typing import Optional

SCHEMA_VERSION = 1
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
    world_size INTEGER NOT NULL DEFAULT 1, diagnoses TEXT);
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
ADDED_COLUMNS = (("sweep", "TEXT"), ("world_size", "INTEGER NOT NULL DEFAULT 1"),
                 ("diagnoses", "TEXT"))  # JSON: core/train/diagnoses.py's findings


def _columns(con: sqlite3.Connection) -> set[str]:
    return {f"{table}.{c[1]}" for table in ("meta", "runs", "epochs", "curve")
            for c in con.execute(f"PRAGMA table_info({table})")}


def missing_columns(con: sqlite3.Connection) -> list[str]:
    """table.column names the schema declares that the database lacks."""
    with closing(sqlite3.connect(":memory:")) as fresh:
        fresh.executescript(SCHEMA)
        return sorted(_columns(fresh) - _columns(con))


# What PRAGMA integrity_check says of an index that REINDEX rebuilds from its table.
INDEX_DAMAGE = ("missing from index", "wrong # of entries in index", "non-unique entry in UNIQUE index")


def integrity_problem(con: sqlite3.Connection, path) -> Optional[str]:
    """The first problem that makes the file unusable, else None. quick_check finds damaged pages.
    integrity_check also finds indexes whose entries no longer match their table, which pass
    quick_check and then give wrong rows, or "malformed" errors, to every read through them: those
    are rebuilt (REINDEX), keeping every run. The value checks integrity_check adds ("NUMERIC
    value in runs.pid_start") are left to the row checks, which leave out a run, not the history.
    Both checks take about 35 ms on a history of 1,000 runs."""
    quick = con.execute("PRAGMA quick_check").fetchone()[0]
    if quick != "ok":
        return quick
    found = [r[0] for r in con.execute("PRAGMA integrity_check(100)")]
    damage = [f for f in found if any(d in f for d in INDEX_DAMAGE)]
    if not damage:
        return None
    try:
        con.execute("REINDEX")
    except sqlite3.DatabaseError as e:  # a unique index over rows that are no longer unique
        return f"its indexes cannot be rebuilt ({e})"
    logging.getLogger("traindesk").warning("run history %s: damaged indexes rebuilt (%s)", path,
                                           damage[0])
    return None


def create(con: sqlite3.Connection, path) -> None:
    """Make (or bring up to date) the tables in an open database, after checking it is whole;
    sqlite3.DatabaseError when it is damaged or of another schema version."""
    mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":  # e.g. a file system without shared memory: still usable
        logging.getLogger("traindesk").info("run history journal mode: %s", mode)
    con.execute("PRAGMA synchronous=NORMAL")
    problem = integrity_problem(con, path)
    if problem:
        raise sqlite3.DatabaseError(f"integrity check failed: {problem}")
    con.executescript(SCHEMA)
    have = {r[1] for r in con.execute("PRAGMA table_info(runs)")}
    for name, declaration in ADDED_COLUMNS:
        if name not in have:
            try:
                con.execute(f"ALTER TABLE runs ADD COLUMN {name} {declaration}")
            except sqlite3.OperationalError as e:  # another process added it just now
                if "duplicate column" not in str(e):
                    raise
    lost = missing_columns(con)
    if lost:  # a damaged schema text that still parses: every read of a row would fail
        raise sqlite3.DatabaseError(f"damaged: its tables lack {', '.join(lost[:4])}")
    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    if str(version) != str(SCHEMA_VERSION):
        raise sqlite3.DatabaseError(f"it is schema version {version}; this TrainDesk reads "
                                    f"{SCHEMA_VERSION}")


def damaged(e: sqlite3.DatabaseError) -> bool:
    text = str(e).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "schema",
                                   "unsupported file format"))


class StoreError(Exception):
    """The run history cannot be used or written; the message is one line."""


class Damaged(StoreError):
    """A read or write found the file damaged; `mending` mends it and tries once more."""


def mending(method):
    """Run a RunStore method; when it finds the database damaged, mend it (RunStore._mend) and run
    it once more. A second failure goes to the caller as the StoreError it is."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Damaged as e:
            self._mend(e.cause)
            return method(self, *args, **kwargs)
    return call


def as_damage(e: Exception) -> Exception:
    """A UnicodeDecodeError from the sqlite3 module means damaged text where SQLite keeps its own
    (a schema, an error message): said as the damage it is."""
    if isinstance(e, UnicodeDecodeError):
        return sqlite3.DatabaseError("damaged: it holds text that is not UTF-8")
    return e
