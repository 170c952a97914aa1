"""The background-job module on its own: results, progress, cancel, errors, coalescing, shutdown."""
import logging
import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget

from gui.jobs import JobRunner, running_threads


@pytest.fixture
def runner(qtbot):
    r = JobRunner("test-jobs")
    yield r
    assert r.shutdown(10000)
    assert not running_threads()


class Seen(list):
    """Every signal of a runner as (name, tag, value, the thread it arrived on)."""

    def __init__(self, runner):
        super().__init__()
        for name in ("progress", "result", "failed"):
            getattr(runner, name).connect(
                lambda tag, value, n=name: self.append((n, tag, value, QThread.currentThread())))
        for name in ("cancelled", "finished"):
            getattr(runner, name).connect(
                lambda tag, n=name: self.append((n, tag, None, QThread.currentThread())))

    def names(self):
        return [n for n, *_ in self]


def wait_until(flag: threading.Event):
    while not flag.wait(0.01):
        pass


def test_result_and_progress_arrive_on_the_ui_thread(qtbot, runner):
    seen = Seen(runner)
    ran_in = []

    def square(job, x):
        ran_in.append(QThread.currentThread())
        for i in range(3):
            job.progress(i)
        return x * x

    runner.submit(square, 7, tag="sq")
    assert runner.busy
    qtbot.waitUntil(lambda: "finished" in seen.names())
    assert seen.names() == ["progress"] * 3 + ["result", "finished"]
    assert [v for n, _, v, _ in seen if n == "progress"] == [0, 1, 2]
    assert seen[3][1:3] == ("sq", 49)
    ui = QThread.currentThread()
    assert all(t is ui for *_, t in seen)  # plain lambdas too: never run in the worker
    assert ran_in == [runner.thread] and not runner.busy


def test_cancel_stops_the_job_and_reports_cancelled(qtbot, runner):
    seen = Seen(runner)
    started, told = threading.Event(), []

    def endless(job):
        job.on_cancel(lambda: told.append("stop"))  # e.g. core's Control.stop
        started.set()
        while True:
            job.check()
            time.sleep(0.005)

    runner.submit(endless, tag="loop")
    runner.submit(lambda job: "never", tag="next")
    wait_until(started)
    runner.cancel()
    qtbot.waitUntil(lambda: "finished" in seen.names())
    assert seen.names() == ["cancelled", "finished"] and seen[0][1] == "loop"
    assert told == ["stop"] and not runner.busy  # the waiting job was dropped
    runner.submit(lambda job: "again", tag="after")  # the thread is still there for the next job
    qtbot.waitUntil(lambda: "result" in seen.names())
    assert seen[-2][1:3] == ("after", "again")


def test_an_error_is_a_message_with_details_and_is_logged(qtbot, runner, caplog):
    seen = Seen(runner)

    def broken(job):
        raise ValueError("the probe exploded")

    with caplog.at_level(logging.INFO, logger="traindesk"):
        runner.submit(broken, tag="bad")
        qtbot.waitUntil(lambda: "finished" in seen.names())
    assert seen.names() == ["failed", "finished"]
    error = seen[0][2]
    assert error.message == "ValueError: the probe exploded" and not error.expected
    assert error.details.startswith("Traceback") and "in broken" in error.details
    logged = [r for r in caplog.records if r.name == "traindesk" and r.levelno == logging.ERROR]
    assert logged and "the probe exploded" in logged[0].getMessage()
    assert "Traceback" in logged[0].getMessage()
    runner.submit(lambda job: 1, tag="ok")  # a failed job does not take the thread down
    qtbot.waitUntil(lambda: "result" in seen.names())


def test_an_expected_error_is_its_message_alone(qtbot):
    class DataError(Exception):
        pass

    def missing(job):
        raise DataError("Fashion-MNIST is not in /nowhere")

    r = JobRunner("test-jobs", expected=("DataError",))
    try:
        with qtbot.waitSignal(r.failed) as got:
            r.submit(missing, tag="data")
        assert got.args[1].message == "Fashion-MNIST is not in /nowhere"
        assert got.args[1].expected and got.args[1].details == ""
    finally:
        r.shutdown()


