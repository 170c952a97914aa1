"""A look at the data before any model: a random 4x4 grid of training images and the set's shape."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.eval.widgets import tile_grid


class DataExplorer(QWidget):
    def __init__(self, parent=None, seed: int | None = None):
        super().__init__(parent)
        self.rng = np.random.default_rng(seed)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.reshuffle = QPushButton("Reshuffle")
        self.reshuffle.clicked.connect(self.shuffle)
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(self.reshuffle)
        grid, self.tiles = tile_grid(4, 4, 84)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(grid, 1)
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.classes: tuple = ()
        self.indices = np.empty(0, dtype=np.int64)

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
