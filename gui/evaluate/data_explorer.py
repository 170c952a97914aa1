"""A look at the data before any model: a random 4x4 grid of training images and the set's shape."""
from __future__ import annotations

import html

import numpy as np

from gui.evaluate.widgets import TileBoard

LISTED_CLASSES = 30  # an image folder may have many; the header lists this many, then a count


class DataExplorer(TileBoard):
    def __init__(self, parent=None, seed: int | None = None):
        super().__init__(4, 4, 84, parent, seed)
        self.info = self.header
        self.info.setWordWrap(True)
        self.dataset = None  # the data set shown (the panel shows the one its run is scored on)
        self.images: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.classes: tuple = ()

    def set_data(self, data) -> None:
        """`data` is core's FashionData (or an image folder's ImageData, its duck type); only
        numpy copies of the training split are kept."""
        self.dataset = data
        self.images, self.labels = data.train_x.cpu().numpy(), data.train_y.cpu().numpy()
        self.classes = tuple(data.classes)
        dims = data.train_x.shape[1:]
        shape = " x ".join(str(s) for s in dims)
        kind = "colour" if len(dims) == 3 and dims[0] == 3 else "grey"
        names = [f"{i} {c}" for i, c in enumerate(self.classes)]
        if len(names) > LISTED_CLASSES:
            names = names[:LISTED_CLASSES] + [f"\u2026 and {len(names) - LISTED_CLASSES} more"]
        self.info.setText(
            f"<b>{html.escape(data.source)}</b><br>train: {len(data.train_x):,} images &nbsp; test: "
            f"{len(data.test_x):,} images &nbsp; image shape: {shape} ({kind}, uint8)<br>"
            f"{len(self.classes)} classes: " + html.escape(", ".join(names)))
        self.shuffle()

    def shuffle(self) -> None:
        if self.images is None:
            return
        # a small folder may hold fewer training images than there are tiles
        count = min(len(self.tiles), len(self.images))
        self.indices = self.rng.choice(len(self.images), count, replace=False)
        for k, tile in enumerate(self.tiles):
            if k < count:
                i = self.indices[k]
                tile.set_image(self.images[i], self.classes[int(self.labels[i])])
            else:
                tile.clear()
