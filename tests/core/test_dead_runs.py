"""A run whose process is gone is recorded from what its folder says: killed between the metrics'
end line and the history's last write (a second signal, a power cut), it ended as that line says,
not `interrupted`, 0.0 s; with no end line it is interrupted and keeps the time of its epochs."""
import json
import sqlite3

from core.runs.folder import RunFolderWriter
from core.runs.store import RunStore

EPOCHS = [{"epoch": e, "epochs": 3, "train_loss": 0.6, "train_acc": 80.0, "test_loss": 0.5,
           "test_acc": 82.0 + e, "seconds": 1.25, "lr": 0.1} for e in (1, 2, 3)]


def _dead_run(store: RunStore, folder, run_id: str) -> RunFolderWriter:
    folder.mkdir()
    writer = RunFolderWriter(folder, {"run_id": run_id})
    store.begin(run_id, {"model": "fashion-v0"}, "FashionMNISTModelV0", "cpu", "2.x", str(folder), "cli")
    for e in EPOCHS:
        writer.epoch(e)
    store.add_epochs(run_id, EPOCHS, [], str(folder / "last.safetensors"), None)
    with sqlite3.connect(store.path) as con:  # its process is long gone
        con.execute("UPDATE runs SET pid=999999999 WHERE id=?", (run_id,))
    return writer


def test_a_run_killed_after_its_end_line_is_recorded_as_it_ended(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite", migrate=False)
    writer = _dead_run(store, tmp_path / "r1", "r1")
    writer.end({"status": "finished", "model_loss": 0.5, "model_acc": 85.0, "training_time": 3.75,
                "epochs": 3, "checkpoint": str(tmp_path / "r1" / "last.safetensors"), "error": None})
    assert store.mark_interrupted() == ["r1"]
    row = store.get("r1")
    assert (row.status, row.model_acc, row.training_time, row.epochs) == ("finished", 85.0, 3.75, 3)
    assert row.checkpoint == str(tmp_path / "r1" / "last.safetensors") and row.ended is not None


def test_a_run_killed_mid_way_is_interrupted_with_its_epochs_time(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite", migrate=False)
    writer = _dead_run(store, tmp_path / "r2", "r2")
    writer.batch({"step": 9000, "epoch": 4, "loss": 0.4})  # trained on after the last epoch
    assert store.mark_interrupted() == ["r2"]
    row = store.get("r2")
    assert row.status == "interrupted" and row.training_time == 3 * 1.25 and row.epochs == 3


def test_an_end_line_that_is_not_the_last_or_not_whole_is_not_taken(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite", migrate=False)
    writer = _dead_run(store, tmp_path / "r3", "r3")
    writer.end({"status": "finished", "model_acc": 85.0, "training_time": 3.75, "epochs": 3})
    writer.epoch(dict(EPOCHS[-1], epoch=4))  # trained on after that end (the window's "+1 epoch")
    with open(tmp_path / "r3" / "metrics.jsonl", "a") as f:  # and died mid-way through an end line
        f.write(json.dumps({"kind": "end", "status": "finished"})[:20])
    assert store.mark_interrupted() == ["r3"]
    assert store.get("r3").status == "interrupted"
