"""The Runs tab with a real run history (SQLite in a temp folder), real widgets and a real trained
checkpoint: sorting, filtering, rename, note, delete, overlay, comparison, CSV, open, continue,
export, and a damaged history."""
from __future__ import annotations

import csv
import math
import shutil
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QTabWidget

from core.runs.store import RunStore
from gui.runs import run_dialogs
from gui.runs.runs_panel import RunsPanel
from gui.runs.runs_model import ACC, LOSS, NAME

STEPS = 20  # batches per epoch of the made-up curves


@pytest.fixture(scope="module")
def trained(fashion_small, tmp_path_factory):
    """(checkpoint path, its test accuracy): one epoch of fashion-v0 on the small split."""
    from core.config import TrainConfig
    from core.train.trainer import Trainer
    trainer = Trainer(TrainConfig(model="fashion-v0", epochs=1, threads=2), data=fashion_small)
    list(trainer.run())
    path = trainer.save(tmp_path_factory.mktemp("runs-view") / "tiny")
    return path, trainer.result().model_acc


def add_run(store, folder, checkpoint, run_id, accs, name="", model="fashion-v0",
            status="finished", planned=None, note=""):
    """A run as the trainer records it: each epoch with its curve points, last and best checkpoints
    (copies of `checkpoint` in the run's own folder), then its end."""
    run = folder / run_id
    run.mkdir(parents=True)
    last, best = run / "last.safetensors", run / "best.safetensors"
    shutil.copy(checkpoint, last)
    shutil.copy(checkpoint, best)
    config = {"model": model, "epochs": planned or len(accs), "lr": 0.1, "batch_size": 32,
              "optimizer": "sgd"}
    store.begin(run_id, config, {"fashion-v0": "FashionMNISTModelV0", "fashion-v2": "FashionMNISTModelV2"}
                .get(model, model), "cpu", "2.x", str(run), "test")
    best_epoch = max(range(len(accs)), key=lambda i: accs[i]) + 1
    for e, acc in enumerate(accs, 1):
        curve = [{"step": (e - 1) * STEPS + k, "epoch": e,
                  "loss": 2.3 * math.exp(-((e - 1) * STEPS + k) / 30),
                  "acc": acc - 10 * math.exp(-k / 5), "lr": 0.1, "elapsed": k * 0.1}
                 for k in range(1, STEPS + 1, 3)]
        store.add_epoch(run_id, {"epoch": e, "train_loss": 1.0 / e, "train_acc": acc - 2,
                                 "test_loss": (100 - acc) / 50, "test_acc": acc, "seconds": 1.5, "lr": 0.1},
                        curve, str(last),
                        {"path": str(best), "epoch": best_epoch, "value": accs[best_epoch - 1]}
                        if e >= best_epoch else None)
    if status != "running":
        store.finish(run_id, status, (100 - accs[-1]) / 50, accs[-1], 3.0 * len(accs), len(accs),
                     str(last), None, "it broke" if status == "failed" else None, [])
    if name:
        store.rename(run_id, name)
    if note:
        store.set_note(run_id, note)
    return run


@pytest.fixture
def history(tmp_path, trained):
    """A store with three runs: alpha (v0, 80%), beta (v2, 70%, stopped), gamma (v0, 90%, 2 epochs)."""
    store = RunStore(tmp_path / "runs.sqlite")
    folder = tmp_path / "runs"
    add_run(store, folder, trained[0], "run-a", [80.0], name="alpha", note="first try, sgd")
    add_run(store, folder, trained[0], "run-b", [70.0], name="beta", model="fashion-v2",
            status="stopped", planned=3)
    add_run(store, folder, trained[0], "run-c", [85.0, 90.0], name="gamma")
    return store


@pytest.fixture
def panel(qtbot, history):
    p = RunsPanel(history)
    qtbot.addWidget(p)
    p.resize(1300, 900)
    p.refresh()
    qtbot.waitUntil(lambda: len(p.rows) == 3, timeout=10_000)
    yield p
    p.shutdown()


def shown(qtbot, p):
    """On screen and active, so its keyboard shortcuts reach it."""
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    p.table.view.setFocus()
    qtbot.waitUntil(p.table.view.hasFocus)


def titles(p):
    return [r.title for r in p.table.visible_rows()]


