"""Small image folders learn from the defaults (issue 26): a folder is normalised by its own
training pictures' per-channel mean and std (kept in the checkpoint's input recipe), its epochs and
augmentation are chosen from its size and said in the log, and a setting given is obeyed. Real
Fashion-MNIST items saved as PNG files in a temporary folder; real `main.py train` processes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.checkpoint import read_meta
from core.cli.common import config_from_args
from core.cli.dispatch import build_parser
from core.train.trainer import Trainer
from core.workflows import image_folder as folder_workflow
from image_folder_fixture import write_fashion_folder

ROOT = Path(__file__).resolve().parents[2]


def _three(root, fashion):
    """Three very different things, 40 training and 10 test pictures each, grey 28x28 PNG."""
    return write_fashion_folder(root, classes=("Trouser", "Sneaker", "Bag"), per_class=40,
                                test_per_class=10, layout="train/test", formats=("png",),
                                colour=False, data=fashion).root


def _config(*flags):
    args = build_parser().parse_args(["train", "--model", "tinyvgg", *flags])
    return config_from_args(args, "folder")


@pytest.mark.slow  # up to 40 s of training by design (the time budget), plus reading
def test_three_by_forty_learns_from_the_defaults(tmp_path, fashion):
    folder = _three(tmp_path / "things", fashion)
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--image-folder",
                           str(folder), "--seed", "2", "--out", str(tmp_path / "runs")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])["result"]
    assert result["model_acc"] >= 90.0  # seed 2 was at chance (33%) with the old 5 epochs
    assert "Chosen from the data: " in done.stderr and "epochs: 120 training pictures" in done.stderr
    assert result["epochs"] > 5 and result["best_epoch"] is not None
    # The checkpoint's recipe holds the folder's own per-channel figures, which every path reads.
    recipe = read_meta(result["checkpoint"])["input"]  # grey pictures: one figure for all
    pixels = np.stack([np.asarray(Image.open(p).convert("RGB").resize((64, 64), Image.Resampling.BILINEAR),
                                  np.float64) / 255
                       for p in sorted((folder / "train").glob("*/*.png"))])
    assert np.allclose(recipe["mean"], pixels.mean(axis=(0, 1, 2)), atol=0.01)
    assert np.allclose(recipe["std"], pixels.std(axis=(0, 1, 2)), atol=0.01)
    assert np.min(recipe["std"]) > 0.1 and np.max(recipe["mean"]) > 0.05


def test_settings_given_are_obeyed_and_the_data_picks_the_rest(tmp_path, fashion):
    folder = _three(tmp_path / "things", fashion)
    said: list[str] = []
    chosen = Trainer(_config("--image-folder", str(folder), "--threads", "1"), log=said.append)
    assert chosen.config.from_data == ()  # filled in once: a checkpoint keeps the values
    assert chosen.config.epochs > 5 and chosen.config.shift == 4 and not chosen.config.flip
    assert chosen.config.epochs * chosen.steps_per_epoch() <= folder_workflow.TARGET_STEPS + 3
    assert any(line.startswith("Chosen from the data: ") for line in said)
    said.clear()
    given = Trainer(_config("--image-folder", str(folder), "--threads", "1", "--epochs", "2",
                            "--shift", "0", "--flip"), log=said.append)
    assert (given.config.epochs, given.config.shift, given.config.flip) == (2, 0, True)
    assert not any(line.startswith("Chosen from the data") for line in said)


def test_epochs_follow_the_folders_size_and_the_time_budget():
    """The choice itself, for sizes and speeds no test machine has: a few hundred steps, at least
    5 epochs, more only as far as the time budget holds; shifts only for small sets."""
    config = _config("--image-folder", "unused")
    values, why = folder_workflow._data_defaults(config, 120, 0.01)
    assert values == {"epochs": 175, "shift": 4, "flip": False} and "175 epochs" in why
    values, why = folder_workflow._data_defaults(config, 120, 0.125)  # a slow machine
    assert values["epochs"] == 64 and "as many as fit in 40 s" in why
    values, why = folder_workflow._data_defaults(config, 20_000, 0.05)  # 625 steps of 40 s
    assert values["epochs"] == folder_workflow.MIN_EPOCHS and values["shift"] == 0
    assert "3125 steps" in why  # never fewer than the fixed default of before, however long


def test_fashion_runs_leave_nothing_to_the_data():
    args = build_parser().parse_args(["train", "--model", "fashion-v2"])
    config = config_from_args(args, "fashion")
    assert config.from_data == () and config.epochs == 3 and config.shift == 0 and not config.flip
