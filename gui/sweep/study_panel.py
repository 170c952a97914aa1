"""StudyPanel: under a study's scatter (gui/sweep/sweep_view.py), its optimisation history (each
completed trial's figure against its number, and the best so far as a step line) and Optuna's
parameter importances once enough trials have completed (core/sweep/study_read.py reads both)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.evaluate.widgets import StateStack
from gui.shared.theme import follow_theme
from gui.sweep.sweep_plot import NAMES

BEST_PEN = "#2ca02c"


class StudyPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.history = pg.PlotWidget()
        self.history.setMenuEnabled(False)
        self.history.showGrid(x=True, y=True, alpha=0.15)
        self.history.setTitle("Optimisation history", size="9pt")
        self.history.setLabel("bottom", "trial number")
        self.trials_item = pg.ScatterPlotItem(size=7, brush=pg.mkBrush("#1f77b4b0"),
                                              pen=pg.mkPen("#00000080"))
        self.best_item = pg.PlotDataItem(pen=pg.mkPen(BEST_PEN, width=2))
        self.history.addItem(self.trials_item)
        self.history.addItem(self.best_item)
        follow_theme(self.history)
        self.importance = pg.PlotWidget()
        self.importance.setMenuEnabled(False)
        self.importance.setTitle("Parameter importances", size="9pt")
        self.importance.setLabel("bottom", "share of the figure's variation")
        self.importance.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brush="#9467bd")
        self.importance.addItem(self.bars)
        follow_theme(self.importance)
        self.history_state = StateStack(self.history, "The history starts with the first completed trial.")
        self.importance_state = StateStack(self.importance, "")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.history_state, 3)
        lay.addWidget(self.importance_state, 2)
        self.best_so_far: list[tuple[int, float]] = []  # what the step line shows (tests read it)
        self.importances: dict = {}

    def show_study(self, data: dict, regression: bool) -> None:
        history = data.get("history") or []
        self.history.setLabel("left", "test loss" if regression else "test accuracy (%)")
        self.trials_item.setData([n for n, _, _ in history], [v for _, v, _ in history])
        self.best_so_far = [(n, best) for n, _, best in history]
        xs, ys = [], []
        for k, (n, best) in enumerate(self.best_so_far):  # a step line: flat until a better trial
            if k:
                xs.append(n)
                ys.append(self.best_so_far[k - 1][1])
            xs.append(n)
            ys.append(best)
        last = max((t["number"] for t in data.get("trials") or []), default=None)
        if xs and last is not None and last > xs[-1]:
            xs.append(last)
            ys.append(ys[-1])
        self.best_item.setData(xs, ys)
        if history:
            self.history_state.show_content()
        else:
            self.history_state.show_message("The history starts with the first completed trial.")
        self.importances = dict(data.get("importances") or {})
        if self.importances:
            names = list(reversed(list(self.importances)))  # the most important on top
            self.bars.setOpts(x0=[0] * len(names), y=list(range(len(names))),
                              width=[self.importances[n] for n in names], height=0.6)
            self.importance.getAxis("left").setTicks([[(i, NAMES.get(n, n)) for i, n in enumerate(names)]])
            self.importance.setXRange(0, 1, padding=0.02)
            self.importance.setYRange(-0.6, len(names) - 0.4, padding=0)
            self.importance_state.show_content()
        else:
            from core.sweep.study_read import IMPORTANCE_AFTER
            self.importance_state.show_message(
                f"Parameter importances appear once {IMPORTANCE_AFTER} trials have completed.")
