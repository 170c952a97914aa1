"""The seed's random-predictions plot: 9 test images titled "Pred: X | Truth: Y", green if right."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.eval_report import EvalReport
from gui.eval.widgets import RIGHT, WRONG, tile_grid


class PredictionGrid(QWidget):
    COUNT = 9

    def __init__(self, parent=None, seed: int | None = None):
        super().__init__(parent)
        self.rng = np.random.default_rng(seed)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.reshuffle = QPushButton("Reshuffle")
        self.reshuffle.clicked.connect(self.shuffle)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.reshuffle)
        grid, self.tiles = tile_grid(3, 3, 112)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(grid, 1)
        self.report: EvalReport | None = None
        self.images: np.ndarray | None = None
        self.indices = np.empty(0, dtype=np.int64)

    def show_report(self, report: EvalReport, images: np.ndarray, title: str) -> None:
        self.report, self.images = report, images
        self.title.setText(title)
        if len(self.indices) and self.indices.max() < len(report.y_true):
            self._draw()  # same images as before: a per-epoch refresh should not reshuffle them
        else:
            self.shuffle()

    def shuffle(self) -> None:
        if self.report is None:
            return
        self.indices = self.rng.choice(len(self.report.y_true), self.COUNT, replace=False)
        self._draw()

    def _draw(self) -> None:
        names, pred = self.report.classes, self.report.y_pred
        for tile, i in zip(self.tiles, self.indices):
            t, p = int(self.report.y_true[i]), int(pred[i])
            tile.set_image(self.images[i], f"Pred: {names[p]} | Truth: {names[t]}", RIGHT if t == p else WRONG)