def test_the_newest_request_wins(qtbot, runner):
    seen = Seen(runner)
    release = threading.Event()
    runner.submit(lambda job: wait_until(release), tag="busy")
    for n in range(5):
        runner.submit(lambda job, n=n: n, tag=f"eval-{n}", coalesce="eval")
    runner.submit(lambda job: "other", tag="add-model")  # not coalesced: kept, in order
    assert [j.tag for j in runner.waiting] == ["eval-4", "add-model"]
    release.set()
    qtbot.waitUntil(lambda: seen.names().count("finished") == 3)
    assert [(t, v) for n, t, v, _ in seen if n == "result"] == [
        ("busy", None), ("eval-4", 4), ("add-model", "other")]


def test_shutdown_mid_job_cancels_waits_and_ends_the_thread(qtbot):
    r = JobRunner("test-jobs")
    seen = Seen(r)
    started, ended = threading.Event(), threading.Event()

    def slow(job):
        started.set()
        while not job.cancelled:
            time.sleep(0.005)
        time.sleep(0.05)  # cleaning up after the cancel: shutdown waits for this
        ended.set()
        return "partial"

    r.submit(slow, tag="slow")
    wait_until(started)
    assert running_threads() == [r.thread] and running_threads("test-jobs") == [r.thread]
    assert r.shutdown(10000)
    assert ended.is_set() and not r.thread.isRunning() and not running_threads()
    assert not r.busy and r.shutdown()  # twice is fine
    late = r.submit(lambda job: pytest.fail("ran after shutdown"))
    assert late.cancelled
    qtbot.wait(50)
    assert seen == []  # nothing arrives after shutdown, not even the cancelled job's end


def test_shutdown_with_a_timeout_says_when_the_job_is_still_running(qtbot):
    r = JobRunner("test-jobs")
    started, release = threading.Event(), threading.Event()
    r.submit(lambda job: (started.set(), wait_until(release)))  # ignores its cancel
    wait_until(started)
    assert not r.shutdown(50)  # like the window's short wait while torch imports
    release.set()
    assert r.shutdown(10000) and not running_threads()


class Saver(QWidget):
    """A window whose job writes a file in steps; closing it mid-job must leave the whole file."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.jobs = JobRunner("test-saver", self)

    def save(self, steps):
        def write(job):
            parts = []
            for i in range(steps):
                if job.cancelled:  # stop between steps, like the trainer between batches
                    break
                parts.append(f"step {i}\n")
                time.sleep(0.01)
            tmp = self.path.with_suffix(".tmp")  # written whole, then put in place
            tmp.write_text("".join(parts) + "end\n")
            tmp.replace(self.path)
        self.jobs.submit(write, tag="save")

    def closeEvent(self, event):
        self.jobs.shutdown()
        super().closeEvent(event)


def test_closing_the_window_mid_job_leaves_no_thread_and_a_whole_file(qtbot, tmp_path):
    w = Saver(tmp_path / "out.txt")
    qtbot.addWidget(w)
    w.show()
    w.save(steps=100_000)
    qtbot.waitUntil(lambda: running_threads() and w.jobs.busy)
    time.sleep(0.05)
    w.close()
    assert not running_threads()
    text = w.path.read_text()
    assert text.startswith("step 0\n") and text.endswith("end\n")
    assert not w.path.with_suffix(".tmp").exists()


def test_closing_the_main_window_mid_run_saves_the_run_and_ends_every_thread(window, qtbot):
    """Training after its first epoch, an evaluation job about: close ends every thread, and the
    run is on disk."""
    from core import checkpoint
    from core.runs.store import RunStore
    from tests.gui.test_window_run import record

    w = window
    before = {r.run_id for r in RunStore().runs()}
    w.panel.set_config({"model": "fashion-v0", "epochs": 50, "batch_size": 64})
    events = record(w.host.worker)
    w.start()
    qtbot.waitUntil(lambda: any(n == "epoch_done" for n, _ in events), timeout=60000)
    assert "TrainDesk worker" in {t.objectName() for t in running_threads()}
    w.close()
    assert not running_threads()
    # Written before close returned: stopped like the Stop button, then saved whole.
    new = [r for r in RunStore().runs() if r.run_id not in before]
    assert len(new) == 1 and 1 <= new[0].epochs < 50 and new[0].status == "stopped"
    assert checkpoint.load(new[0].checkpoint).meta["model_id"] == "fashion-v0"
