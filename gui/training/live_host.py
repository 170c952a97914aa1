"""The Training tab's views in the main window: the curves, and the live views of the paced
workflows (the line's fit, the circles' boundary), one on show at a time, as the workflow says.

A mixin of MainWindow (gui/main_window.py): it owns `plots`, `live_stack`, `_plot_layout`,
`plot_placeholder`, `panel` and `plots_ready`; the Diagnosis panel (`diagnosis`,
gui/training/diagnosis_panel.py) sits on the views' right.
"""
from __future__ import annotations


class LiveHost:
    def _build_plots(self) -> None:
        """Built once torch is in (pyqtgraph takes a second to import)."""
        from gui.training.live_views import LiveViews
        from gui.training.plots import TrainingPlots
        from gui.training.diagnosis_panel import DiagnosisPanel, beside
        self.plots = TrainingPlots()
        self.live_stack = LiveViews(self.plots)
        self.diagnosis = DiagnosisPanel()  # what the run's numbers say went wrong, beside them
        self.diagnosis.connect_session(self.session)
        views = beside(self.live_stack, self.diagnosis)
        self._plot_layout.replaceWidget(self.plot_placeholder, views)
        self.plot_placeholder.deleteLater()
        self._plot_layout.setStretchFactor(views, 1)
        self._show_live_view()
        self.plots_ready.emit()

    @property
    def live_views(self) -> dict:
        """core.workflows VIEW_* -> the widget that draws it (empty until the plots are built)."""
        return {} if self.live_stack is None else self.live_stack.views

    @property
    def last_frame(self):
        """The last live frame shown: a paced run's or a preview's (None: none since the scene)."""
        return None if self.live_stack is None else self.live_stack.last_frame

    def _live(self, method: str, item) -> None:
        if self.live_stack is not None:  # built with the plots, once torch is in
            getattr(self.live_stack, method)(item)

    def _show_live_view(self) -> None:
        if self.live_stack is not None:
            self.live_stack.show_for(self._workflow())

