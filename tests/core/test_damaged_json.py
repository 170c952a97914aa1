"""runs.json (read once, by the migration) and cpu-threads.json with any content: set aside with
one line, never a traceback; two processes updating the thread cache at once never drop each
other's entries."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import device
from core.runs.legacy_json import INDEX, read_index

ROOT = Path(__file__).resolve().parents[2]
DEEP = b"[" * 100000
WHOLE_FILE_DAMAGE = {  # name: content (None: a folder in the file's place)
    "garbage": bytes(range(256)) * 8, "empty": b"", "blank": b" \n\t", "folder": None,
    "not_utf8": b'{"a": "\xff\xfe"}', "nested": DEEP, "cut": b'{"a": 1, "b', "huge_int": b"1" * 5000,
}


def _write(path: Path, content):
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)


def _aside(folder: Path, name: str) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(name + ".damaged-")]


def _same(aside: Path, content) -> bool:
    return aside.is_dir() if content is None else aside.read_bytes() == content


# -- cpu-threads.json ------------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(device, "problems", [])
    return tmp_path


def _measure():
    return 1, {1: 0.001}


@pytest.mark.parametrize("content", list(WHOLE_FILE_DAMAGE.values()) + [
    b"[]", b'"x"', b"3", b"null", b'{"k": -3}', b'{"k": 0}', b'{"k": 1000000000}', b'{"k": NaN}',
    b'{"k": Infinity}', b'{"k": 2.5}', b'{"k": true}', b'{"k": "4"}', b'{"k": [2]}',
], ids=list(WHOLE_FILE_DAMAGE) + ["list", "string", "number", "null", "negative", "zero", "huge",
                                  "nan", "inf", "float", "bool", "text", "nested_list"])
def test_damaged_thread_cache_is_set_aside_and_measured_again(home, content):
    store = home / "cpu-threads.json"
    _write(store, content)
    threads, how = device.remembered_threads("m", _measure)
    assert threads == 1 and "measured now" in how
    assert f"The CPU thread cache {store} could not be read (" in how
    assert "; it was moved to cpu-threads.json.damaged-" in how and "\n" not in how
    assert device.problems == [how.split("; ", 1)[1]]
    [aside] = _aside(home, "cpu-threads.json")
    assert _same(aside, content)  # nothing lost: the damaged file is kept as it was
    assert list(json.loads(store.read_text()).values()) == [1]  # a fresh, valid cache
    assert device.remembered_threads("m", _measure) == (1, f"measured earlier on this machine ({store})")


def test_good_entries_of_other_machines_are_kept(home):
    store = home / "cpu-threads.json"
    store.write_text(json.dumps({"other|8 cpus": 4}))
    device.remembered_threads("m", _measure)
    assert len(json.loads(store.read_text())) == 2 and device.problems == []


def test_folder_that_cannot_be_moved_is_ignored_and_not_written(home, monkeypatch):
    (home / "cpu-threads.json").mkdir()
    monkeypatch.setattr(os, "rename", _refuse_rename)
    threads, how = device.remembered_threads("m", _measure)
    assert threads == 1 and "a folder is in its place" in how
    assert "it could not be moved, so it is left in place and ignored" in how
    assert how.endswith("(not remembered: a folder has that name)")


def _refuse_rename(src, dst):
    raise PermissionError(13, "Permission denied")


WRITER = """
import sys, time, types
from pathlib import Path
# torch takes seconds to import in each process; the cache's locking does not use it
sys.modules["torch"] = types.SimpleNamespace(__version__="test", set_num_threads=lambda n: None)
from core import device
name, ready, n, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
(ready / name).touch()
while len(list(ready.iterdir())) < n:  # all start together, after their (slow) imports
    time.sleep(0.001)
for i in range(count):
    device.remembered_threads(f"{name}-{i}", lambda: (1, {1: 0.001}))
