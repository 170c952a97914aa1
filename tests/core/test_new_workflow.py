"""Adding a workflow is a module in core/workflows and its models in core/models.py: a fifth one
(two interleaving moons, binary), registered as the four are, trains through the same trainer,
checkpoints and CLI, gets the settings its kind reads and the live view the registry names."""
import json

import numpy as np
import pytest
import torch
from torch import nn

from core import checkpoint, workflows
from core.cli.dispatch import main
from core.config import TrainConfig
from core.models import MODELS, ModelSpec
from core.data.toy import ToyData
from core.train.trainer import Trainer
from core.workflows.base import BINARY, VIEW_BOUNDARY, VIEW_CURVES, Workflow


def _moons(config, progress=None):
    rng = np.random.RandomState(0)
    t = rng.rand(400) * np.pi
    x = np.r_[np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]]
    x += rng.normal(scale=0.1, size=x.shape)
    y = np.r_[np.zeros(400), np.ones(400)]
    order = rng.permutation(800)
    xs = torch.tensor(x[order], dtype=torch.float32)
    ys = torch.tensor(y[order], dtype=torch.float32)[:, None]
    return ToyData(xs[:640], ys[:640], xs[640:], ys[640:], "two moons, 800 points")


class MoonsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                                    nn.Linear(16, 1))

    def forward(self, x):
        return self.layers(x)


MOONS = Workflow(id="moons", name="Two moons", blurb="Binary classification of two moons.",
                 kind=BINARY, default_model="moons-mlp", views=(VIEW_BOUNDARY, VIEW_CURVES),
                 load=_moons, paced=True)


@pytest.fixture
def moons(monkeypatch):
    monkeypatch.setitem(workflows.WORKFLOWS, "moons", MOONS)
    monkeypatch.setitem(MODELS, "moons-mlp", ModelSpec("moons-mlp", "MoonsMLP", "moons",
                                                       "A small ReLU network.",
                                                       lambda *_: MoonsMLP()))


def test_the_trainer_takes_its_loss_metrics_and_batching_from_the_workflow(moons):
    t = Trainer(TrainConfig(model="moons-mlp", epochs=300, lr=0.01, optimizer="adam", threads=1))
    assert isinstance(t.loss_fn, nn.BCEWithLogitsLoss) and t.steps_per_epoch() == 1
    assert not t.images and t.classes_count == 2
    last = [e for e in t.run() if hasattr(e, "test_acc")][-1]
    assert last.test_acc > 95  # the bent boundary a straight line cannot draw


def test_its_live_view_and_checkpoint_work_unchanged(moons, tmp_path):
    from gui.training.live_frames import LiveView  # plain numpy, no widget
    t = Trainer(TrainConfig(model="moons-mlp", epochs=5, lr=0.01, optimizer="adam", threads=1))
    list(t.run())
    live = LiveView(t)
    assert live.scene.view == VIEW_BOUNDARY and len(live.scene.grid_rect) == 4
    frame = live.frame()
    assert frame.epoch == 5 and frame.prob.shape == (101, 101) and len(frame.ep) == 5
    t.save(tmp_path / "moons.safetensors")
    ckpt = checkpoint.load(tmp_path / "moons.safetensors")
    assert type(ckpt.model).__name__ == "MoonsMLP" and ckpt.meta["task"] == "moons"


def test_the_command_line_trains_it(moons, tmp_path, capsys):
    assert main(["train", "--model", "moons-mlp", "--epochs", "200", "--lr", "0.01",
                 "--optimizer", "adam", "--threads", "1", "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["result"]
    assert result["model_name"] == "MoonsMLP" and result["epochs"] == 200
    assert result["model_acc"] > 90
