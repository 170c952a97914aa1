"""The main window trains for real (fashion-v0, Fashion-MNIST): signals, plots, log, controls."""
import pytest
from PySide6.QtCore import QObject, Qt, Slot

from gui.main_window import IDLE, PAUSED, RUNNING
from gui.training.worker import running_threads


class Recorder(QObject):
    """Collects the worker's signals in the UI thread, after the window's own slots ran.

    Its slots are methods of a QObject living in the UI thread, so the connections are queued
    like the window's, and it sees each signal after the window (connected first) has.
    """

    def __init__(self, worker, events):
        super().__init__()
        self.events = events
        worker.run_started.connect(self.run_started)
        worker.batch_done.connect(self.batch_done)
        worker.epoch_done.connect(self.epoch_done)
        worker.run_finished.connect(self.run_finished)
        worker.failed.connect(self.failed)

    @Slot(object)
    def run_started(self, p):
        self.events.append(("run_started", p))

    @Slot(object)
    def batch_done(self, p):
        self.events.append(("batch_done", p))

    @Slot(object)
    def epoch_done(self, p):
        self.events.append(("epoch_done", p))

    @Slot(object)
    def run_finished(self, p):
        self.events.append(("run_finished", p))

    @Slot(object)
    def failed(self, p):
        self.events.append(("failed", p))


class Events(list):
    """Every signal the worker sends, in arrival order, as (name, payload)."""


def record(worker):
    events = Events()
    events.recorder = Recorder(worker, events)  # kept alive as long as the list
    return events


def finished(events):
    return any(n in ("run_finished", "failed") for n, _ in events)


def enabled(w):
    return {a.text(): a.isEnabled() for a in w.run_actions}


def test_short_run_emits_epochs_in_order_and_fills_the_plots(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 2, "batch_size": 64, "hidden_units": 10})
    qtbot.waitUntil(lambda: w.start_action.isEnabled(), timeout=30000)
    # Step starts a run one epoch at a time; Reset belongs to the paced workflows (line, circles)
    assert enabled(w) == {"Start": True, "Pause": False, "Stop": False, "+1 epoch": False,
                          "Step": True, "Reset": False}
    events = record(w.host.worker)
    w.start()
    assert enabled(w)["Start"] is False and enabled(w)["Stop"] is True
    qtbot.waitUntil(lambda: finished(events), timeout=60000)
    names = [n for n, _ in events]
    assert names[0] == "run_started" and names[-1] == "run_finished"
    epochs = [p.epoch for n, p in events if n == "epoch_done"]
    assert epochs == [1, 2]
    # Every batch of epoch 1 comes before epoch 1's result, and the last batch is reported.
    first_epoch_end = names.index("epoch_done")
    batches = [p for n, p in events[:first_epoch_end] if n == "batch_done"]
    assert batches and all(b.epoch == 1 for b in batches) and batches[-1].batch == batches[-1].batches
    result = events[-1][1]
    assert result.epochs_done == 2 and not result.stopped and result.error is None
    assert 70 < result.model_acc < 90

    w.plots.refresh()
    x, y = w.plots.points("test_acc")
    assert list(x) == [1, 2] and y[-1] == pytest.approx(result.model_acc)
    assert len(w.plots.points("train_loss")[0]) == 2
    assert len(w.plots.points("batch_loss")[0]) >= 2  # the first epoch is not a blank plot
    log = w.log_text()
    assert "Epoch 1/2 | Train loss: " in log and "| Test acc: " in log and "Epoch 2/2" in log
    assert w.phase == IDLE
    assert enabled(w) == {"Start": True, "Pause": False, "Stop": False, "+1 epoch": True,
                          "Step": True, "Reset": False}
    assert "Epoch 2/2 · 100%" in w.status.progress.format()
    assert "samples/s" in w.status.speed.text() and "Elapsed" in w.status.time.text()

    # +1 epoch continues the same model: epoch 3 joins the curves.
    events.clear()
    w.more_action.trigger()
    qtbot.waitUntil(lambda: finished(events), timeout=60000)
    assert [p.epoch for n, p in events if n == "epoch_done"] == [3]
    assert events[-1][1].epochs_done == 3
    w.plots.refresh()
    assert list(w.plots.points("test_acc")[0]) == [1, 2, 3]
    assert "Epoch 3/3 | Train loss:" in w.log_text()


def test_stop_lands_within_a_batch(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 3, "batch_size": 16})
    events = record(w.host.worker)
    w.start()
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    last = [p for n, p in events if n == "batch_done"][-1]
    w.stop_action.trigger()
    assert enabled(w)["Stop"] is False and enabled(w)["Start"] is False  # until it has stopped
    qtbot.waitUntil(lambda: finished(events), timeout=10000)
    result = events[-1][1]
    assert events[-1][0] == "run_finished" and result.stopped and result.epochs_done == 0
    seen = [p.batch for n, p in events if n == "batch_done"]
    assert max(seen) < last.batches  # stopped mid-epoch, not at its end
    assert not any(n == "epoch_done" for n, _ in events)
    assert w.phase == IDLE and "Stopped" in w.log_text()
    assert enabled(w)["Start"] is True


def test_pause_and_resume(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 16})
    events = record(w.host.worker)
    w.start()
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    w.pause_action.trigger()
    assert w.phase == PAUSED and w.pause_action.text() == "Resume"
    qtbot.wait(300)  # a batch in flight may still report
    count = len(events)
    qtbot.wait(600)
    assert len(events) == count, "batches kept coming while paused"
    assert w.status.state.text() == "Paused"
    w.pause_action.trigger()
    assert w.phase == RUNNING and w.pause_action.text() == "Pause"
    qtbot.waitUntil(lambda: len(events) > count, timeout=10000)
    w.stop()
    qtbot.waitUntil(lambda: finished(events), timeout=10000)
    assert "Paused." in w.log_text() and "Resumed." in w.log_text()


def test_stop_while_paused(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 16})
    events = record(w.host.worker)
    w.start()
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    w.toggle_pause()
    w.stop()
    qtbot.waitUntil(lambda: finished(events), timeout=10000)
    assert events[-1][1].stopped and w.phase == IDLE


def test_close_while_training_stops_and_ends_the_thread(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 3, "batch_size": 16})
    events = record(w.host.worker)
    w.start()
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    thread = w.host.thread
    w.close()
    assert thread.isFinished() and not running_threads()


def test_shortcuts_drive_the_run(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 16})
    shortcuts = {a.text(): [s.toString() for s in a.shortcuts()] for a in w.run_actions}
    assert shortcuts == {"Start": ["Ctrl+R", "F5"], "Pause": ["Ctrl+P", "F6"],
                         "Stop": ["Ctrl+.", "Shift+F5"], "+1 epoch": ["Ctrl+E", "F7"],
                         "Step": ["Ctrl+T", "F8"], "Reset": ["Ctrl+Shift+N", "F9"]}
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    events = record(w.host.worker)
    qtbot.keyClick(w, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    qtbot.keyClick(w, Qt.Key.Key_F6)
    assert w.phase == PAUSED
    qtbot.keyClick(w, Qt.Key.Key_F6)
    assert w.phase == RUNNING
    qtbot.keyClick(w, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: finished(events), timeout=10000)
    assert events[-1][1].stopped
