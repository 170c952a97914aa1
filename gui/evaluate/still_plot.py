"""A themed plot that stays put: no pan, zoom, menu or buttons, first row on top (bar charts)."""
from __future__ import annotations

import pyqtgraph as pg

from gui.shared.theme import follow_theme


def still_plot() -> tuple[pg.PlotWidget, pg.PlotItem]:
    plot = pg.PlotWidget()
    follow_theme(plot)
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    item.invertY(True)
    return plot, item
