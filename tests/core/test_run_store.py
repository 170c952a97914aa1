"""The run history in SQLite: several processes writing at once, a process killed mid-run, the old
runs.json moved in once, damaged databases and rows, and `main.py runs`."""
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli.dispatch import main
from core.runs.legacy_json import RunRecord
from core.runs.store import RunStore, StoreError

ROOT = Path(__file__).resolve().parents[2]


def _writer(db: str, prefix: str, runs: int, epochs: int) -> None:
    store = RunStore(Path(db))
    for r in range(runs):
        run_id = f"{prefix}-{r}"
        store.begin(run_id, {"model": "fashion-v0", "lr": 0.1, "batch_size": 32}, "V0", "cpu",
                    "2.x", None, "test")
        for e in range(1, epochs + 1):
            curve = [{"step": e * 100 + i, "epoch": e, "loss": 1.0 / (e + i), "acc": 50.0, "lr": 0.1,
                      "elapsed": float(e)} for i in range(5)]
            store.add_epoch(run_id, {"epoch": e, "train_loss": 1.0, "train_acc": 50.0,
                                     "test_loss": 1.0 / e, "test_acc": 50.0 + e, "seconds": 0.1,
                                     "lr": 0.1}, curve, f"/x/{run_id}.safetensors", None)
        store.finish(run_id, "finished", 0.5, 60.0, 1.0, epochs, None, None, None, [])


def test_concurrent_writers_lose_no_row(tmp_path):
    db = tmp_path / "runs.sqlite"
    RunStore(db).runs()  # created once, as the first window would
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(db), f"p{i}", 5, 8)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = RunStore(db)
    rows = store.runs()
    assert len(rows) == 20 and {r.status for r in rows} == {"finished"}
    assert all(len(store.epochs(r.run_id)) == 8 and len(store.curve(r.run_id)) == 40 for r in rows)
    assert store.integrity() == "ok"
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _env(home: Path) -> dict:
    return dict(os.environ, TRAINDESK_DATA_HOME=str(home), PYTHONPATH=str(ROOT))


