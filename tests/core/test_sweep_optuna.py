"""`main.py sweep` on Optuna: ranges and lists, real sweep processes on one SQLite study (trials'
states read back with optuna.load_study and the same runs in `main.py runs --json`), a pruned run
that keeps its checkpoint, a failed trial while the others go on, and the study databases that are
refused in one line (locked, damaged, made by a newer Optuna) before anything starts."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from core.cli.dispatch import main
from core.sweep.space import Range, parse_values
from core.sweep.storage import StudyError, open_storage
from tests.core.main_process import ROOT, env_for


def _sweep(home: Path, *args: str, model: str = "line") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "main.py", "sweep", "--model", model, *args],
                            cwd=ROOT, env=env_for(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _done(proc: subprocess.Popen) -> tuple[int, list[dict], str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, [json.loads(line) for line in out.splitlines() if line.strip()], err


def test_ranges_and_lists_are_read_with_the_settings_types():
    assert parse_values("lr", "0.005:0.5:log") == Range(0.005, 0.5, log=True)
    assert parse_values("batch_size", "32,64,128") == [32, 64, 128]
    assert parse_values("momentum", "0:0.95") == Range(0.0, 0.95)
    assert parse_values("hidden_units", "8:64") == Range(8, 64, integer=True)
    assert parse_values("optimizer", "sgd,adam") == ["sgd", "adam"]
    for name, text, words in (("lr", "0.5:0.005", "low to high"), ("momentum", "0:0.9:log", "above 0"),
                              ("optimizer", "sgd:adam", "is a choice"), ("lr", "0.1:1:lin", "neither"),
                              ("lr", "0.1,0.2:1", "neither"), ("batch_size", "8:6.5", "whole number")):
        with pytest.raises(ValueError, match=words) as e:
            parse_values(name, text)
        assert "\n" not in str(e.value)


@pytest.mark.parametrize("args, words", [
    (["--lr", "0.01:0.1", "--sampler", "grid"], "grid takes lists only: lr is a range"),
    (["--momentum", "0:2"], "momentum"),                          # an end the setting refuses
    (["--lr", "0.01:0.1", "--random", "3"], "--sampler random --trials N"),
    (["--lr", "0.01:0.1"], "--trials N is needed"),
])
def test_bad_studies_are_refused_in_one_line_before_anything_starts(tmp_path, capsys, args, words):
    db = tmp_path / "s.db"
    code = main(["sweep", "--model", "line", *args, "--storage", f"sqlite:///{db}",
                 "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code in (1, 2) and words in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()


def _refused(tmp_path, capsys, db: Path) -> str:
    code = main(["sweep", "--model", "line", "--lr", "0.01:0.1", "--trials", "2", "--study", "s",
                 "--storage", f"sqlite:///{db}", "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1, err
    assert not (tmp_path / "runs").exists()  # no run started
    return err


def test_a_damaged_study_database_is_one_line(tmp_path, capsys):
    db = tmp_path / "damaged.db"
    db.write_bytes(b"this is not a database at all\n" * 200)
    err = _refused(tmp_path, capsys, db)
    assert "is damaged" in err and str(db) in err
    assert db.read_bytes().startswith(b"this is not a database")  # left as it was


def test_a_study_database_of_a_newer_optuna_is_one_line(tmp_path, capsys):
    db = tmp_path / "newer.db"
    open_storage(f"sqlite:///{db}")  # today's schema
    with sqlite3.connect(db) as con:  # as a future Optuna would leave it
        con.execute("UPDATE alembic_version SET version_num='v99.0.0.a'")
        con.execute("UPDATE version_info SET library_version='99.0.0'")
    err = _refused(tmp_path, capsys, db)
    assert "newer Optuna" in err and optuna.__version__ in err


def test_a_locked_study_database_is_one_line(tmp_path, capsys):
    db = tmp_path / "locked.db"
    open_storage(f"sqlite:///{db}")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
    try:
        err = _refused(tmp_path, capsys, db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "is locked by another program" in err


def test_open_storage_refuses_a_url_it_cannot_use():
    with pytest.raises(StudyError, match="cannot be used|needs a driver"):
        open_storage("nosuchdb://user:secret@host/db")


def test_joining_a_study_with_other_values_is_one_line(tmp_path, capsys):
    db = tmp_path / "s.db"
    study = optuna.create_study(study_name="s", storage=f"sqlite:///{db}", direction="minimize")
    study.set_user_attr("model", "line")
    study.set_user_attr("space", {"lr": [0.01, 0.1]})
    err = _refused(tmp_path, capsys, db)
    assert "searches lr 0.01,0.1, not lr 0.01:0.1" in err


def _trial_lines(lines: list[dict]) -> list[dict]:
    return [line["run"] for line in lines if "run" in line]


GOOD, HOPELESS, DIVERGES = 0.01, 1e-7, 1e6  # learning rates for TinyVGG with SGD
STATE_OF = {GOOD: "COMPLETE", HOPELESS: "PRUNED", DIVERGES: "FAIL"}
EPOCHS = 12


@pytest.fixture(scope="module")
def clothes(tmp_path_factory):
    """300 real T-shirts and trousers at 64x64: a TinyVGG epoch takes long enough (about 0.1 s on
    one thread) for the pruner's word to reach a run before its last epoch. On a toy model the whole
    run is over before the first epoch's line is read, on a fast machine."""
    from tests.core.image_folder_fixture import write_fashion_folder
    return write_fashion_folder(tmp_path_factory.mktemp("sweep") / "clothes", per_class=150,
                                classes=("T-shirt", "Trouser"), size=64, formats=("png",)).root


