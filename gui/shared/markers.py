"""Per-epoch markers that thin out as epochs grow: a few dozen dots read as points on a curve, a
thousand black-outlined ones (notebook 02's replay) read as a smear over every curve.

Up to FULL epochs a marker per epoch at its full size; up to SMALL epochs, small ones without an
outline; beyond, none: the per-epoch figures are a line in the run's colour.
"""
from __future__ import annotations

FULL = 60
SMALL = 250


def marker_size(epochs: int, full: int = 9) -> int:
    """The marker size for a curve of `epochs` points (0: draw no markers)."""
    if epochs <= FULL:
        return full
    if epochs <= SMALL:
        return max(3, full // 2)
    return 0


def outlined(epochs: int) -> bool:
    """Only markers that have room keep an outline."""
    return epochs <= FULL


def thin_plot(item) -> None:
    """A pyqtgraph PlotItem that stays quick and readable at 10,000 epochs: draws only what is
    in view, each pixel column's peaks rather than every point."""
    item.setClipToView(True)
    item.setDownsampling(auto=True, mode="peak")