def test_two_cli_trainings_at_once_keep_both_runs_and_files(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "--model", "circles-v0", "--epochs", "300",
           "--threads", "1", "--out", str(out)]
    procs = [subprocess.Popen(cmd, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr.decode()
        results.append(json.loads(stdout.decode().splitlines()[-1])["result"])
    assert results[0]["checkpoint"] != results[1]["checkpoint"]
    assert all(Path(r["checkpoint"]).is_file() for r in results)
    rows = RunStore(home / "runs" / "runs.sqlite").runs()
    assert sorted(r.run_id for r in rows) == sorted(r["run_id"] for r in results)
    assert all(r.status == "finished" and r.epochs == 300 and r.source == "cli" for r in rows)


def test_sigkill_mid_run_shows_interrupted_and_the_database_opens(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "--model", "fashion-v0", "--epochs", "50",
           "--threads", "1", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = home / "runs" / "runs.sqlite"
    try:
        deadline = time.time() + 240
        while time.time() < deadline:  # until one epoch is in the history
            if db.exists():
                rows = RunStore(db).runs()
                if rows and rows[0].epochs >= 1:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the run never finished an epoch")
        assert rows[0].status == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    store = RunStore(db)
    (row,) = store.runs()
    assert row.status == "interrupted" and row.ended is not None
    assert store.integrity() == "ok"
    # what it wrote at the end of its last epoch can be continued
    assert row.checkpoint and Path(row.checkpoint).is_file()
    from core import checkpoint
    assert len(checkpoint.read_meta(row.checkpoint)["history"]) >= 1


def test_runs_json_is_moved_in_once(tmp_path, fashion_small):
    from core.config import TrainConfig
    from core.train.trainer import Trainer

    folder = tmp_path / "runs"
    t = Trainer(TrainConfig(model="fashion-v0", epochs=2, threads=2), data=fashion_small)
    list(t.run())
    ckpt = t.save(folder / "old-run")
    r = t.result(checkpoint=str(ckpt))
    # runs.json as TrainDesk 0.2 wrote it: a list of records, one per run
    rec = RunRecord("fashion-v0-20260101-120000-abcdef", "fashion-v0", r.model_name, r.model_loss,
                    r.model_acc, r.training_time, r.epochs_done, r.device, "sgd", 0.1, 32,
                    r.checkpoint, "2026-01-01 12:00:00")
    second = RunRecord("second", "fashion-v2", "FashionMNISTModelV2", 0.3, 88.0, 40.0, 3, "cpu",
                       "sgd", 0.1, 32, None, "2026-01-02 03:04:05")
    (folder / "runs.json").write_text(json.dumps([vars(rec), vars(second)]))
    rows = RunStore(folder / "runs.sqlite").runs()
    assert [r.run_id for r in rows] == [rec.run_id, "second"] or \
        sorted(r.run_id for r in rows) == sorted([rec.run_id, "second"])
    assert not (folder / "runs.json").exists() and (folder / "runs.json.migrated").exists()
    store = RunStore(folder / "runs.sqlite")
    first = store.get(rec.run_id)
    assert first.model_acc == rec.model_acc and first.checkpoint == str(ckpt)
    assert [e["epoch"] for e in store.epochs(rec.run_id)] == [1, 2]  # from the checkpoint's metadata
    # a second start does not add them again, even if the old index reappears
    (folder / "runs.json.migrated").rename(folder / "runs.json")
    assert len(RunStore(folder / "runs.sqlite").runs()) == 2


def test_a_database_that_is_not_one_is_set_aside(tmp_path):
    db = tmp_path / "runs.sqlite"
    db.write_bytes(b"this is not a database, it was hand-edited\n" * 200)
    store = RunStore(db)
    assert store.runs() == []
    assert "could not be read" in store.problem and ".damaged-" in store.problem
    assert list(tmp_path.glob("runs.sqlite.damaged-*"))
    _writer(str(db), "new", 1, 2)  # and the new one works
    assert len(RunStore(db).runs()) == 1



def test_a_folder_in_the_databases_place_is_set_aside(tmp_path):
    """As the JSON kept files do; it used to leave the history unusable ("unable to open database
    file") until someone removed the folder by hand."""
    db = tmp_path / "runs.sqlite"
    db.mkdir()
    (db / "mine.txt").write_text("kept")
    store = RunStore(db)
    assert store.runs() == []
    assert "a folder is in its place" in store.problem and ".damaged-" in store.problem
    [aside] = tmp_path.glob("runs.sqlite.damaged-*")
    assert (aside / "mine.txt").read_text() == "kept"
    _writer(str(db), "new", 1, 2)
    assert len(RunStore(db).runs()) == 1

def test_a_truncated_database_is_set_aside_or_read(tmp_path):
    db = tmp_path / "runs.sqlite"
    _writer(str(db), "a", 30, 10)
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    db.write_bytes(raw[: len(raw) // 2])
    store = RunStore(db)
    try:
        rows = store.runs()
    except StoreError as e:  # one line, never a traceback
        assert "\n" not in str(e)
    else:
        assert store.problem is None or "damaged" in store.problem or "could not" in store.problem
        assert len(rows) <= 30


def test_hand_edited_rows_are_left_out_with_a_note(tmp_path):
    db = tmp_path / "runs.sqlite"
    _writer(str(db), "a", 3, 1)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE runs SET status='banana' WHERE id='a-0'")
        con.execute("UPDATE runs SET config='{not json' WHERE id='a-1'")
    store = RunStore(db)
    rows = store.runs()
    assert [r.run_id for r in rows] == ["a-2"]
    assert "2 damaged of 3 runs" in store.problem and "a-0" in store.problem


def test_a_newer_schema_is_not_overwritten(tmp_path):
    db = tmp_path / "runs.sqlite"
    _writer(str(db), "a", 1, 1)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE meta SET value='7' WHERE key='schema_version'")
    store = RunStore(db)
    assert store.runs() == [] and "schema version 7" in store.problem
    assert list(tmp_path.glob("runs.sqlite.damaged-*"))


def test_runs_command_table_json_and_delete(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(home))
    out = tmp_path / "out"
    assert main(["train", "--model", "circles-v0", "--epochs", "20", "--threads", "1",
                 "--tensorboard", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])["result"]
    assert main(["runs"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["run", "status", "epochs"] and result["run_id"] in table[1]
    assert main(["runs", "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)
    assert {"id", "model", "status", "lr", "batch_size", "epochs", "checkpoint",
            "best_checkpoint"} <= set(run)
    assert run["id"] == result["run_id"] and run["status"] == "finished" and len(run["epochs"]) == 20
    assert set(run["epochs"][0]) >= {"epoch", "train_loss", "test_loss", "test_acc", "lr"}
    assert run["checkpoint"] == result["checkpoint"] and Path(run["best_checkpoint"]).is_file()
    folder = Path(result["checkpoint"]).parent
    events = list((folder / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0
    assert main(["runs", "--delete", run["id"]]) == 0
    deleted = json.loads(capsys.readouterr().out)
    assert deleted["deleted"] == run["id"] and str(folder) in deleted["removed"]
    assert not folder.exists()
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["runs", "--delete", "no-such-run"]) == 1
    assert "no run 'no-such-run'" in capsys.readouterr().err


def test_delete_keeps_files_the_user_put_in_the_folder(tmp_path):
    db = tmp_path / "runs.sqlite"
    folder = tmp_path / "run-a"
    folder.mkdir()
    (folder / "last.safetensors").write_bytes(b"x")
    (folder / "my-notes.txt").write_text("mine")
    store = RunStore(db)
    store.begin("a", {"model": "fashion-v0"}, "V0", "cpu", "2.x", str(folder), "test")
    store.finish("a", "stopped", 1.0, 50.0, 1.0, 1, str(folder / "last.safetensors"), None, None, [])
    removed = store.delete("a")
    assert folder / "last.safetensors" in removed and (folder / "my-notes.txt").read_text() == "mine"
    assert store.get("a") is None


def test_a_history_that_cannot_be_opened_does_not_stop_a_training(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "runs").write_text("a file where the runs folder belongs")
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(home))
    assert main(["train", "--model", "circles-v0", "--epochs", "5", "--threads", "1",
                 "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.splitlines()[-1])["result"]
    assert Path(result["checkpoint"]).is_file()
    assert "This run is not in the run history: the run history" in captured.err
    assert main(["runs"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the run history") and "cannot be used" in err[0]


def test_a_history_from_before_the_sweep_columns_gains_them(tmp_path):
    from core.runs.schema import ADDED_COLUMNS, SCHEMA
    db = tmp_path / "runs.sqlite"
    old_schema = SCHEMA.replace(", sweep TEXT,\n    world_size INTEGER NOT NULL DEFAULT 1, "
                                "diagnoses TEXT)", ")")
    assert "sweep" not in old_schema and "diagnoses" not in old_schema and ADDED_COLUMNS
    with sqlite3.connect(db) as con:
        con.executescript(old_schema)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        con.execute("INSERT INTO runs (id, model, status, started) VALUES ('old', 'fashion-v0', "
                    "'finished', 1.0)")
    store = RunStore(db)
    (row,) = store.runs()
    assert row.run_id == "old" and row.sweep is None and row.world_size == 1
    assert row.diagnoses == []
    store.begin("new", {"model": "fashion-v0"}, "V0", "cpu", "2.x", None, "sweep", sweep="s-1",
                world_size=2)
    assert store.get("new").sweep == "s-1" and store.get("new").world_size == 2
    store.set_diagnoses("new", [{"code": "plateau", "says": "No progress.", "evidence": "e",
                                 "try": "t"}])
    assert [d["code"] for d in store.get("new").diagnoses] == ["plateau"]