def select(qtbot, p, *run_ids):
    p.table.select_ids(list(run_ids), run_ids[0])
    qtbot.waitUntil(lambda: set(p.curves.items) == set(run_ids), timeout=10_000)


def test_sorting_by_value_and_filtering_by_words(panel):
    assert titles(panel) == ["alpha", "beta", "gamma"]  # oldest first
    panel.table.view.sortByColumn(ACC, Qt.SortOrder.DescendingOrder)
    assert titles(panel) == ["gamma", "alpha", "beta"]
    panel.table.view.sortByColumn(LOSS, Qt.SortOrder.AscendingOrder)
    assert titles(panel) == ["gamma", "alpha", "beta"]
    panel.table.view.sortByColumn(NAME, Qt.SortOrder.DescendingOrder)
    assert titles(panel) == ["gamma", "beta", "alpha"]
    model = panel.table.model
    assert model.index(0, ACC).data() == "90.00%" and model.index(0, LOSS).data() == "0.2000"
    panel.table.filter.setText("V2")  # the model's name, any case
    assert titles(panel) == ["beta"]
    panel.table.filter.setText("sgd first")  # every word, in the note here, in any order
    assert titles(panel) == ["alpha"]
    panel.table.filter.setText("stopped")
    assert titles(panel) == ["beta"]
    panel.table.filter.setText("run-c")  # the id, though no column shows it
    assert titles(panel) == ["gamma"]
    panel.table.filter.clear()
    assert len(titles(panel)) == 3


def test_rename_with_f2_and_note_persist(qtbot, panel, history, monkeypatch):
    shown(qtbot, panel)
    monkeypatch.setattr(run_dialogs, "ask_name", lambda parent, row: "  renamed run ")
    monkeypatch.setattr(run_dialogs, "ask_note", lambda parent, row: "lr too high?\nsecond line")
    panel.table.select_ids(["run-b"], "run-b")
    qtbot.keyClick(panel.table.view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "renamed run" in titles(panel), timeout=10_000)
    panel.buttons["note"].click()
    qtbot.waitUntil(lambda: panel.table.current_row().note.startswith("lr too high"), timeout=10_000)
    again = RunStore(history.path).get("run-b")  # what another process reads
    assert again.name == "renamed run" and again.note == "lr too high?\nsecond line"
    assert panel.table.selected_ids() == ["run-b"]  # the refresh kept the selection
    panel.table.filter.setText("second line")
    assert titles(panel) == ["renamed run"]


def test_delete_asks_first_and_removes_the_files(qtbot, panel, history, tmp_path, monkeypatch):
    shown(qtbot, panel)
    folder = tmp_path / "runs" / "run-a"
    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        return question
    panel.table.select_ids(["run-a"], "run-a")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.keyClick(panel.table.view, Qt.Key.Key_Delete)
    assert asked and "alpha" in asked[0] and str(folder / "last.safetensors") in asked[0]
    qtbot.wait(200)
    assert history.get("run-a") is not None and (folder / "last.safetensors").is_file()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    panel.buttons["delete"].click()
    qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
    assert history.get("run-a") is None and not folder.exists()
    assert "Deleted 1 run" in panel.message.text()
    assert (tmp_path / "runs" / "run-b" / "last.safetensors").is_file()  # the others' stay


def test_a_running_run_is_not_deleted(qtbot, panel, history, tmp_path, trained, monkeypatch):
    add_run(history, tmp_path / "runs", trained[0], "run-live", [60.0], name="live", status="running")
    panel.refresh()
    qtbot.waitUntil(lambda: len(panel.rows) == 4, timeout=10_000)
    panel.table.select_ids(["run-live"], "run-live")
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("asked to delete a running run"))
    panel.delete_runs()
    assert "still training" in panel.message.text() and history.get("run-live") is not None
    assert not panel.buttons["continue"].isEnabled()


