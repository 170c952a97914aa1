"""The Training tab's views, one on show at a time as the workflow says (core/workflows): the
loss and accuracy curves of the image workflows, the line's fit (notebook 01) and the circles'
decision boundary (notebook 02), which the worker feeds with LiveScene and LiveFrame
(gui/training/live_frames.py) while a paced run plays or a preview shows an untrained model."""
from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget

from core import workflows
from gui.toy.circles_view import CirclesView
from gui.toy.line_view import LineView


class LiveViews(QStackedWidget):
    def __init__(self, plots, parent=None):
        super().__init__(parent)
        self.plots = plots  # gui/training/plots.py: the curves
        self.views = {workflows.VIEW_CURVES: plots, workflows.VIEW_LINE_FIT: LineView(),
                      workflows.VIEW_BOUNDARY: CirclesView()}
        for view in self.views.values():
            self.addWidget(view)
        self.last_frame = None  # the last frame shown (a paced run's, or a preview's)

    def show_for(self, workflow) -> None:
        self.setCurrentWidget(self.views[workflow.live_view])

    def set_scene(self, scene) -> None:
        """A paced run (or a preview) begins: its data, drawn in the view it names."""
        view = self.views.get(scene.view)
        if view is not None:
            view.set_scene(scene, scene.epochs)
            self.setCurrentWidget(view)
        self.last_frame = None

    def show_frame(self, frame) -> None:
        view = self.currentWidget()
        if view is not self.plots:
            view.show_frame(frame)
        self.last_frame = frame
