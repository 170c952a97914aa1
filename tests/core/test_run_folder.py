"""A run folder read while another process writes it (core/runs/folder.py): whole lines only, the
half-written last line later, damaged lines skipped, a truncated, replaced or rewritten file read
again from its start, a vanished folder reported with what was read kept."""
import json
import math
import os
import shutil

import pytest

from core.runs import folder as run_folder
from core.runs.folder import METRICS, RUN_INFO, MetricsReader, RunFolderWriter, is_run_folder

INFO = {"run_id": "fashion-v0-x", "model": "fashion-v0", "model_name": "FashionMNISTModelV0",
        "task": "fashion", "config": {"epochs": 3}, "device": "cpu", "world_size": 1}


def _batch(step, epoch=1):
    return {"kind": "batch", "step": step, "epoch": epoch, "batch": step, "batches": 10,
            "loss": 1.0 / step, "acc": 50.0, "lr": 0.1, "elapsed": step * 0.1}


def _epoch(n, of=3):
    return {"kind": "epoch", "epoch": n, "epochs": of, "train_loss": 0.5, "train_acc": 80.0,
            "test_loss": round(0.6 - n / 10, 3), "test_acc": 80.0 + n, "seconds": 1.0}


def _line(row) -> bytes:
    return (json.dumps(row, separators=(",", ":")) + "\n").encode()


def _append(folder, data: bytes):
    with open(folder / METRICS, "ab") as f:
        f.write(data)


@pytest.fixture
def run(tmp_path):
    folder = tmp_path / "fashion-v0-x"
    folder.mkdir()
    (folder / RUN_INFO).write_text(json.dumps({"format": "traindesk-run", **INFO}))
    return folder


def test_writer_and_reader_agree(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    w = RunFolderWriter(folder, dict(INFO, lr=math.inf))
    w.batch({"step": 1, "epoch": 1, "loss": math.nan, "acc": None})
    w.epoch({"epoch": 1, "epochs": 1, "test_loss": 0.5})
    w.end({"status": "finished", "model_loss": 0.5})
    r = MetricsReader(folder)
    rows, changed = r.poll()
    assert changed and [row["kind"] for row in rows] == ["batch", "epoch", "end"]
    assert rows[0]["loss"] is None  # NaN is written as null: the line stays JSON
    s = r.state
    assert s.info["run_id"] == "fashion-v0-x" and s.info["lr"] is None and s.info["version"] == 1
    assert len(s.batches) == 1 and s.epochs[0]["test_loss"] == 0.5 and s.end["status"] == "finished"
    assert r.poll() == ([], False)  # nothing new: nothing changed
    assert is_run_folder(folder) and not is_run_folder(tmp_path)


def test_half_written_line_waits_for_its_end(run):
    r = MetricsReader(run)
    assert r.poll() == ([], False)  # run.json, no metrics yet: waiting, not gone
    assert r.state.info["model"] == "fashion-v0" and not r.state.gone
    whole = _line(_batch(1))
    half = _line(_batch(2))
    _append(run, whole + half[:17])
    rows, changed = r.poll()
    assert changed and [row["step"] for row in rows] == [1]
    assert r.poll() == ([], False)  # still half-written: nothing is read of it
    _append(run, half[17:] + _line(_epoch(1)))
    rows, _ = r.poll()
    assert [row["kind"] for row in rows] == ["batch", "epoch"] and rows[0]["step"] == 2
    assert [b["step"] for b in r.state.batches] == [1, 2] and r.state.skipped == 0


def test_only_a_newline_ends_a_line(run):
    """A half-written line that happens to be valid JSON so far is not read before its newline."""
    r = MetricsReader(run)
    _append(run, b'{"kind":"epoch","epoch":1}')
    assert r.poll() == ([], False) and r.state.epochs == []
    _append(run, b"\n")
    assert r.poll()[0] == [{"kind": "epoch", "epoch": 1}]


def test_damaged_and_foreign_lines_are_skipped_and_counted(run):
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + b'{"kind":"batch","st\n' + b"\xff\xfe garbage\n" + b"[1, 2]\n"
            + b"\n" + b"   \r\n" + _line(_epoch(1)) + b"null\n" + _line(_batch(2))[:-1] + b"\r\n")
    rows, changed = r.poll()
    assert changed and [row["kind"] for row in rows] == ["batch", "epoch", "batch"]
    assert r.state.skipped == 4  # blank lines are no damage
    assert len(r.state.epochs) == 1


def test_an_epoch_written_again_replaces_the_first(run):
    r = MetricsReader(run)
    _append(run, _line(_epoch(1)) + _line(dict(_epoch(1), test_loss=0.1)) + _line(_epoch(2)))
    r.poll()
    assert [(e["epoch"], e["test_loss"]) for e in r.state.epochs] == [(1, 0.1), (2, 0.4)]


def test_training_on_after_the_end_is_running_again(run):
    r = MetricsReader(run)
    _append(run, _line(_epoch(1, 1)) + _line({"kind": "end", "status": "finished"}))
    r.poll()
    assert r.state.end["status"] == "finished"
    _append(run, _line(_batch(11, epoch=2)))
    r.poll()
    assert r.state.end is None and len(r.state.batches) == 1