def test_selected_runs_overlay_and_compare(qtbot, panel):
    select(qtbot, panel, "run-a", "run-b", "run-c")
    assert all({"loss", "acc", "lr", "test_loss", "test_acc"} <= set(i) for i in panel.curves.items.values())
    loss_curves = [i for i in panel.curves.plots["loss"].listDataItems() if i.opts["symbol"] is None]
    assert len(loss_curves) == 3
    pens = {i.opts["pen"].color().name() for i in loss_curves}
    assert len(pens) == 3  # one colour per run
    assert [label.text for _, label in panel.curves.legend.items] == ["alpha", "beta", "gamma"]
    x, y = panel.curves.items["run-c"]["loss"].getData()
    assert 0 < x[0] < 0.2 and 1.8 < x[-1] <= 2.0 and len(x) == 2 * len(range(1, STEPS + 1, 3))
    tx, ty = panel.curves.items["run-c"]["test_acc"].getData()
    assert list(tx) == [1, 2] and list(ty) == [85.0, 90.0]
    assert panel.comparison.table.rowCount() == 3 and not panel.compare_state.is_empty
    assert [panel.comparison.table.item(r, 0).text() for r in range(3)] == [
        "FashionMNISTModelV0", "FashionMNISTModelV2", "FashionMNISTModelV0"]
    assert list(panel.comparison.bars.opts["width"]) == [80.0, 70.0, 90.0]
    select(qtbot, panel, "run-b")
    assert len(panel.curves.items) == 1 and panel.comparison.table.rowCount() == 1
    panel.table.view.clearSelection()
    assert panel.curves.items == {} and panel.curves.state.is_empty and panel.compare_state.is_empty


def test_csv_of_the_selection_one_row_per_run_and_epoch(qtbot, panel, tmp_path, monkeypatch):
    target = tmp_path / "out" / "chosen"
    target.parent.mkdir()
    monkeypatch.setattr(run_dialogs, "ask_csv_path", lambda parent, n: str(target))
    select(qtbot, panel, "run-a", "run-c")
    panel.buttons["csv"].click()
    qtbot.waitUntil(lambda: "Saved" in panel.message.text(), timeout=10_000)
    written = target.with_name("chosen.csv")
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    assert [(r["run_id"], r["name"], r["epoch"]) for r in rows] == [
        ("run-a", "alpha", "1"), ("run-c", "gamma", "1"), ("run-c", "gamma", "2")]
    assert rows[2]["model"] == "FashionMNISTModelV0" and rows[2]["status"] == "finished"
    assert float(rows[2]["test_acc"]) == 90.0 and float(rows[2]["train_loss"]) == 0.5
    assert list(rows[0]) == ["run_id", "name", "model", "status", "epoch", "train_loss", "train_acc",
                             "test_loss", "test_acc", "seconds", "lr"]
    assert not list(target.parent.glob("*.tmp"))  # written whole, no temporary left


def test_continue_offers_the_epochs_and_emits(qtbot, panel, history, tmp_path, trained, monkeypatch):
    offered = []

    def get_int(parent, title, label, value, low, high):
        offered.append((value, low))
        return 5, True
    monkeypatch.setattr(run_dialogs.QInputDialog, "getInt", get_int)
    panel.table.select_ids(["run-c"], "run-c")  # finished after 2 of 2 epochs: 2 more offered
    with qtbot.waitSignal(panel.continue_requested) as signal:
        panel.buttons["continue"].click()
    assert signal.args == [str(tmp_path / "runs" / "run-c" / "last.safetensors"), 5]
    panel.table.select_ids(["run-b"], "run-b")  # stopped after 1 of 3: the rest offered
    with qtbot.waitSignal(panel.continue_requested):
        panel.continue_run()
    assert offered == [(4, 3), (3, 2)]
    add_run(history, tmp_path / "runs", trained[0], "run-f", [50.0], name="broken", status="failed")
    panel.refresh()
    qtbot.waitUntil(lambda: len(panel.rows) == 4, timeout=10_000)
    panel.table.select_ids(["run-f"], "run-f")
    assert not panel.buttons["continue"].isEnabled()
    (tmp_path / "runs" / "run-b" / "last.safetensors").unlink()  # its checkpoint is gone
    panel.table.select_ids(["run-b"], "run-b")
    assert not panel.buttons["continue"].isEnabled() and "(missing)" in panel.files.text()
    monkeypatch.setattr(run_dialogs.QInputDialog, "getInt", lambda *a: (0, False))
    panel.table.select_ids(["run-a"], "run-a")
    with qtbot.assertNotEmitted(panel.continue_requested):
        panel.continue_run()  # cancelled


