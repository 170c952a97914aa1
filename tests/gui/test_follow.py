"""The Follow tab with real files and a real process: a writer appending to a run folder (a half-
written line completed later, a damaged line, a damaged checkpoint, the folder removed and made
again), and a real `main.py train` followed live from the window."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.runs.files import LAST
from core.runs.folder import METRICS, RunFolderWriter
from gui.follow.follow_panel import FollowPanel

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


def _info(run_id="fashion-v0-20250101-120000-abcdef", epochs=3):
    return {"run_id": run_id, "model": "fashion-v0", "model_name": "FashionMNISTModelV0",
            "task": "fashion", "classes": CLASSES, "device": "cpu", "world_size": 2,
            "source": "cli", "started": time.time(), "resumed_from": None, "sweep": None,
            "config": {"model": "fashion-v0", "epochs": epochs, "lr": 0.1, "batch_size": 32,
                       "optimizer": "sgd"}}


def _batches(w, epoch, steps=5):
    for k in range(1, steps + 1):
        step = (epoch - 1) * steps + k
        w.batch({"step": step, "epoch": epoch, "batch": k, "batches": steps,
                 "loss": 2.0 / step, "acc": 50 + step, "lr": 0.1, "elapsed": step * 0.1})


def _epoch_line(epoch, of=3) -> bytes:
    row = {"kind": "epoch", "epoch": epoch, "epochs": of, "train_loss": 1.0 / epoch,
           "train_acc": 70.0 + epoch, "test_loss": 1.2 / epoch, "test_acc": 72.0 + epoch,
           "seconds": 1.5, "samples_per_s": 4000.0, "lr": 0.1}
    return (json.dumps(row) + "\n").encode()


def _append(folder: Path, data: bytes) -> None:
    with open(folder / METRICS, "ab") as f:
        f.write(data)


def _checkpoint(folder: Path, epochs: int) -> None:
    """A real last.safetensors, written as the trainer writes it (atomically)."""
    from core import checkpoint
    from core.models import build_model
    model = build_model("fashion-v0", 10)
    checkpoint.save(folder / LAST, model, {
        "model_id": "fashion-v0", "class_name": "FashionMNISTModelV0", "hidden_units": 10,
        "task": "fashion", "classes": CLASSES,
        "metrics": {"model_loss": 1.2 / epochs, "model_acc": 72.0 + epochs,
                    "training_time": 1.5 * epochs, "epochs": epochs, "device": "cpu"}})


def _points(panel) -> int:
    items = panel.curves.items.get(panel.row.run_id, {}) if panel.row else {}
    return len(items["loss"].xData) if "loss" in items else 0


@pytest.fixture
def panel(qtbot):
    loads = []

    def load(row, path):
        loads.append((row, path))
        return None

    p = FollowPanel(load=load, interval_ms=40)
    p.loads = loads
    qtbot.addWidget(p)
    p.show()
    yield p
    p.shutdown()


def test_writer_half_lines_damage_and_a_folder_that_goes_and_comes_back(qtbot, panel, tmp_path):
    folder = tmp_path / "fashion-v0-20250101-120000-abcdef"
    folder.mkdir()
    w = RunFolderWriter(folder, _info())
    assert panel.follow(folder) and panel.following
    status = panel.status.text
    assert status() == "waiting for the first epoch"
    assert panel.header.text().startswith("fashion-v0-20250101-120000-abcdef \u00b7 "
                                          "FashionMNISTModelV0 (fashion-v0) \u00b7 cpu \u00b7 2 processes")

    _batches(w, 1)
    qtbot.waitUntil(lambda: status() == "running \u2014 epoch 1 of 3", timeout=5000)
    qtbot.waitUntil(lambda: _points(panel) == 5, timeout=5000)
    assert panel.compare_state.is_empty  # no epoch has finished yet

    # The epoch's line, half-written: nothing of it shows until its newline lands
    line = _epoch_line(1)
    _append(folder, line[:25])
    qtbot.wait(200)
    assert panel.comparison.records == [] and status() == "running \u2014 epoch 1 of 3"
    _append(folder, line[25:])
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 1, timeout=5000)
    assert status() == "running \u2014 epoch 2 of 3"
    record = panel.comparison.records[0]
    assert record.model_name == "FashionMNISTModelV0, epoch 1" and record.model_acc == 73.0
    assert record.epochs == 1 and record.training_time == 1.5
    assert panel.figures.text().startswith("epoch 1: test loss 1.2000, test acc 73.00%")

    # Its checkpoint lands: loaded for Evaluate and Draw as epoch 1 of this run
    _checkpoint(folder, 1)
    qtbot.waitUntil(lambda: len(panel.loads) == 1, timeout=5000)
    row, path = panel.loads[0]
    assert path == str(folder / LAST) and row.epochs == 1 and row.run_id == folder.name
    assert row.model_acc == 73.0 and row.checkpoint == path and row.world_size == 2
    qtbot.waitUntil(lambda: "epoch 1's checkpoint is in the Evaluate" in panel.figures.text(), timeout=5000)
    qtbot.wait(200)
    assert len(panel.loads) == 1  # the same file is not loaded again

    # A damaged line is skipped (and said), the rest goes on
    _append(folder, b'{"kind": "epoch", "epoch": 2, "test_lo\xff\n')
    _batches(w, 2)
    _append(folder, _epoch_line(2))
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 2, timeout=5000)
    assert "1 damaged line skipped" in panel.figures.text()
    assert status() == "running \u2014 epoch 3 of 3"
    qtbot.waitUntil(lambda: _points(panel) == 10, timeout=5000)

    # A damaged checkpoint (a half-copied file) is refused with a message, not loaded
    (folder / LAST).write_bytes(b"\x00" * 100)
    qtbot.waitUntil(lambda: "could not be read" in panel.message.text(), timeout=5000)
    assert len(panel.loads) == 1
    _checkpoint(folder, 2)
    qtbot.waitUntil(lambda: len(panel.loads) == 2, timeout=5000)
    assert panel.loads[1][0].epochs == 2 and panel.message.text() == ""

    # Part of epoch 3: its progress is said, and its curve takes its share of the epoch's width
    def epoch3(k):
        w.batch({"step": 10 + k, "epoch": 3, "batch": k, "batches": 5, "loss": 0.2, "acc": 80,
                 "lr": 0.1, "elapsed": 1.0})
    epoch3(1)
    epoch3(2)
    qtbot.waitUntil(lambda: "batch 2 of 5, loss 0.2000" in panel.figures.text(), timeout=5000)
    qtbot.waitUntil(lambda: _points(panel) == 13, timeout=5000)
    x = panel.curves.items[folder.name]["loss"].xData
    assert len(x) == 13 and abs(x[11] - 2.4) < 1e-9 and abs(x[12] - 3.0) < 1e-9  # 13th: where it ends
    for k in (3, 4, 5):
        epoch3(k)
    _append(folder, _epoch_line(3))
    w.end({"status": "finished", "model_loss": 0.4, "model_acc": 75.0, "training_time": 4.5,
           "epochs": 3, "checkpoint": str(folder / LAST), "error": None})
    qtbot.waitUntil(lambda: status() == "finished", timeout=5000)
    # the comparison follows the curves a moment later (gui/follow/follow_panel.py)
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 3, timeout=5000)
    assert _points(panel) == 15
    assert "batch" not in panel.figures.text() and "4.5 s training" in panel.figures.text()

    # The folder goes: said so, and what was shown stays
    shutil.rmtree(folder)
    qtbot.waitUntil(lambda: status() == "no longer there", timeout=5000)
    qtbot.wait(200)
    assert len(panel.comparison.records) == 3 and _points(panel) == 15
    assert panel.header.text().startswith("fashion-v0-20250101-120000-abcdef")

    # It comes back (written again, as by a sync): picked up from its start
    folder.mkdir()
    w = RunFolderWriter(folder, _info(run_id="fashion-v0-20250101-120000-abcdef", epochs=2))
    _batches(w, 1, steps=4)
    qtbot.waitUntil(lambda: status() == "running \u2014 epoch 1 of 2", timeout=5000)
    qtbot.waitUntil(lambda: _points(panel) == 4, timeout=5000)
    # the old run's rows go too, a moment after the curves (COMPARE_AFTER_MS)
    qtbot.waitUntil(lambda: panel.comparison.records == [] and panel.compare_state.is_empty,
                    timeout=5000)
    _append(folder, _epoch_line(1, of=2))
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 1, timeout=5000)
    assert status() == "running \u2014 epoch 2 of 2"

    panel.stop()
    assert not panel.following and "not followed now" in status()


def test_a_folder_that_is_not_a_run_folder_says_so_in_one_line(qtbot, panel, tmp_path):
    assert panel.state.is_empty  # nothing followed yet: the tab says how to start
    assert "Follow a run folder" in panel.state.message.text()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not panel.follow(empty)
    text = panel.message.text()
    assert "is not a TrainDesk run folder" in text and "\n" not in text
    assert not panel.follow(tmp_path / "missing")
    assert "is not a folder" in panel.message.text()
    run = tmp_path / "runs" / "fashion-v0-20250101-120000-abcdef"
    run.mkdir(parents=True)
    RunFolderWriter(run, _info())
    assert not panel.follow(run.parent)  # the runs folder, not a run's own: it names the newest
    assert "holds 1 run folder" in panel.message.text() and run.name in panel.message.text()
    assert panel.state.is_empty and not panel.following
    assert panel.follow(run) and panel.message.text() == ""


def test_a_line_model_is_followed_without_evaluation(qtbot, panel, tmp_path):
    folder = tmp_path / "line-x"
    folder.mkdir()
    info = dict(_info(), model="line", model_name="LinearRegressionModel", task="line", classes=[])
    w = RunFolderWriter(folder, info)
    assert panel.follow(folder)
    w.batch({"step": 1, "epoch": 1, "loss": 0.5, "acc": None, "lr": 0.01, "elapsed": 0.0})
    (folder / LAST).write_bytes(b"not looked at")
    qtbot.waitUntil(lambda: "only Fashion-MNIST runs" in panel.message.text(), timeout=5000)
    qtbot.waitUntil(lambda: _points(panel) == 1, timeout=5000)
    assert panel.loads == []


def test_following_a_real_training_process_from_the_window(qtbot, window, tmp_path):
    from gui.follow.follow_action import SHORTCUT, follow_folder
    w = window
    # The action: in the Run menu, with its shortcut, enabled now that the tabs are built
    assert w.follow_action.isEnabled() and w.follow_action.shortcut().toString() == SHORTCUT
    run_menu = [a.menu() for a in w.menuBar().actions() if a.text() == "&Run"][0]
    assert w.follow_action in run_menu.actions()
    titles = [a.text() for a in w.menuBar().actions()]
    titles += [w.tab_widget.tabText(i) for i in range(w.tab_widget.count())] + ["F&ollow"]
    keys = [t[t.index("&") + 1].lower() for t in titles if "&" in t.replace("&&", "")]
    assert len(keys) == len(set(keys)), titles  # no two Alt+letters alike

    out, home = tmp_path / "out", tmp_path / "home"
    env = dict(os.environ, TRAINDESK_DATA_HOME=str(home))
    env.pop("QT_QPA_PLATFORM", None)
    log = open(tmp_path / "train.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "--model", "fashion-v0",
                             "--epochs", "2", "--threads", "1", "--out", str(out)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        qtbot.waitUntil(lambda: out.is_dir() and any((d / "run.json").is_file() for d in out.iterdir()),
                        timeout=120000)
        (folder,) = [d for d in out.iterdir() if (d / "run.json").is_file()]
        assert follow_folder(w, str(folder))
        panel = w.tool_tabs.follow_panel
        assert w.tab_widget.tabText(w.tab_widget.count() - 1) == "F&ollow"
        assert w.tab_widget.currentWidget().widget() is panel
        panel.timer.setInterval(100)
        seen = []  # (status, curve points, process still running) at each poll

        def look():
            seen.append((panel.status.text(), _points(panel), proc.poll() is None))
        panel.timer.timeout.connect(look)
        qtbot.waitUntil(lambda: panel.status.text() == "finished", timeout=180000)
        assert proc.wait(60) == 0, (tmp_path / "train.log").read_text()
        qtbot.waitUntil(lambda: len(panel.comparison.records) == 2, timeout=5000)
        live = [s for s in seen if s[0].startswith("running") and s[1] > 0 and s[2]]
        assert live, seen[:5]  # the curve had points while the process was still training
        assert len(panel.comparison.records) == 2
        run_id = folder.name
        evaluation = w.tool_tabs.evaluation
        # The last checkpoint reached the Evaluate and Draw tabs, as the run's epoch 2
        qtbot.waitUntil(lambda: run_id in evaluation.entries and
                        evaluation.entries[run_id].record.epochs == 2, timeout=30000)
        entry = evaluation.entries[run_id]
        assert entry.model is not None and entry.record.checkpoint == str(folder / LAST)
        assert [r for r in evaluation.records if r.run_id == run_id][0].epochs == 2
        assert any(name.startswith("FashionMNISTModelV0") and name.endswith("epoch 2")
                   for name, _ in w.tool_tabs.canvas.models)
        assert "epoch 2's checkpoint is in the Evaluate and Draw tabs" in panel.figures.text()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
        log.close()
    w.close()


def test_a_run_with_no_news_for_long_says_so(qtbot, panel, tmp_path):
    """A writer killed outright writes no end: after a minute without news the status says so."""
    folder = tmp_path / "fashion-v0-quiet"
    folder.mkdir()
    w = RunFolderWriter(folder, _info())
    _batches(w, 1, steps=2)
    old = time.time() - 300
    os.utime(folder / METRICS, (old, old))
    assert panel.follow(folder)
    assert panel.status.text() == "running \u2014 epoch 1 of 3 (nothing new for 5 min)"
    assert "#1f6fc5" in panel.status.styleSheet()


def test_numbers_no_training_writes_are_left_out_not_drawn(qtbot, panel, tmp_path):
    """JSON numbers are unbounded: a hand-edited or damaged metrics file with an epoch of 10**30
    (numpy's int64 overflowed), a step of 2**63 or a loss of 1e308 (the plot's padded range became
    infinite) made every redraw raise. Those values are left out; the sane rows still draw."""
    folder = tmp_path / "fashion-v0-20250101-120000-abcdef"
    folder.mkdir()
    w = RunFolderWriter(folder, _info())
    _batches(w, 1)
    for row in ({"step": 6, "epoch": 10 ** 30, "loss": 0.5}, {"step": 2 ** 63, "epoch": 1, "loss": 0.5},
                {"step": 7, "epoch": 1, "loss": 1e308, "acc": -1e300, "lr": 10 ** 400},
                {"step": 10 ** 400, "epoch": 1, "loss": 0.5}):
        _append(folder, (json.dumps({"kind": "batch", **row}) + "\n").encode())
    _append(folder, _epoch_line(1).replace(b'"train_loss": 1.0', b'"train_loss": 1e308'))
    assert panel.follow(folder)
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 1, timeout=5000)
    qtbot.waitUntil(lambda: _points(panel) == 6, timeout=5000)  # the 5 batches and step 7
    items = panel.curves.items[panel.row.run_id]
    loss = items["loss"].yData
    assert list(loss[:5]) == [2.0 / s for s in range(1, 6)] and not (loss[5] == loss[5])  # NaN
    for plot in panel.curves.plots.values():
        (x0, x1), (y0, y1) = plot.viewRange()
        assert all(abs(v) < 1e6 for v in (x0, x1, y0, y1))
