"""The training session on its own, without any window: real worker, real Fashion-MNIST."""
import pytest
from PySide6.QtCore import QObject, Slot

from gui.training.session import IDLE, LOADING, PAUSED, RUNNING, STARTING, STOPPING, TrainingSession
from gui.training.worker import running_threads
from gui.training.worker_messages import Failure


class Recorder(QObject):
    """The session's phases and run events, in the order they were sent."""

    def __init__(self, session):
        super().__init__()
        self.phases, self.events = [], []
        session.phase_changed.connect(self.phase)
        session.run_started.connect(lambda p: self.events.append(("run_started", p)))
        session.batch_done.connect(lambda p: self.events.append(("batch_done", p)))
        session.epoch_done.connect(lambda p: self.events.append(("epoch_done", p)))
        session.run_finished.connect(lambda p: self.events.append(("run_finished", p)))
        session.failed.connect(lambda p, settled: self.events.append(("failed", p)))
        session.run_ended.connect(lambda p: self.events.append(("run_ended", p)))

    @Slot(str)
    def phase(self, p):
        self.phases.append(p)

    def ended(self):
        return [p for n, p in self.events if n == "run_ended"]

    def batches(self):
        return [p for n, p in self.events if n == "batch_done"]


def config(**changes):
    from core.config import TrainConfig
    values = {"model": "fashion-v0", "epochs": 1, "batch_size": 32, "lr": 0.1,
              "hidden_units": 10, "seed": 42}
    values.update(changes)
    return TrainConfig(**values)


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    rec = Recorder(s)
    s.recorder = rec
    assert s.phase == LOADING and not s.can_start and s.core_info is None
    with qtbot.waitSignal(s.ready, timeout=60000):
        s.load()
    assert s.phase == IDLE and s.can_start and s.core_info is not None
    assert rec.phases == [IDLE]
    rec.phases.clear()
    yield s
    assert s.close() and not running_threads()


def test_a_run_goes_starting_running_idle_with_a_result(session, qtbot):
    s, rec = session, session.recorder
    assert s.start(config())
    assert s.phase == STARTING and not s.can_start and s.can_stop and not s.can_pause
    assert not s.start(config())  # one run at a time
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=60000)
    result = rec.ended()[0]
    assert rec.phases == [STARTING, RUNNING, IDLE]
    assert result.epochs_done == 1 and not result.stopped and result.error is None
    assert [n for n, _ in rec.events][-2:] == ["run_finished", "run_ended"]
    assert s.phase == IDLE and s.can_continue and s.can_more and s.can_start

    # +1 epoch trains the same model on: epoch 2.
    rec.phases.clear()
    rec.events.clear()
    assert s.one_more_epoch()
    assert s.phase == STARTING
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=60000)
    assert [p.epoch for n, p in rec.events if n == "epoch_done"] == [2]
    assert rec.ended()[0].epochs_done == 2
    assert rec.phases == [STARTING, RUNNING, IDLE] and s.can_continue


def test_pause_resume_and_stop_mid_run(session, qtbot):
    s, rec = session, session.recorder
    assert not s.toggle_pause() and not s.stop()  # nothing runs yet
    s.start(config(epochs=3, batch_size=16))
    qtbot.waitUntil(lambda: bool(rec.batches()), timeout=30000)
    assert s.toggle_pause() and s.phase == PAUSED and s.can_pause and s.can_stop
    qtbot.wait(300)  # a batch in flight may still report
    count = len(rec.events)
    qtbot.wait(600)
    assert len(rec.events) == count, "batches kept coming while paused"
    assert s.toggle_pause() and s.phase == RUNNING
    qtbot.waitUntil(lambda: len(rec.events) > count, timeout=10000)
    assert s.stop() and s.phase == STOPPING and not s.can_stop and not s.can_start
    assert not s.stop() and not s.toggle_pause()
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=10000)
    result = rec.ended()[0]
    assert result.stopped and result.epochs_done == 0
    assert rec.phases == [STARTING, RUNNING, PAUSED, RUNNING, STOPPING, IDLE]
    assert s.phase == IDLE and s.can_start


def test_a_failing_run_returns_to_idle_and_cannot_continue(session, qtbot, tmp_path):
    s, rec = session, session.recorder
    s.start(config())
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=60000)
    assert s.can_continue

    rec.events.clear()
    rec.phases.clear()
    s.start(config(data_dir=str(tmp_path / "not-there")))
    assert not s.can_continue  # a new run drops the old one at once
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=30000)
    failure = rec.ended()[0]
    assert isinstance(failure, Failure) and failure.during_run and failure.kind == "data"
    assert rec.phases == [STARTING, IDLE]
    assert s.phase == IDLE and not s.can_continue and not s.can_more and s.can_start

    # An invalid setting fails the same way; the session stays usable.
    rec.events.clear()
    s.start(config(epochs=0))
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=30000)
    assert isinstance(rec.ended()[0], Failure) and rec.ended()[0].kind == "error"
    assert s.phase == IDLE and not s.can_more


def test_close_mid_run_stops_it_and_ends_the_thread(qtbot):
    s = TrainingSession()
    rec = Recorder(s)
    with qtbot.waitSignal(s.ready, timeout=60000):
        s.load()
    s.start(config(epochs=3, batch_size=16))
    qtbot.waitUntil(lambda: bool(rec.batches()), timeout=30000)
    thread = s.host.thread
    assert s.in_run
    assert s.close()
    assert thread.isFinished() and not running_threads()
    qtbot.waitUntil(lambda: bool(rec.ended()), timeout=10000)  # the stopped run's result still arrives
    assert rec.ended()[0].stopped
