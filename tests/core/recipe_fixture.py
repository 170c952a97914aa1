"""Real runs whose input recipe has a mean and a std, for the tests that every path (training,
evaluation, predict, export, the Draw tab) turns pixels into the same model input.

The workflows write plain recipes today (pixels / 255); a run is given a per-channel mean and std
the way a workflow will give it one: as the trainer's recipe before it trains, so the loop, the
checkpoint and everything after it carry it.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from core.config import TrainConfig
from core.data.fashion_mnist import FashionData
from core.train.trainer import Trainer
from tests.core.image_folder_fixture import write_fashion_folder

FOLDER_MEAN, FOLDER_STD = (0.3, 0.25, 0.6), (0.35, 0.2, 0.3)  # red, green, blue of the tinted items
FASHION_MEAN, FASHION_STD = 0.286, 0.353                      # Fashion-MNIST's own
SIZE = 24


def _trained(trainer: Trainer, mean, std, path: Path) -> Path:
    trainer.input_recipe = dataclasses.replace(trainer.input_recipe, mean=mean, std=std)
    list(trainer.run())
    assert trainer.error is None
    return trainer.save(path)


def folder_recipe_run(root: Path, data=None):
    """A TinyVGG trained two epochs on a 3-class folder of 24x24 colour PNGs with FOLDER_MEAN and
    FOLDER_STD: (WrittenFolder, Trainer, checkpoint path)."""
    written = write_fashion_folder(Path(root) / "clothes", per_class=12, size=SIZE, formats=("png",),
                                   data=data)
    trainer = Trainer(TrainConfig(model="tinyvgg", image_folder=str(written.root), image_size=SIZE,
                                  epochs=2, batch_size=8, hidden_units=4, lr=0.003, optimizer="adam",
                                  threads=1))
    return written, trainer, _trained(trainer, FOLDER_MEAN, FOLDER_STD, Path(root) / "tinyvgg")


def fashion_recipe_run(root: Path, fashion):
    """fashion-v2 (TinyVGG) trained one epoch on 2,000 Fashion-MNIST images with mean 0.286 and
    std 0.353: (Trainer, checkpoint path)."""
    small = FashionData(fashion.train_x[:2000], fashion.train_y[:2000], fashion.test_x[:300],
                        fashion.test_y[:300], "first 2000/300 of " + fashion.source)
    trainer = Trainer(TrainConfig(model="fashion-v2", epochs=1, batch_size=64, hidden_units=4,
                                  threads=1), data=small)
    return trainer, _trained(trainer, (FASHION_MEAN,), (FASHION_STD,), Path(root) / "fashion-v2")
