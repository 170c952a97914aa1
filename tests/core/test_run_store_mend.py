"""Damage that the opening check of the run history does not see: indexes that no longer match
their tables, text that is not UTF-8, a schema whose columns were renamed by a flipped byte.
Every case is real damage made in a real SQLite file; none may crash a reader or lose the runs
that can still be read. Also how a run's process is judged gone: a pid no process can have, and a
platform where a pid cannot be asked about safely."""
import sqlite3
from pathlib import Path

import pytest

from core.runs.processes import run_process_alive
from core.runs.store import RunStore


def _history(path: Path) -> RunStore:
    store = RunStore(path, migrate=False)
    store.begin("r1", {"model": "line"}, "LinearRegressionModel", "cpu", "2.x", None, "test")
    store.add_epochs("r1", [{"epoch": e, "train_loss": 1.0 / e, "test_loss": 1.0 / e}
                            for e in range(1, 4)],
                     [{"step": k, "epoch": 1 + k // 10, "loss": 1.0 / (k + 1)} for k in range(30)],
                     None, None)
    store.finish("r1", "finished", 0.1, None, 1.0, 3, None, None, None, [])
    return store


def _edit_schema(path: Path, *statements) -> None:
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA writable_schema=ON")
        for sql, args in statements:
            con.execute(sql, args)
    sqlite3.connect(path).close()


def _swap_index_roots(path: Path) -> None:
    """Each of two indexes then holds the other table's entries: damage quick_check does not see,
    and which gives wrong rows (or "malformed") to every read that goes through them."""
    with sqlite3.connect(path) as con:
        root = dict(con.execute("SELECT name, rootpage FROM sqlite_master WHERE name LIKE "
                                "'sqlite_autoindex_%'").fetchall())
    _edit_schema(path, ("UPDATE sqlite_master SET rootpage=? WHERE name='sqlite_autoindex_epochs_1'",
                        (root["sqlite_autoindex_curve_1"],)),
                 ("UPDATE sqlite_master SET rootpage=? WHERE name='sqlite_autoindex_curve_1'",
                  (root["sqlite_autoindex_epochs_1"],)))
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert "missing from index" in con.execute("PRAGMA integrity_check").fetchone()[0]


def _mended(store: RunStore, caplog) -> None:
    assert [r.run_id for r in store.runs()] == ["r1"]
    assert [p["step"] for p in store.curve("r1")] == list(range(30))  # read through an index
    assert [e["epoch"] for e in store.epochs("r1")] == [1, 2, 3]
    assert "damaged indexes rebuilt" in caplog.text
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not list(store.path.parent.glob("*.damaged-*")) and store.problem is None


def test_damaged_indexes_are_rebuilt_at_opening_and_every_run_is_kept(tmp_path, caplog):
    path = tmp_path / "runs.sqlite"
    _history(path)
    _swap_index_roots(path)
    _mended(RunStore(path, migrate=False), caplog)  # the first read of the curve is right too


def test_indexes_damaged_after_opening_are_rebuilt_when_a_read_meets_them(tmp_path, caplog):
    path = tmp_path / "runs.sqlite"
    store = _history(path)  # opened and checked before the damage
    _swap_index_roots(path)
    assert [e["epoch"] for e in store.epochs("r1")] == [1, 2, 3]  # read, damaged, mended, read
    _mended(store, caplog)


def test_text_that_is_not_utf8_is_shown_with_replacements(tmp_path):
    path = tmp_path / "runs.sqlite"
    _history(path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE runs SET name=CAST(x'4361ff' AS TEXT), note=CAST(x'fe' AS TEXT)")
    [row] = RunStore(path, migrate=False).runs()
    assert (row.name, row.note) == ("Ca\ufffd", "\ufffd")


def test_a_schema_with_a_renamed_column_is_set_aside(tmp_path):
    path = tmp_path / "runs.sqlite"
    _history(path)
    with sqlite3.connect(path) as con:
        sql = con.execute("SELECT sql FROM sqlite_master WHERE name='runs'").fetchone()[0]
    _edit_schema(path, ("UPDATE sqlite_master SET sql=? WHERE name='runs'",
                        (sql.replace("ended REAL", "endXd REAL"),)))
    store = RunStore(path, migrate=False)
    assert store.runs() == []
    assert "its tables lack runs.ended" in store.problem
    [aside] = [p for p in tmp_path.glob("runs.sqlite.damaged-*") if p.name[-1].isdigit()]
    with sqlite3.connect(aside) as con:  # the damaged file is kept as it was, for the user
        assert con.execute("SELECT id FROM runs").fetchall() == [("r1",)]
    store.begin("r2", {"model": "line"}, "LinearRegressionModel", "cpu", "2.x", None, "test")
    assert [r.run_id for r in store.runs()] == ["r2"]


def test_a_pid_no_process_can_have_is_not_alive():
    assert not run_process_alive(10 ** 20, None)  # a hand edit; os.kill raises OverflowError
    assert not run_process_alive(-(10 ** 20), None)


def test_a_schema_text_that_is_not_utf8_is_set_aside_in_words(tmp_path):
    """SQLite's own error message then quotes the bad bytes, and the sqlite3 module cannot decode
    it: that used to end `main.py runs` with a UnicodeDecodeError."""
    path = tmp_path / "runs.sqlite"
    _history(path)
    with sqlite3.connect(path) as con:
        sql = con.execute("SELECT sql FROM sqlite_master WHERE name='runs'").fetchone()[0]
    broken = sql.encode().replace(b"ended REAL,", b"ended REAL DEFAULT 'a' '\xff\xfe',")
    _edit_schema(path, ("UPDATE sqlite_master SET sql=CAST(? AS TEXT) WHERE name='runs'", (broken,)))
    store = RunStore(path, migrate=False)
    assert store.runs() == []
    assert "not UTF-8" in store.problem and "damaged" in store.problem


def test_where_pids_cannot_be_asked_a_run_is_judged_by_its_heartbeat(tmp_path, monkeypatch):
    """On Windows os.kill(pid, 0) would end the process it asks about: there the history never
    calls it, and a run on this machine is interrupted only after a long silence, as one from
    another machine is. (Windows itself cannot run here; the platform switch stands in for it.)"""
    import os

    import core.runs.store as run_store
    store = RunStore(tmp_path / "runs.sqlite", migrate=False)
    store.begin("r1", {"model": "line"}, "LinearRegressionModel", "cpu", "2.x", None, "test")
    with sqlite3.connect(store.path) as con:  # a process that is long gone
        con.execute("UPDATE runs SET pid=999999999")
    monkeypatch.setattr(run_store, "SEES_PROCESSES", False)
    monkeypatch.setattr(os, "kill", lambda *a: pytest.fail("os.kill called"))
    assert store.mark_interrupted() == [] and store.get("r1").status == "running"
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE runs SET heartbeat=heartbeat-?", (run_store.OTHER_HOST_STALE_S + 1,))
    assert store.mark_interrupted() == ["r1"] and store.get("r1").status == "interrupted"
    monkeypatch.undo()
    store.begin("r2", {"model": "line"}, "LinearRegressionModel", "cpu", "2.x", None, "test")
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE runs SET pid=999999999 WHERE id='r2'")
    assert store.mark_interrupted() == ["r2"]  # where pids can be asked: at once
