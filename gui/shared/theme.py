"""Light or dark: follow the system's colour scheme, and give the plots colours that suit it."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette


def is_dark() -> bool:
    """True when the system (or the palette, where the platform does not say) is dark."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    # Platforms that report no scheme still hand out a dark palette in dark mode.
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


@dataclass(frozen=True)
class PlotColors:
    background: str
    foreground: str
    train: str
    test: str
    batch: str        # the smoothed per-batch curve: quieter than the per-epoch ones
    hover_fill: str


LIGHT = PlotColors("#ffffff", "#303030", "#1f6fc5", "#d4610b", "#7f9fc8", "#ffffffe6")
DARK = PlotColors("#1e1f22", "#d8d8d8", "#6cb4ff", "#ffa657", "#5a7fa8", "#2b2d31e6")


def plot_colors(dark: bool | None = None) -> PlotColors:
    """Plot colours for the current scheme; the background follows the palette's base colour."""
    dark = is_dark() if dark is None else dark
    base = DARK if dark else LIGHT
    app = QGuiApplication.instance()
    if app is None:
        return base
    pal = app.palette()
    bg = pal.color(QPalette.ColorRole.Base)
    # Only take the palette's colours when they agree with the scheme (a light palette under a
    # dark scheme is a platform without a dark palette: keep ours, or the text would vanish).
    if (bg.lightness() < 128) == dark:
        return PlotColors(bg.name(), pal.color(QPalette.ColorRole.Text).name(),
                          base.train, base.test, base.batch, base.hover_fill)
    return base


# pyqtgraph views outside the live plots (evaluation, toy workbench) that take the scheme's colours.
_followers: "weakref.WeakSet" = weakref.WeakSet()


def follow_theme(view) -> None:
    """Colour a pyqtgraph view (a PlotWidget, or a GraphicsLayoutWidget of plots) for the scheme now,
    and again on each restyle() (the window calls it when the system's scheme changes)."""
    _followers.add(view)
    style_view(view, plot_colors())


def restyle(colors: PlotColors | None = None) -> None:
    colors = colors or plot_colors()
    for view in list(_followers):
        try:
            style_view(view, colors)
        except RuntimeError:  # its C++ side is gone (the panel was closed)
            _followers.discard(view)


def style_view(view, colors: PlotColors) -> None:
    """Background, axes, title and legend text of a pyqtgraph view in the given colours."""
    fg = colors.foreground
    view.setBackground(colors.background)
    if hasattr(view, "getPlotItem"):
        items = [view.getPlotItem()]
    else:
        items = [item for item in view.ci.items if hasattr(item, "getAxis")]
    for item in items:
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(fg)
            axis.setTextPen(fg)
        if item.titleLabel.text:
            item.setTitle(item.titleLabel.text, color=fg)
        if item.legend is not None:
            item.legend.setLabelTextColor(fg)