def test_truncated_file_is_read_again_from_its_start(run):
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + _line(_batch(2)) + _line(_epoch(1)))
    r.poll()
    with open(run / METRICS, "r+b") as f:
        f.truncate(0)
    rows, changed = r.poll()
    assert changed and rows == [] and r.state.batches == [] and r.state.epochs == []
    _append(run, _line(_batch(7)))
    assert [b["step"] for b in r.poll()[0]] == [7]
    assert [b["step"] for b in r.state.batches] == [7]


def test_replaced_file_is_read_again_from_its_start(run):
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + _line(_epoch(1)))
    r.poll()
    tmp = run / "metrics.tmp"
    tmp.write_bytes(_line(_batch(5)) + _line(_batch(6)) + _line(_epoch(1)) + _line(_epoch(2)))
    os.replace(tmp, run / METRICS)  # a sync tool's way: another file (inode) under the name
    r.poll()
    assert [b["step"] for b in r.state.batches] == [5, 6] and len(r.state.epochs) == 2


def test_file_rewritten_in_place_is_noticed(run):
    """The same file (inode) rewritten with other content, longer than before: its first bytes
    differ, so it is read from its start rather than from the old offset."""
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + _line(_epoch(1)))
    r.poll()
    (run / METRICS).write_bytes(_line(_batch(8)) + _line(_batch(9)) + _line(_epoch(1))
                                + _line(_epoch(2)) + _line(_epoch(3)))
    r.poll()
    assert [b["step"] for b in r.state.batches] == [8, 9] and len(r.state.epochs) == 3


def test_vanished_folder_keeps_what_was_read_and_comes_back(run):
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + _line(_epoch(1)))
    r.poll()
    shutil.rmtree(run)
    rows, changed = r.poll()
    assert changed and rows == [] and r.state.gone
    assert len(r.state.epochs) == 1 and r.state.info["run_id"] == "fashion-v0-x"  # kept
    assert r.poll() == ([], False)  # still gone: no news
    # Back, as another run (the same inode may well be reused): read from the start
    run.mkdir()
    (run / RUN_INFO).write_text(json.dumps({"format": "traindesk-run", **INFO, "run_id": "other"}))
    assert r.poll() == ([], False) and r.state.gone  # its metrics are not there yet
    _append(run, _line(_batch(3)))
    rows, changed = r.poll()
    assert changed and not r.state.gone and [row["step"] for row in rows] == [3]
    assert r.state.epochs == [] and r.state.info["run_id"] == "other"


def test_deleted_metrics_file_is_gone_too(run):
    r = MetricsReader(run)
    _append(run, _line(_epoch(1)))
    r.poll()
    (run / METRICS).unlink()
    assert r.poll() == ([], True) and r.state.gone and len(r.state.epochs) == 1


def test_folder_never_there(tmp_path):
    r = MetricsReader(tmp_path / "nowhere")
    rows, changed = r.poll()
    assert rows == [] and changed and r.state.gone and r.state.info is None


def test_run_json_not_ours_is_no_info(run):
    (run / RUN_INFO).write_text(json.dumps({"format": "something-else", "run_id": "x"}))
    r = MetricsReader(run)
    r.poll()
    assert r.state.info is None
    (run / RUN_INFO).write_bytes(b"{half")
    assert MetricsReader(run).poll() == ([], False)


@pytest.mark.parametrize("ended", [True, False])
def test_line_longer_than_max_line_is_skipped_not_kept(run, monkeypatch, ended):
    monkeypatch.setattr(run_folder, "MAX_LINE", 1000)
    monkeypatch.setattr(run_folder, "BLOCK", 256)  # the long line spans several blocks
    r = MetricsReader(run)
    long = b'{"kind":"batch","junk":"' + b"x" * 3000
    _append(run, _line(_batch(1)) + long)
    rows, _ = r.poll()
    assert [row["step"] for row in rows] == [1]
    if not ended:  # the writer is still in it: skipped at once, never held whole
        assert r.state.skipped == 1
        _append(run, b"x" * 5000)
        assert r.poll()[0] == [] and r.state.skipped == 1
    _append(run, b'"}\n' + _line(_batch(2)))
    rows, _ = r.poll()
    assert [row["step"] for row in rows] == [2]  # what came after the long line is read
    assert r.state.skipped == 1 and [b["step"] for b in r.state.batches] == [1, 2]


def test_long_whole_line_in_one_read(run, monkeypatch):
    monkeypatch.setattr(run_folder, "MAX_LINE", 1000)
    r = MetricsReader(run)
    _append(run, _line(_batch(1)) + _line({"kind": "batch", "junk": "y" * 2000}) + _line(_batch(2)))
    rows, _ = r.poll()
    assert [row["step"] for row in rows] == [1, 2] and r.state.skipped == 1


def test_large_file_is_read_in_blocks(run, monkeypatch):
    monkeypatch.setattr(run_folder, "BLOCK", 100)  # far less than a line: lines span blocks
    r = MetricsReader(run)
    _append(run, b"".join(_line(_batch(i)) for i in range(1, 201)) + _line(_epoch(1)))
    rows, _ = r.poll()
    assert len(rows) == 201 and [b["step"] for b in r.state.batches] == list(range(1, 201))


def test_full_disk_is_reported_once(tmp_path):
    notes = []
    folder = tmp_path / "missing"  # no folder: every write fails
    w = RunFolderWriter(folder, INFO, notes.append)
    w.batch({"step": 1})
    w.epoch({"epoch": 1})
    assert len(notes) == 1 and "Could not write" in notes[0]
