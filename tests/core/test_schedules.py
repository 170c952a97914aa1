"""Learning-rate schedules, warm-up and momentum as the trainer applies them; the best epoch and
early stopping."""
import math

import pytest
import torch

from core import checkpoint
from core.config import BatchResult, TrainConfig
from core.runs.recorded import RecordedRun
from core.runs.store import RunStore
from core.train.schedules import lr_at
from core.train.trainer import Trainer


def test_schedule_shapes():
    spe, epochs, lr = 100, 10, 0.1
    at = lambda s, kind, **kw: lr_at(s, lr, kind, spe, epochs, **kw)  # noqa: E731
    assert {at(s, "constant") for s in (0, 500, 999)} == {lr}
    assert at(0, "step", step_epochs=3) == lr and at(299, "step", step_epochs=3) == lr
    assert at(300, "step", step_epochs=3) == pytest.approx(lr * 0.1)
    assert at(600, "step", step_epochs=3) == pytest.approx(lr * 0.01)
    assert at(0, "cosine") == pytest.approx(lr) and at(999, "cosine") == pytest.approx(0, abs=1e-12)
    assert at(500, "cosine") == pytest.approx(lr / 2, rel=1e-2)
    peak = max(range(1000), key=lambda s: at(s, "onecycle"))
    assert abs(peak - 300) <= 1 and at(peak, "onecycle") == pytest.approx(lr, rel=1e-4)
    assert at(0, "onecycle") == pytest.approx(lr / 25) and at(999, "onecycle") < lr / 25 / 1000
    warm = [at(s, "constant", warmup_epochs=2) for s in range(0, 400)]
    assert warm[0] < lr / 100 and all(a < b for a, b in zip(warm[:199], warm[1:200]))
    assert warm[250] == lr
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        at(0, "exponential")


def test_the_trainer_steps_along_the_schedule(fashion_small):
    config = TrainConfig(model="fashion-v0", epochs=2, batch_size=100, threads=2,
                         schedule="onecycle", lr=0.05, momentum=0.9, warmup_epochs=0.25,
                         log_interval_s=0)
    t = Trainer(config, data=fashion_small)
    assert t.optimizer.param_groups[0]["momentum"] == 0.9
    batches = [e for e in t.run() if isinstance(e, BatchResult)]
    assert t.status == "finished" and len(batches) == 120 and batches[-1].step == 120
    for b in batches:  # the rate of each window's last step
        assert b.lr == pytest.approx(lr_at(b.step - 1, 0.05, "onecycle", 60, 2, 1, 0.25))
    assert t.history[-1].lr == batches[-1].lr
    assert t.history[-1].test_acc > 60


def test_best_epoch_and_early_stopping_on_the_circles(tmp_path):
    """The ReLU circles model sits at 50% for hundreds of epochs before it bends (notebook 02):
    best by accuracy with a patience of 40 stops it 40 epochs after its last gain."""
    config = TrainConfig(model="circles-v2", epochs=1500, lr=0.1, threads=1, best_by="test_acc",
                         patience=40)
    store = RunStore(tmp_path / "runs.sqlite")
    t = Trainer(config)
    run = RecordedRun(t, tmp_path / "runs", "test", store=store)
    list(run.events())
    result = run.finish()
    assert t.early_stopped and result.early_stopped
    assert len(t.history) == t.best["epoch"] + 40 < 1500
    best_acc = max(h.test_acc for h in t.history)
    assert t.best["value"] == best_acc and t.history[t.best["epoch"] - 1].test_acc == best_acc
    row = store.get(run.run_id)
    assert row.status == "finished" and row.best_epoch == t.best["epoch"]
    best = checkpoint.load(row.best_checkpoint)
    assert len(best.meta["history"]) == t.best["epoch"]  # the weights of that epoch
    last = checkpoint.load(row.checkpoint)
    assert len(last.meta["history"]) == len(t.history)


def test_best_by_loss_keeps_the_lowest_test_loss(fashion_small, tmp_path):
    t = Trainer(TrainConfig(model="fashion-v0", epochs=4, threads=2, lr=0.1), data=fashion_small)
    store = RunStore(tmp_path / "runs.sqlite")
    run = RecordedRun(t, tmp_path / "runs", "test", store=store)
    list(run.events())
    run.finish()
    losses = [h.test_loss for h in t.history]
    assert t.best["epoch"] == 1 + losses.index(min(losses)) and t.best["by"] == "test_loss"
    best = checkpoint.load(store.get(run.run_id).best_checkpoint)
    x = fashion_small.test_x[:500].unsqueeze(1).float() / 255
    t_best = Trainer.from_checkpoint(store.get(run.run_id).best_checkpoint, 10, data=fashion_small)
    assert all(torch.equal(a, b) for a, b in zip(best.model.state_dict().values(),
                                                  t_best.model.state_dict().values()))
    with torch.no_grad():
        assert math.isfinite(float(best.model(x).sum()))


def test_tensorboard_logs_are_written_when_asked(fashion_small, tmp_path):
    pytest.importorskip("torch.utils.tensorboard")  # in the test extras; optional for users
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1, threads=2, tensorboard=True),
                data=fashion_small)
    run = RecordedRun(t, tmp_path / "runs", "test", store=RunStore(tmp_path / "runs.sqlite"))
    list(run.events())
    run.finish()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(run.folder / "tensorboard"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"batch/loss", "batch/lr", "epoch/test_loss", "epoch/test_acc"} <= tags
    assert acc.Scalars("epoch/test_acc")[0].value == pytest.approx(t.history[0].test_acc)
