"""A look at the data before any model: a random 4x4 grid of training images and the set's shape."""
from __future__ import annotations

import numpy as np

from gui.evaluate.widgets import TileBoard


class DataExplorer(TileBoard):
    def __init__(self, parent=None, seed: int | None = None):
        super().__init__(4, 4, 84, parent, seed)
        self.info = self.header
        self.info.setWordWrap(True)
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.classes: tuple = ()

    def set_data(self, data) -> None:
        """`data` is core's FashionData; only numpy copies of the training split are kept."""
        self.images, self.labels = data.train_x.cpu().numpy(), data.train_y.cpu().numpy()
        self.classes = tuple(data.classes)
        shape = " x ".join(str(s) for s in data.train_x.shape[1:])
        self.info.setText(
            f"<b>{data.source}</b><br>train: {len(data.train_x):,} images &nbsp; test: "
            f"{len(data.test_x):,} images &nbsp; image shape: {shape} (grey, uint8)<br>"
            f"{len(self.classes)} classes: " + ", ".join(f"{i} {c}" for i, c in enumerate(self.classes)))
        self.shuffle()

    def shuffle(self) -> None:
        if self.images is None:
            return
        self.indices = self.rng.choice(len(self.images), len(self.tiles), replace=False)
        for tile, i in zip(self.tiles, self.indices):
            tile.set_image(self.images[i], self.classes[int(self.labels[i])])