def test_sweep_processes_share_one_study_with_completed_pruned_and_failed_trials(tmp_path, clothes):
    """One sweep process draws 7 trials (seeded: a diverging one, then good and hopeless learning
    rates); then two sweep processes at once join the study. The median pruner stops each hopeless
    run once 4 trials have completed; the diverging run is a failed trial and the others go on.
    Every run trains on one thread with the same seed, so the good runs' figures are the same to the
    bit and none of them is ever below the median."""
    home, db = tmp_path / "home", tmp_path / "study.db"
    storage = f"sqlite:///{db}"
    common = ["--study", "clothes-lr", "--storage", storage, "--pruner", "median",
              "--epochs", str(EPOCHS), "--image-folder", str(clothes), "--threads", "1",
              "--lr", f"{GOOD},{HOPELESS},{DIVERGES}", "--sampler", "random", "--parallel", "1",
              "--seed", "4", "--out", str(tmp_path / "runs")]
    code, lines, err = _done(_sweep(home, "--trials", "7", *common, model="tinyvgg"))
    assert code == 1, err  # the diverged run failed; the other six went on
    summary = lines[-1]["sweep"]
    assert summary["study"] == "clothes-lr" and summary["storage"] == storage
    # Seed 4 draws 1e6, 0.01, 0.01, 1e-7, 1e-7, 0.01, 1e-7: the hopeless ones during the first
    # four completed trials complete (nothing to compare with yet), the last one is pruned. At 1e6
    # the loss blows up at once: the doctor stops the run (diverged), or it is NaN first (halted).
    statuses = [(r["lr"], r["status"]) for r in _trial_lines(lines)]
    assert statuses[0] in ((DIVERGES, "diverged"), (DIVERGES, "halted"))
    assert statuses[1:] == [(GOOD, "finished"), (GOOD, "finished"), (HOPELESS, "finished"),
                            (HOPELESS, "finished"), (GOOD, "finished"), (HOPELESS, "pruned")]
    assert summary["study_best"]["params"] == {"lr": GOOD}

    both = [_sweep(home, "--trials", "2", *common, model="tinyvgg") for _ in range(2)]
    for code, lines, err in [_done(p) for p in both]:
        assert lines[0]["plan"]["study"] == "clothes-lr" and lines[0]["plan"]["joined"], err
        runs = _trial_lines(lines)
        assert len(runs) == 2 and code == (1 if any(r["lr"] == DIVERGES for r in runs) else 0), err
        for r in runs:  # from here on a hopeless run is always below the completed runs' median
            wanted = {GOOD: ("finished",), HOPELESS: ("pruned",)}.get(r["lr"], ("diverged", "halted"))
            assert r["status"] in wanted

    study = optuna.load_study(study_name="clothes-lr", storage=storage)
    assert sorted(t.number for t in study.trials) == list(range(11))  # no trial run twice
    states = [t.state.name for t in study.trials]
    assert states[:7] == ["FAIL"] + ["COMPLETE"] * 5 + ["PRUNED"]
    assert all(STATE_OF[t.params["lr"]] == t.state.name for t in study.trials[7:])
    assert all(1 in t.intermediate_values for t in study.trials if t.state.name == "PRUNED")

    listed = subprocess.run([sys.executable, "main.py", "runs", "--json"], cwd=ROOT,
                            env=env_for(home), capture_output=True, text=True, timeout=120)
    runs = {r["id"]: r for r in json.loads(listed.stdout)}
    assert len(runs) == 11 and len({t.user_attrs["run_id"] for t in study.trials}) == 11
    for t in study.trials:
        run = runs[t.user_attrs["run_id"]]
        assert run["sweep"] == "clothes-lr" and run["name"] == f"clothes-lr #{t.number}"
        assert run["status"] == {"COMPLETE": "finished", "PRUNED": "pruned", "FAIL": "failed"}[t.state.name]
        if run["status"] == "pruned":  # stopped early, its checkpoint kept
            assert Path(run["checkpoint"]).is_file() and len(run["epochs"]) < EPOCHS
