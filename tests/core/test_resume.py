"""Continuing a run: 2 epochs and a resume to 4 give the weights of 4 epochs straight, bit for bit
on the CPU (SGD and Adam, and from the middle of an epoch with a schedule and momentum); a file
that cannot be continued is refused with one line and nothing is half-loaded."""
import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from core import checkpoint
from core.checkpoint import CheckpointError
from core.config import TrainConfig
from core.train.trainer import Control, Trainer


def _config(**kw):
    base = dict(model="fashion-v0", epochs=4, threads=2)
    base.update(kw)
    return TrainConfig(**base)


def _trained(data, **kw):
    t = Trainer(_config(**kw), data=data)
    list(t.run())
    return t


def _same_weights(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.1), ("adam", 0.001)])
def test_two_epochs_then_resume_to_four_is_bit_identical(fashion_small, tmp_path, optimizer, lr):
    straight = _trained(fashion_small, optimizer=optimizer, lr=lr)
    first = _trained(fashion_small, optimizer=optimizer, lr=lr, epochs=2)
    path = first.save(tmp_path / "two")
    resumed = Trainer.from_checkpoint(path, 4, data=fashion_small)
    assert len(resumed.history) == 2 and resumed.steps == first.steps
    events = list(resumed.run())
    assert [e.epoch for e in events if hasattr(e, "test_loss")] == [3, 4]
    assert _same_weights(resumed, straight)
    assert [h.test_loss for h in resumed.history] == [h.test_loss for h in straight.history]
    # the optimizer's own state went along too (Adam's moments and step count)
    so, ro = straight.optimizer.state_dict()["state"], resumed.optimizer.state_dict()["state"]
    assert so.keys() == ro.keys()
    assert all(torch.equal(so[i][k], ro[i][k]) for i in so for k in so[i] if torch.is_tensor(so[i][k]))


def test_a_stop_mid_epoch_resumes_exactly_with_schedule_and_momentum(fashion_small, tmp_path):
    kw = dict(epochs=3, momentum=0.9, schedule="cosine", lr=0.05, warmup_epochs=0.5,
              augment="sketch")
    straight = _trained(fashion_small, **kw)
    control = Control()
    t = Trainer(_config(**kw), data=fashion_small, control=control)
    for ev in t.run():
        if hasattr(ev, "batch") and ev.epoch == 2 and ev.batch >= 60:
            control.stop()
    assert t.stopped and t.progress["epoch"] == 2 and 60 <= t.progress["done"] < 188
    resumed = Trainer.from_checkpoint(t.save(tmp_path / "mid"), 3, data=fashion_small)
    assert resumed.progress == t.progress
    list(resumed.run())
    assert _same_weights(resumed, straight)
    assert [h.train_loss for h in resumed.history] == [h.train_loss for h in straight.history]


def test_refusals_name_the_problem_and_load_nothing(fashion_small, tmp_path):
    t = _trained(fashion_small, epochs=1)
    good = t.save(tmp_path / "good")
    with pytest.raises(CheckpointError, match="has trained 1 epochs already; ask for more than 1"):
        Trainer.from_checkpoint(good, 1, data=fashion_small)
    # a checkpoint written without the training state (as TrainDesk 0.2 wrote them)
    weights, meta, _ = t.snapshot()
    del meta["train_state"]
    old = checkpoint.save(tmp_path / "old", weights, meta)
    with pytest.raises(CheckpointError, match="saved without its training state"):
        Trainer.from_checkpoint(old, 3, data=fashion_small)
    # a hand-edited training state: damaged numbers, optimizer groups that do not fit
    for change, message in ((lambda s: s.update(steps="many"), "steps is not a whole number"),
                            (lambda s: s.update(param_groups=[]), "optimizer settings do not fit"),
                            (lambda s: s.update(progress={"epoch": 1}), "mid-epoch done"),
                            (lambda s: s.update(version=99), "another TrainDesk version")):
        weights, meta, extra = t.snapshot()
        change(meta["train_state"])
        bad = checkpoint.save(tmp_path / "bad", weights, meta, extra=extra)
        with pytest.raises(CheckpointError, match=message) as e:
            Trainer.from_checkpoint(bad, 3, data=fashion_small)
        assert str(e.value).startswith(f"{bad} cannot be continued") and "\n" not in str(e.value)
    # a random stream of the wrong size
    weights, meta, extra = t.snapshot()
    extra["rng/order"] = torch.zeros(3, dtype=torch.uint8)
    bad = checkpoint.save(tmp_path / "bad", weights, meta, extra=extra)
    with pytest.raises(CheckpointError, match="training state does not fit"):
        Trainer.from_checkpoint(bad, 3, data=fashion_small)


def test_training_state_tensors_never_reach_the_model(fashion_small, tmp_path):
    """An inference load ignores the training state; a missing or extra weight is still refused."""
    t = _trained(fashion_small, epochs=1)
    path = t.save(tmp_path / "run")
    tensors = load_file(str(path))
    assert any(k.startswith(checkpoint.TRAIN_PREFIX) for k in tensors)
    ckpt = checkpoint.load(path)
    assert set(ckpt.model.state_dict()) == {k for k in tensors if not k.startswith("train/")}
    weights, meta, extra = t.snapshot()
    weights["extra.weight"] = torch.zeros(2)
    extra_file = checkpoint.save(tmp_path / "extra", weights, meta, extra=extra)
    with pytest.raises(CheckpointError, match="unexpected extra.weight"):
        Trainer.from_checkpoint(extra_file, 3, data=fashion_small)
    weights.pop("extra.weight")
    weights.pop("layer_stack.2.bias")
    missing = checkpoint.save(tmp_path / "missing", weights, meta, extra=extra)
    with pytest.raises(CheckpointError, match="missing layer_stack.2.bias"):
        Trainer.from_checkpoint(missing, 3, data=fashion_small)


def test_another_architecture_or_width_is_refused(fashion_small, tmp_path):
    t = _trained(fashion_small, epochs=1, model="fashion-v1", hidden_units=12)
    weights, meta, extra = t.snapshot()
    for key, value, message in (("model_id", "fashion-v0", "do not fit fashion-v0"),
                                ("hidden_units", 10, "do not fit fashion-v1")):
        changed = dict(meta, **{key: value})
        path = checkpoint.save(tmp_path / key, weights, changed, extra=extra)
        with pytest.raises(CheckpointError, match=message):
            Trainer.from_checkpoint(path, 3, data=fashion_small)


def test_not_a_safetensors_file_is_never_unpickled(tmp_path):
    pt = tmp_path / "model.pt"
    torch.save({"x": torch.zeros(2)}, pt)
    with pytest.raises(CheckpointError, match="never unpickles"):
        Trainer.from_checkpoint(pt, 3)
    plain = tmp_path / "plain.safetensors"
    save_file({"x": torch.zeros(2)}, str(plain), metadata={"note": json.dumps({})})
    with pytest.raises(CheckpointError, match="not written by TrainDesk"):
        Trainer.from_checkpoint(plain, 3)