"""


def _run_together(script: str, env: dict, n: int, count: int, tmp_path: Path):
    ready = tmp_path / "ready"
    ready.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", script, f"p{i}", str(ready), str(n), str(count)],
                              env={**os.environ, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT)
             for i in range(n)]
    assert [p.wait(timeout=120) for p in procs] == [0] * n


def test_concurrent_processes_keep_each_others_choices(tmp_path):
    home = tmp_path / "home"
    _run_together(WRITER, {"TRAINDESK_DATA_HOME": str(home)}, 3, 40, tmp_path)
    assert len(json.loads((home / "cpu-threads.json").read_text())) == 3 * 40
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")]


# -- runs.json (the old index, read once by the migration into SQLite) -------------------------------
def _row(**changes):
    return {"run_id": "fashion-v0-1", "model_id": "fashion-v0", "model_name": "FashionMNISTModelV0",
            "model_loss": 0.5, "model_acc": 83.0, "training_time": 4.2, "epochs": 3, "device": "cpu",
            "optimizer": "sgd", "lr": 0.1, "batch_size": 32, "checkpoint": "/x.safetensors",
            "created": "2026-01-02 03:04:05", **changes}


@pytest.mark.parametrize("content", list(WHOLE_FILE_DAMAGE.values()) + [b"{}", b'"x"', b"42", b"null"],
                         ids=list(WHOLE_FILE_DAMAGE) + ["object", "string", "number", "null"])
def test_damaged_index_is_set_aside_whole(tmp_path, content):
    _write(tmp_path / INDEX, content)
    records, problem = read_index(tmp_path)
    assert records == []
    assert problem.startswith(f"The run history {tmp_path / INDEX} could not be read (")
    assert "; it was moved to runs.json.damaged-" in problem and "\n" not in problem
    [aside] = _aside(tmp_path, INDEX)
    assert _same(aside, content)
    assert read_index(tmp_path) == ([], None)  # set aside: the next start finds no index


BAD_FIELDS = {
    "acc_as_text": {"model_acc": "83.4"}, "acc_over_100": {"model_acc": 183.0},
    "acc_nan": {"model_acc": float("nan")}, "negative_time": {"training_time": -4.0},
    "time_inf": {"training_time": float("inf")}, "lr_zero": {"lr": 0}, "lr_text": {"lr": "0.1"},
    "epochs_float": {"epochs": 2.5}, "epochs_negative": {"epochs": -1}, "batch_bool": {"batch_size": True},
    "batch_huge": {"batch_size": 10**30}, "name_number": {"model_name": 7}, "empty_id": {"run_id": ""},
    "checkpoint_list": {"checkpoint": ["a"]}, "created_null": {"created": None},
    "loss_negative_inf": {"model_loss": float("-inf")}, "loss_text": {"model_loss": "0.3"},
}


@pytest.mark.parametrize("changes", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_one_bad_field_drops_only_that_record(tmp_path, changes):
    rows = [_row(run_id="good-1"), _row(**{"run_id": "bad", **changes}), _row(run_id="good-2")]
    original = json.dumps(rows).encode()
    (tmp_path / INDEX).write_bytes(original)
    records, problem = read_index(tmp_path)
    assert [r.run_id for r in records] == ["good-1", "good-2"]
    field = next(iter(changes))
    assert f"had 1 damaged of 3 records (record 2: {field} is " in problem
    assert "the damaged ones are left out, the original is kept as runs.json.damaged-" in problem
    [aside] = _aside(tmp_path, INDEX)
    assert aside.read_bytes() == original  # every byte of the original is kept


def test_rows_that_are_not_objects_or_lack_fields(tmp_path):
    row = _row()
    del row["run_id"]
    (tmp_path / INDEX).write_text(json.dumps([7, "x", None, [1], row, _row(run_id="ok")]))
    records, problem = read_index(tmp_path)
    assert [r.run_id for r in records] == ["ok"]
    assert "had 5 damaged of 6 records (record 1: a number instead of an object and 4 more)" in problem


def test_what_earlier_versions_wrote_still_reads(tmp_path):
    """Whole numbers where floats belong, a run with no accuracy, a diverged run's NaN loss,
    extra fields from a newer TrainDesk: all valid."""
    rows = [_row(run_id="a", model_acc=83, lr=1, training_time=0), _row(run_id="b", model_acc=None),
            _row(run_id="c", model_loss=float("nan"), future_field={"x": 1})]
    (tmp_path / INDEX).write_text(json.dumps(rows))
    records, problem = read_index(tmp_path)
    assert problem is None and [r.run_id for r in records] == ["a", "b", "c"]
    assert isinstance(records[0].model_acc, float) and records[1].model_acc is None


def test_folder_in_place_that_cannot_be_moved(tmp_path, monkeypatch):
    (tmp_path / INDEX).mkdir()
    monkeypatch.setattr(os, "rename", _refuse_rename)
    records, problem = read_index(tmp_path)
    assert records == [] and "left in place and ignored" in problem


def test_a_damaged_index_migrates_its_good_runs_and_says_so(tmp_path):
    from core.runs.store import RunStore
    (tmp_path / INDEX).write_text(json.dumps([_row(run_id="good"), _row(run_id="bad", lr="x")]))
    store = RunStore(tmp_path / "runs.sqlite")
    assert [r.run_id for r in store.runs()] == ["good"]
    assert "had 1 damaged of 2 records (record 2: lr is" in (store.problem or "")
    assert (tmp_path / (INDEX + ".migrated")).exists() and _aside(tmp_path, INDEX)


def test_a_note_from_an_unseen_call_reaches_the_next_run(tmp_path, monkeypatch):
    """The window reads the cache once before anyone watches its log: the next run says it."""
    from core.config import TrainConfig
    from core.train.trainer import Trainer
    monkeypatch.setattr(device, "problems", ["The CPU thread cache … was moved to x.damaged-1."])
    lines = []
    Trainer(TrainConfig(model="circles-v0", epochs=1), log=lines.append)
    assert lines.count("The CPU thread cache … was moved to x.damaged-1.") == 1
    assert device.problems == []
