"""The learning-rate range test (core/train/lr_find.py) and `main.py lr-find`: on real
Fashion-MNIST its suggestion for TinyVGG (fashion-v2) at the seed's settings is a rate that trains
well, the model and optimiser come back exactly as they were, and bad input is one clear line."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from core.config import TrainConfig
from core.train import lr_find
from core.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


def _main(*args, timeout=300):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.slow  # about 15 s alone, reading all of Fashion-MNIST; longer on a busy machine
def test_cli_suggests_a_rate_that_trains_tinyvgg():
    """The seed's settings (SGD at batch 32): the suggestion lands where TinyVGG trains well
    (3 epochs at it reached 86.5% or more when measured), and the JSON holds the curve."""
    done = _main("lr-find", "--model", "fashion-v2")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(out) == {"suggested_lr", "points"}
    assert 0.01 <= out["suggested_lr"] <= 0.5
    rates = [lr for lr, _ in out["points"]]
    assert math.isclose(rates[0], lr_find.START_LR)
    assert all(b > a for a, b in zip(rates, rates[1:]))  # exponential, growing
    assert len(rates) <= lr_find.STEPS
    assert f"Suggested learning rate: {out['suggested_lr']:.3g}" in done.stderr


def test_model_optimiser_and_random_state_are_put_back(fashion_small):
    config = TrainConfig(model="fashion-v1", epochs=1, batch_size=32, lr=0.1, momentum=0.9,
                         threads=1)
    trainer = Trainer(config, data=fashion_small)
    list(trainer.run(1))  # an optimiser with momentum buffers to restore
    weights = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    opt = trainer.optimizer.state_dict()
    buffers = {k: v["momentum_buffer"].clone() for k, v in opt["state"].items()}
    rng = torch.get_rng_state()
    seen = []
    found = lr_find.find_lr(trainer, steps=30, on_point=lambda lr, loss: seen.append(lr))
    assert seen == [lr for lr, _ in found.points] and len(seen) >= 10
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    after = trainer.optimizer.state_dict()
    assert after["param_groups"][0]["lr"] == 0.1
    for k, v in after["state"].items():
        assert torch.equal(v["momentum_buffer"], buffers[k])
    assert torch.equal(torch.get_rng_state(), rng)
    assert trainer.steps == len(trainer.history) * trainer.steps_per_epoch()  # not counted as training


def test_stop_ends_the_test_and_still_restores(fashion_small):
    trainer = Trainer(TrainConfig(model="fashion-v0", threads=1), data=fashion_small)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    calls: list = []
    found = lr_find.find_lr(trainer, should_stop=lambda: len(calls) >= 5,
                            on_point=lambda lr, loss: calls.append(lr))
    assert found.stopped and len(found.points) == 5
    assert all(torch.equal(v, before[k]) for k, v in trainer.model.state_dict().items())


def test_suggestion_rules():
    """A falling curve: its steepest point; a flat curve that blows up: a tenth of where it rose;
    too short a curve: none, with the reason."""
    rates = lr_find.rates(60)
    falling = [(lr, 2.3 - 2.0 / (1 + math.exp(-(math.log10(lr) + 3) * 3))) for lr in rates]
    lr, why = lr_find.suggest(falling)
    assert math.isclose(math.log10(lr), -3, abs_tol=0.3) and "fastest" in why
    flat = [(lr, 2.3 if lr < 1 else 2.3 * (1 + lr)) for lr in rates]
    lr, why = lr_find.suggest(flat)
    rose = next(r for r, loss in flat if loss > 2.3 * lr_find.ROSE)
    assert lr == rose / 10 and "a tenth" in why
    assert lr_find.suggest(falling[:12])[0] is None


def test_bad_steps_is_one_clear_line():
    done = _main("lr-find", "--model", "line", "--steps", "1", timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "error: --steps must be 2 or more, not 1"
    assert done.stdout == ""
