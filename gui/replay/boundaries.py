"""Notebook 02's own figure in its replay: each model's decision boundary over the train and the
test points, side by side, drawn from the checkpoint it saved (the Training tab's circles view
draws the same boundary live: gui/toy/circles_view.py's BoundaryPlot)."""
from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QGridLayout, QWidget

from gui.shared.theme import plot_colors
from gui.toy.circles_view import BoundaryPlot


class ReplayBoundaries(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.plots: dict[str, tuple[BoundaryPlot, BoundaryPlot]] = {}  # model -> (train, test)
        self._data = None  # (ToyData, Grid): the circles every notebook 02 model trains on
        self.setAccessibleName("Decision boundaries")

    def clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.plots.clear()

    def add_model(self, title: str, checkpoint_path: str) -> Optional[str]:
        """Draw the boundary of the model saved at `checkpoint_path` (a model of two inputs; others
        are left out); why it could not be loaded, in a line, or None."""
        from core import checkpoint
        from core.data.toy import make_circles
        from core.data.toy_views import boundary_grid, probabilities

        try:
            model = checkpoint.load(checkpoint_path).model.eval()
        except checkpoint.CheckpointError as e:
            return f"{title}: {e}"
        weights = next((p for p in model.parameters() if p.ndim == 2), None)
        if weights is None or weights.shape[1] != 2:
            return None  # not a model of the circles (the notebook's line check): no boundary
        if self._data is None:
            data = make_circles()
            self._data = (data, boundary_grid(data.train_x.numpy(), data.test_x.numpy()))
        data, grid = self._data
        prob = probabilities(model, grid)
        rect = (grid.x0, grid.y0, grid.width, grid.height)
        # One row: each model's train and test side by side, so every plot stays near square
        # (their aspect is locked: a wide plot only adds empty margins).
        first = 2 * len(self.plots)
        pair = (BoundaryPlot(f"{title}: train"), BoundaryPlot(f"{title}: test"))
        for col, (plot, x, y) in enumerate(((pair[0], data.train_x, data.train_y),
                                            (pair[1], data.test_x, data.test_y))):
            # small enough to stay whole in a quarter of the width
            plot.setTitle(f"{title}: {'train' if col == 0 else 'test'}", size="8pt",
                          color=plot_colors().foreground)
            plot.set_points(x.numpy(), y.numpy().reshape(-1, 1), rect)
            plot.set_probabilities(prob)
            plot.setAccessibleName(f"{title} decision boundary, {'train' if col == 0 else 'test'}")
            self.grid.addWidget(plot, 0, first + col)
        self.plots[title] = pair
        return None
