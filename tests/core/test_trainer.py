"""The training loop on real data: it learns, it is deterministic, it stops, pauses, halts on NaN
and names a run that diverges (core.train.doctor)."""
import threading

import pytest
import torch

from core.config import BatchResult, EpochResult, TrainConfig
from core.train.trainer import Control, Trainer


def _run(trainer, epochs=None):
    return list(trainer.run(epochs))


def test_short_real_run_learns(fashion):
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1), data=fashion)
    events = _run(t)
    epochs = [e for e in events if isinstance(e, EpochResult)]
    batches = [e for e in events if isinstance(e, BatchResult)]
    assert len(epochs) == 1 and batches and batches[-1].batch == batches[-1].batches == 1875
    r = t.result()
    assert r.model_acc > 75  # chance is 10%
    assert r.model_name == "FashionMNISTModelV0" and r.epochs_done == 1 and r.training_time > 0
    assert r.status == "finished" and r.error is None  # the doctor leaves a seed run alone
    assert epochs[0].train_acc > 60 and epochs[0].samples_per_s > 0


def test_same_seed_same_results(fashion_small):
    def history(seed):
        t = Trainer(TrainConfig(model="fashion-v2", epochs=1, batch_size=64, seed=seed),
                    data=fashion_small)
        _run(t)
        return [(h.train_loss, h.test_loss, h.test_acc) for h in t.history], t.model.state_dict()

    (h1, w1), (h2, w2), (h3, _) = history(7), history(7), history(8)
    assert h1 == h2
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    assert h1 != h3


def test_batch_results_are_throttled(fashion_small):
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=8, log_interval_s=0.2),
                data=fashion_small)
    batches = [e for e in t.run() if isinstance(e, BatchResult)]
    seconds = t.history[0].seconds
    assert len(batches) <= seconds / 0.2 + 2 < 750  # 750 batches ran, a few reports came out


def test_stop_lands_within_a_batch(fashion_small):
    control = Control()
    t = Trainer(TrainConfig(model="fashion-v0", epochs=3, batch_size=8), data=fashion_small,
                control=control)
    seen = []
    for ev in t.run():
        seen.append(ev)
        if isinstance(ev, BatchResult):
            control.stop()
    assert len(seen) == 1 and t.stopped and not t.history
    assert t.result().stopped


def test_pause_blocks_until_resume(fashion_small):
    control = Control()
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=8), data=fashion_small,
                control=control)
    gen = t.run()
    first = next(gen)
    control.pause()
    got = []
    worker = threading.Thread(target=lambda: got.append(next(gen)))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive() and not got  # paused: no progress
    control.resume()
    worker.join(10)
    assert got and got[0].batch > first.batch
    gen.close()


def test_nan_halts_and_keeps_last_good_epoch(fashion_small):
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1), data=fashion_small)
    _run(t)
    good = {k: v.clone() for k, v in t.model.state_dict().items()}
    for group in t.optimizer.param_groups:
        group["lr"] = 1e30  # the next steps blow the weights up to inf, then NaN
    events = _run(t, 2)
    assert t.error and "Training halted" in t.error and "epoch 2" in t.error
    assert "end of epoch 1" in t.error
    assert len(t.history) == 1 and not any(isinstance(e, EpochResult) for e in events)
    assert all(torch.equal(good[k], v) for k, v in t.model.state_dict().items())
    assert t.result().error == t.error and t.result().status == "halted"


def test_plus_one_epoch_continues(fashion_small):
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1), data=fashion_small)
    _run(t)
    _run(t, 1)
    assert [h.epoch for h in t.history] == [1, 2] and t.history[1].epochs == 2


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_other_optimizers_learn(fashion_small, optimizer):
    t = Trainer(TrainConfig(model="fashion-v1", epochs=1, lr=1e-3, optimizer=optimizer,
                            weight_decay=1e-4), data=fashion_small)
    _run(t)
    assert t.result().model_acc > 50


def test_toy_runs():
    line = Trainer(TrainConfig(model="line", epochs=300, lr=0.01))
    _run(line)
    learned = line.result().extra["learned"]
    assert learned["weight"] == pytest.approx(0.7, abs=0.05)
    assert learned["bias"] == pytest.approx(0.3, abs=0.05)
    accs = {}
    for model_id in ("circles-v1", "circles-v2"):
        circles = Trainer(TrainConfig(model=model_id, epochs=1000, lr=0.1))
        _run(circles)
        accs[model_id] = circles.result().model_acc
    assert accs["circles-v1"] < 60  # a straight boundary cannot separate two rings
    assert accs["circles-v2"] > 80  # ReLU bends it


def test_bad_settings_are_refused():
    for bad in (dict(lr=0), dict(batch_size=0), dict(optimizer="rmsprop"), dict(model="nope"),
                dict(device="tpu")):
        with pytest.raises(ValueError):
            TrainConfig(**bad).validate()
    with pytest.raises(ValueError, match="not available"):
        Trainer(TrainConfig(model="line", device="cuda" if not torch.cuda.is_available() else "mps"))


def test_batches_come_in_the_notebooks_order():
    """Same seed, same batches as notebook 03's shuffled DataLoader with its test loader beside it."""
    from torch.utils.data import DataLoader

    from core.train.sampling import notebook_order

    torch.manual_seed(42)
    train = DataLoader(list(range(100)), batch_size=100, shuffle=True)
    test = DataLoader(list(range(10)), batch_size=10, shuffle=False)
    expected = []
    for _ in range(3):
        expected.append(next(iter(train)).tolist())
        for _ in test:
            pass
    g = torch.Generator().manual_seed(42)
    assert [notebook_order(100, g).tolist() for _ in range(3)] == expected


@pytest.mark.parametrize("model_id, epochs, lr", [
    ("line", 300, 0.01), ("circles-v0", 1500, 0.1), ("circles-v1", 1500, 0.1),
    ("circles-v2", 1500, 0.1)])
def test_seed_settings_are_not_diverged(model_id, epochs, lr):
    """circles-v0/v1 stay at ~51% (a straight boundary): notebook 02's lesson, not a failure."""
    t = Trainer(TrainConfig(model=model_id, epochs=epochs, lr=lr))
    _run(t)
    assert t.error is None and len(t.history) == epochs and t.result().status == "finished"


def test_diverging_circles_is_named_with_a_lower_lr():
    # Before the doctor: 1500 epochs "finished" at test loss 230288 and 50%, exit 0.
    t = Trainer(TrainConfig(model="circles-v2", epochs=1500, lr=1e6))
    events = _run(t)
    assert t.error.startswith("Training diverged: the test loss reached 3.96e+10")
    assert "The learning rate 1e+06 is too high for this model: try 0.1." in t.error
    assert not any(isinstance(e, EpochResult) for e in events)
    r = t.result()
    assert r.status == "diverged" and r.error == t.error and r.epochs_done == 0
    assert r.model_loss == pytest.approx(0.693, abs=0.01)  # back on the untouched weights


def test_diverging_fashion_stops_within_the_epoch(fashion):
    # Before the doctor: one epoch at train loss 3.5e9 and 10% (chance), reported as done.
    t = Trainer(TrainConfig(model="fashion-v1", epochs=1, lr=1e4), data=fashion)
    _run(t)
    assert t.status == "diverged" and "at epoch 1, batch" in t.error and "try 0.1" in t.error
    assert not t.history and t.steps < 1875  # caught at a log point, not after the whole epoch
