"""The seed's random-predictions plot: 9 test images titled "Pred: X | Truth: Y", green if right."""
from __future__ import annotations

import numpy as np

from core.evaluation.report import EvalReport
from gui.evaluate.widgets import RIGHT, WRONG, TileBoard


class PredictionGrid(TileBoard):
    COUNT = 9

    def __init__(self, parent=None, seed: int | None = None):
        super().__init__(3, 3, 112, parent, seed)
        self.title = self.header
        self.title.setStyleSheet("font-weight: bold;")
        self.report: EvalReport | None = None
        self.images: np.ndarray | None = None

    def show_report(self, report: EvalReport, images: np.ndarray, title: str) -> None:
        same = images is self.images and len(self.indices) and self.indices.max() < len(report.y_true)
        self.report, self.images = report, images
        self.title.setText(title)
        if same:
            self._draw()  # same images as before: a per-epoch refresh should not reshuffle them
        else:
            self.shuffle()

    def shuffle(self) -> None:
        if self.report is None:
            return
        # a small image folder may have fewer test images than tiles
        count = min(self.COUNT, len(self.report.y_true))
        self.indices = self.rng.choice(len(self.report.y_true), count, replace=False)
        self._draw()

    def _draw(self) -> None:
        names, pred = self.report.classes, self.report.y_pred
        for k, tile in enumerate(self.tiles):
            if k >= len(self.indices):
                tile.clear()
                continue
            i = self.indices[k]
            t, p = int(self.report.y_true[i]), int(pred[i])
            tile.set_image(self.images[i], f"Pred: {names[p]} | Truth: {names[t]}", RIGHT if t == p else WRONG)
