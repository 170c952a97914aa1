"""A run's pace from another thread: pause, step (one epoch, then paused), speed, stop."""
import threading
import time

from core.config import TrainConfig
from core.train.control import Control
from core.train.trainer import Trainer


def _trainer(control, epochs=400):
    return Trainer(TrainConfig(model="line", epochs=epochs, lr=0.01, threads=1), control=control)


def _run_in_thread(trainer):
    done = threading.Event()
    thread = threading.Thread(target=lambda: (list(trainer.run()), done.set()), daemon=True)
    thread.start()
    return thread, done


def _wait(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        time.sleep(0.005)
    return cond()


def test_a_paused_run_waits_and_each_step_trains_exactly_one_epoch():
    control = Control(paused=True)
    t = _trainer(control)
    idle = []
    t.on_idle = lambda: idle.append(len(t.history))
    thread, done = _run_in_thread(t)
    time.sleep(0.2)
    assert len(t.history) == 0 and not done.is_set()  # nothing trains before a step
    for n in (1, 2, 3):
        control.step()
        assert _wait(lambda: len(t.history) == n)
        time.sleep(0.1)
        assert len(t.history) == n  # and then it waits again
    assert idle[:1] == [0] and {1, 2, 3} <= set(idle)  # told before each wait, to show the epoch
    control.stop()
    thread.join(5)
    assert done.is_set() and len(t.history) == 3


def test_a_rate_paces_the_epochs_and_resume_plays_on():
    control = Control(rate=50.0)
    t = _trainer(control, epochs=25)
    start = time.monotonic()
    thread, done = _run_in_thread(t)
    assert _wait(done.is_set, 20)
    took = time.monotonic() - start
    assert len(t.history) == 25 and took >= 24 / 50 - 0.05  # 50 epochs a second at most
    control = Control(paused=True)
    t = _trainer(control, epochs=50)
    thread, done = _run_in_thread(t)
    control.step()
    assert _wait(lambda: len(t.history) == 1)
    control.resume()
    assert _wait(done.is_set) and len(t.history) == 50


def test_step_while_playing_pauses_after_the_current_epoch_and_stop_wakes_a_paused_run():
    control = Control(rate=20.0)
    t = _trainer(control, epochs=1000)
    thread, done = _run_in_thread(t)
    assert _wait(lambda: len(t.history) >= 2)
    control.step()
    at = len(t.history)
    time.sleep(0.3)
    assert control.paused and len(t.history) <= at + 1  # the epoch under way ends, then it waits
    control.stop()
    thread.join(5)
    assert done.is_set() and not thread.is_alive()


def test_a_step_while_paused_mid_epoch_finishes_that_epoch(fashion_small):
    control = Control()
    t = Trainer(TrainConfig(model="fashion-v0", epochs=3, batch_size=10, threads=1,
                            log_interval_s=0), data=fashion_small, control=control)
    events = []
    thread = threading.Thread(target=lambda: [events.append(e) for e in t.run()], daemon=True)
    thread.start()
    assert _wait(lambda: len(events) >= 5, 60)  # batches of epoch 1 (600 of them) under way
    control.pause()
    time.sleep(0.2)
    seen = len(events)
    time.sleep(0.2)
    assert not t.history and len(events) == seen  # paused in the middle of epoch 1
    control.step()
    assert _wait(lambda: len(t.history) == 1, 60)
    time.sleep(0.3)
    assert len(t.history) == 1 and control.paused  # the rest of epoch 1, then waiting again
    control.stop()
    thread.join(30)
    assert not thread.is_alive()
