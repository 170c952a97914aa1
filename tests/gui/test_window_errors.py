"""Failures reach the user in the window and the log, and the window stays usable afterwards."""
from gui.main_window import IDLE
from tests.gui.test_window_run import finished, record


def run_and_wait(w, qtbot, events, timeout=60000):
    qtbot.waitUntil(lambda: w.start_action.isEnabled(), timeout=30000)
    w.start()
    qtbot.waitUntil(lambda: finished(events), timeout=timeout)


def test_missing_data_explains_and_offers_download_then_a_real_run_works(window, qtbot, tmp_path):
    w = window
    empty = tmp_path / "empty"
    empty.mkdir()
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "data_dir": str(empty)})
    events = record(w.host.worker)
    run_and_wait(w, qtbot, events)
    assert events[-1][0] == "failed"
    text = w.message.message()
    assert str(empty) in text and "three ways" in text and "dataset-fashion-mnist" in text
    assert w.message.download.isVisibleTo(w) and w.message.choose.isVisibleTo(w)
    assert "does not hold the four Fashion-MNIST files" in w.log_text()
    assert w.phase == IDLE and w.start_action.isEnabled()
    assert not w.more_action.isEnabled()

    # The app is still usable: back to the automatic data folder, and a run goes through.
    w.panel.set_data_dir("")
    events.clear()
    run_and_wait(w, qtbot, events)
    assert events[-1][0] == "run_finished" and events[-1][1].epochs_done == 1
    assert w.message.isHidden()


def test_an_exception_in_the_worker_is_shown_and_the_next_run_works(window, qtbot, monkeypatch):
    from core.train import trainer

    def boom(_trainer):
        raise RuntimeError("the thread probe exploded")

    monkeypatch.setattr(trainer, "pick_threads", boom)  # the trainer's thread probe
    w = window
    events = record(w.host.worker)
    run_and_wait(w, qtbot, events)
    assert events[-1][0] == "failed"
    assert "RuntimeError: the thread probe exploded" in w.message.message()
    assert not w.message.download.isVisibleTo(w)  # not a data problem: no download offer
    log = w.log_text()
    assert "RuntimeError: the thread probe exploded" in log and "Traceback" in log
    assert "Failed" in w.status.state.text()
    assert w.phase == IDLE and w.start_action.isEnabled()

    monkeypatch.undo()
    events.clear()
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 16})
    w.start()
    qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
    w.stop()
    qtbot.waitUntil(lambda: finished(events), timeout=10000)
    assert events[-1][0] == "run_finished" and events[-1][1].stopped


def test_a_nan_halt_shows_the_trainers_message(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "lr": 100.0, "optimizer": "sgd"})
    events = record(w.host.worker)
    run_and_wait(w, qtbot, events)
    result = events[-1][1]
    assert events[-1][0] == "run_finished" and result.error
    assert "Training halted" in w.message.message() and "lower learning rate" in w.message.message()
    assert "Training halted" in w.log_text()
    assert w.phase == IDLE and not w.more_action.isEnabled()  # nothing sound to continue


def test_download_shows_progress_and_then_uses_the_data(window, qtbot, monkeypatch, tmp_path):
    """The network is not needed: core's download is replaced by one that reports progress."""
    from core.data import fashion_mnist as core_data

    calls = []

    def fake_download(progress=None, target=None, mirrors=None):
        for done in (0, 500, 1000):
            progress("train-images-idx3-ubyte.gz", done, 1000)
        calls.append(True)
        return core_data.DEBIAN_DIR

    monkeypatch.setattr(core_data, "download", fake_download)
    w = window
    w.message.show_data_missing(core_data.missing_message(None))
    progress = []
    w.host.worker.download_progress.connect(lambda *a: progress.append(a))
    w.message.download.click()
    assert not w.message.download.isEnabled() and w.message.progress.isVisibleTo(w)
    qtbot.waitUntil(lambda: "downloaded" in w.message.message(), timeout=30000)
    assert calls and progress[-1] == ("train-images-idx3-ubyte.gz", 1000, 1000)
    assert "Fashion-MNIST downloaded into" in w.log_text()
