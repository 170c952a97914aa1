"""Light or dark: follow the system's colour scheme, and give the plots colours that suit it."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap

CHOICE_KEY = "view/theme"
CHOICES = ("system", "light", "dark")
_choice = "system"  # View ▸ Theme: the system's scheme, or light or dark whatever it says
_own_palette = False  # the application's palette is ours (dark_palette or the style's), not the platform's


def load_choice(settings) -> str:
    value = str(settings.value(CHOICE_KEY, "system"))
    return value if value in CHOICES else "system"  # a damaged value: follow the system


def save_choice(settings, choice: str) -> None:
    settings.setValue(CHOICE_KEY, choice if choice in CHOICES else "system")


def apply_choice(choice: str) -> None:
    """Follow the system (\"system\") or hold light or dark: Qt's style hints are asked for it
    (Qt 6.8+), and the palette is set to match where the platform does not change it itself
    (X11 without a desktop theme, offscreen), so every widget, plot and the log follow."""
    global _choice, _own_palette
    _choice = choice if choice in CHOICES else "system"
    app = QGuiApplication.instance()
    if app is None:
        return
    if _own_palette and hasattr(app, "style"):  # the platform's palette back before asking it
        app.setPalette(app.style().standardPalette())
        _own_palette = False
    hints = app.styleHints()
    wanted = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(
        _choice, Qt.ColorScheme.Unknown)
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(wanted)
    match_palette()


def match_palette() -> None:
    """Give the application a dark palette when the scheme is dark and the platform's is light,
    and the style's own back when light is wanted over a dark palette we set."""
    global _own_palette
    app = QGuiApplication.instance()
    if app is None or not hasattr(app, "style"):
        return
    dark = is_dark()
    palette_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    if dark != palette_dark:
        _own_palette = True
        app.setPalette(dark_palette() if dark else app.style().standardPalette())


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = QPalette.ColorRole
    for role, color in ((roles.Window, "#2b2d31"), (roles.WindowText, "#e0e0e0"),
                        (roles.Base, "#1e1f22"), (roles.AlternateBase, "#26282c"),
                        (roles.ToolTipBase, "#2b2d31"), (roles.ToolTipText, "#e0e0e0"),
                        (roles.Text, "#e0e0e0"), (roles.Button, "#35373c"),
                        (roles.ButtonText, "#e0e0e0"), (roles.BrightText, "#ff6b6b"),
                        (roles.Highlight, "#3d7cc9"), (roles.HighlightedText, "#ffffff"),
                        (roles.Link, "#6cb4ff"), (roles.PlaceholderText, "#9a9a9a"),
                        (roles.Light, "#4a4c52"), (roles.Midlight, "#3e4046"),
                        (roles.Mid, "#5a5c62"), (roles.Dark, "#18191b"), (roles.Shadow, "#000000")):
        pal.setColor(role, QColor(color))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return pal


def is_dark() -> bool:
    """True when dark is chosen, or the system (or the palette, where the platform does not say)
    is dark while the system's scheme is followed."""
    if _choice != "system":
        return _choice == "dark"
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
    if not hasattr(view, "getPlotItem"):  # a legend in a column of its own (the runs' curves)
        for item in view.ci.items:
            if hasattr(item, "setLabelTextColor"):
                item.setLabelTextColor(fg)


def tinted(icon: QIcon, color: QColor) -> QIcon:
    """`icon` in one colour (the palette's button text): the style's black media icons vanish on a
    dark toolbar. Pixmaps from 16 to 64 pixels, so every scale finds a sharp one."""
    out = QIcon()
    for side in (16, 24, 32, 48, 64):
        source = icon.pixmap(side, side)
        if source.isNull():
            continue
        pm = QPixmap(source.size())
        pm.setDevicePixelRatio(source.devicePixelRatio())
        pm.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pm)
        painter.drawPixmap(0, 0, source)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pm.rect(), color)
        painter.end()
        out.addPixmap(pm)
    return out
