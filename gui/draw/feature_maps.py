"""Inside the chosen model: the feature maps of each conv block, and which strokes drove the answer."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.draw.pixel_view import PixelView

MAP_COLUMNS = 5
METHOD_TEXT = {"grad-cam": "Grad-CAM (last convolution)", "saliency": "saliency (gradient × input)"}


class FeatureMapsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heat = PixelView(tile=140)
        self._block_labels = [QLabel(), QLabel()]
        self._block_views = [PixelView(tile=44), PixelView(tile=44)]
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.heading)
        lay.addWidget(self.heat)
        for label, view in zip(self._block_labels, self._block_views):
            lay.addWidget(label)
            lay.addWidget(view)
        lay.addStretch(1)
        self.show_nothing("Draw something to see what drives the answer.")

    def show_nothing(self, text: str):
        self.heading.setText(text)
        self.heat.clear()
        for label, view in zip(self._block_labels, self._block_views):
            label.hide()
            view.hide()

    def show_explanation(self, model_name: str, classes: list[str], image28, e):
        self.heading.setText(f"<b>{model_name}</b>: where “{classes[e.target]}” came from, "
                             f"by {METHOD_TEXT.get(e.method, e.method)}. Bright = pushed hardest.")
        picture = np.asarray(image28)
        # a colour model's picture under its heat map in grey (luma), as the grey models' are
        gray = picture if picture.ndim == 2 else np.tensordot([0.299, 0.587, 0.114], picture, axes=1)
        self.heat.show_heat(gray, e.heat)
        for i, (label, view) in enumerate(zip(self._block_labels, self._block_views)):
            if i < len(e.blocks):
                name, maps = e.blocks[i]
                label.setText(f"{name}: {maps.shape[0]} feature maps, {maps.shape[1]}×{maps.shape[2]}")
                view.show_arrays(list(maps), cols=MAP_COLUMNS)
                label.show()
                view.show()
            else:
                label.setText("Feature maps: only for CNNs (this model has no conv blocks)."
                              if i == 0 else "")
                label.setVisible(i == 0)
                view.hide()