def test_damaged_database_is_set_aside_and_the_view_works(qtbot, tmp_path, trained, monkeypatch):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database, it was damaged " * 200)
    store = RunStore(path)
    p = RunsPanel(store)
    qtbot.addWidget(p)
    try:
        p.refresh()
        qtbot.waitUntil(lambda: p.problem is not None, timeout=10_000)
        assert p.message.text() == p.problem and str(path) in p.problem and p.rows == []
        add_run(store, tmp_path / "runs", trained[0], "run-x", [75.0], name="after")
        add_run(store, tmp_path / "runs", trained[0], "run-y", [76.0], name="bad row")
        with sqlite3.connect(path) as con:  # a row someone edited into nonsense
            con.execute("UPDATE runs SET status='exploded' WHERE id='run-y'")
        p.refresh()
        qtbot.waitUntil(lambda: len(p.rows) == 1, timeout=10_000)
        assert "damaged" in p.message.text() and "run-y" in p.message.text()
        monkeypatch.setattr(run_dialogs, "ask_name", lambda parent, row: "still works")
        p.table.select_ids(["run-x"], "run-x")
        p.rename_run()
        qtbot.waitUntil(lambda: titles(p) == ["still works"], timeout=10_000)
    finally:
        p.shutdown()


def test_ctrl_f_goes_to_the_filter(qtbot, panel):
    shown(qtbot, panel)
    qtbot.keyClick(panel.table.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.table.filter.hasFocus()
    qtbot.keyClicks(panel.table.filter, "gam")
    qtbot.keyClick(panel.table.filter, Qt.Key.Key_Delete)  # edits the filter, deletes no run
    assert titles(panel) == ["gamma"] and len(panel.rows) == 3


def test_export_checkpoint_is_checked_and_written(qtbot, panel, tmp_path, monkeypatch):
    target = tmp_path / "model.pt"
    select(qtbot, panel, "run-a")
    row = panel.table.current_row()
    monkeypatch.setattr(run_dialogs, "ask_export", lambda parent, r: (r.best_checkpoint, "torchscript",
                                                                      str(target)))
    assert panel.buttons["export"].isEnabled()
    panel.buttons["export"].click()
    qtbot.waitUntil(lambda: panel.message.text().startswith(("Exported", "Not exported")), timeout=120_000)
    assert panel.message.text().startswith(f"Exported {target}"), panel.message.text()
    assert target.is_file() and "all predictions agree" in panel.message.text()
    assert row.best_checkpoint.endswith("best.safetensors")


@pytest.fixture
def tool_tabs(qtbot, tmp_path, monkeypatch, history, trained):
    """The window's other tabs, built on the history above (plus a line run, which has no place in
    Evaluate or Draw)."""
    import core.runs.store
    from gui.tool_tabs import ToolTabs
    add_run(history, tmp_path / "runs", trained[0], "run-line", [0.0], name="a line", model="line")
    monkeypatch.setattr(core.runs.store, "default_path", lambda: history.path)
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tt = ToolTabs(tabs, None)
    tt.build()
    yield tt
    tt.shutdown()


def test_runs_tab_feeds_evaluate_and_opens_runs_there_and_in_draw(qtbot, tool_tabs, fashion_small,
                                                                  tmp_path, trained):
    tt = tool_tabs
    tabs = tt.tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == [
        "&Evaluate", "&Draw", "R&uns"]
    # the history's Fashion-MNIST runs with a checkpoint are listed in Evaluate, once read
    qtbot.waitUntil(lambda: len(tt.evaluation.records) == 3, timeout=10_000)
    assert [r.run_id for r in tt.evaluation.records] == ["run-a", "run-b", "run-c"]
    assert len(tt.runs.rows) == 4
    tabs.resize(1300, 900)
    tabs.show()
    qtbot.waitExposed(tabs)
    tabs.setCurrentIndex(2)
    tabs.activateWindow()
    tt.runs.table.view.setFocus()
    qtbot.waitUntil(tt.runs.table.view.hasFocus)
    tt.evaluation.set_data(fashion_small)

    tt.runs.table.select_ids(["run-line"], "run-line")
    assert not tt.runs.open_button.isEnabled()
    models = len(tt.canvas.models)
    tt.runs.table.select_ids(["run-c"], "run-c")
    qtbot.keyClick(tt.runs.table.view, Qt.Key.Key_Return)  # Enter opens the last checkpoint
    assert tabs.currentIndex() == 0 and tt.evaluation.current == "run-c"
    assert len(tt.evaluation.records) == 3  # listed already: not listed twice
    assert [n for n, _ in tt.canvas.models][-1] == "gamma, epoch 2" and tt.canvas.selected == models
    entry = tt.evaluation.entries["run-c"]
    qtbot.waitUntil(lambda: entry.report is not None, timeout=60_000)
    assert abs(entry.report.accuracy - trained[1]) < 0.01  # the same model the trainer measured

    tabs.setCurrentIndex(2)
    tt.runs.open_best_action.trigger()
    assert [n for n, _ in tt.canvas.models][-1] == "gamma, best epoch 2"
    tt.runs.open_run()  # again: selected, not added twice
    assert len(tt.canvas.models) == models + 2 and tt.canvas.selected == models

    (tmp_path / "runs" / "run-a" / "last.safetensors").write_bytes(b"\0" * 100)  # damaged
    tabs.setCurrentIndex(2)
    tt.runs.table.select_ids(["run-a"], "run-a")
    tt.runs.open_run()
    assert tabs.currentIndex() == 2 and "Could not open \u201calpha\u201d" in tt.runs.message.text()
    assert len(tt.canvas.models) == models + 2


def test_saved_run_reaches_runs_evaluate_and_draw(qtbot, tool_tabs, tmp_path, trained):
    tt = tool_tabs
    qtbot.waitUntil(lambda: len(tt.runs.rows) == 4, timeout=10_000)
    add_run(tt.store, tmp_path / "runs", trained[0], "run-new", [88.0])
    tt.run_saved(tt.store.get("run-new"))
    qtbot.waitUntil(lambda: len(tt.runs.rows) == 5, timeout=10_000)
    assert tt.evaluation.records[-1].run_id == "run-new" and tt.evaluation.current == "run-new"
    assert tt.canvas.models[-1][0].startswith("FashionMNISTModelV0 (")
    listed, drawn = len(tt.evaluation.records), len(tt.canvas.models)
    assert tt.canvas.models[-1][0].endswith(", epoch 1")
    # +1 epoch: the same run trains on and is saved again; its figures change, it is not listed twice
    tt.store.reopen("run-new")
    tt.store.add_epoch("run-new", {"epoch": 2, "test_loss": 0.2, "test_acc": 91.0}, [], None, None)
    tt.store.finish("run-new", "finished", 0.2, 91.0, 6.0, 2, None, None, None, [])
    tt.run_saved(tt.store.get("run-new"))
    assert len(tt.evaluation.records) == listed
    assert len(tt.canvas.models) == drawn + 1 and tt.canvas.models[-1][0].endswith(", epoch 2")
    assert tt.evaluation.records[-1].epochs == 2 and tt.evaluation.entries["run-new"].record.model_acc == 91.0
    assert tt.evaluation.comparison.table.item(listed - 1, 2).text() == "91.00"
    tt.run_recorded("run-new")
    qtbot.waitUntil(lambda: [r.epochs for r in tt.runs.rows if r.run_id == "run-new"] == [2], timeout=10_000)


def test_deleted_runs_leave_evaluate_and_draw(qtbot, tool_tabs, monkeypatch):
    tt = tool_tabs
    qtbot.waitUntil(lambda: len(tt.runs.rows) == 4, timeout=10_000)
    for run_id in ("run-a", "run-c"):  # both opened: in the comparison and on the canvas
        tt.runs.table.select_ids([run_id], run_id)
        tt.runs.open_run()
    assert [n for n, _ in tt.canvas.models] == ["alpha, epoch 1", "gamma, epoch 2"]
    assert tt.evaluation.current == "run-c"
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    tt.runs.table.select_ids(["run-c"], "run-c")
    tt.runs.delete_runs()
    qtbot.waitUntil(lambda: "run-c" not in tt.evaluation.entries, timeout=10_000)
    assert [r.run_id for r in tt.evaluation.records] == ["run-a", "run-b"]
    assert tt.evaluation.comparison.table.rowCount() == 2
    assert tt.evaluation.current == "run-b"  # the newest run left is on show
    assert [n for n, _ in tt.canvas.models] == ["alpha, epoch 1"] and len(tt.canvas.grid.cards) == 1
    qtbot.waitUntil(lambda: len(tt.runs.rows) == 3, timeout=10_000)
