"""Flood fill on a numpy mask, vectorised: no per-pixel Python loop, so a click fills at once (the
Draw tab's Fill tool) and a drawing's outlines are filled cheaply (core.pictures.framing)."""
from __future__ import annotations

import numpy as np


def _spread_along_rows(mask: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """Grow `mask` to the whole horizontal run of open pixels that each of its pixels lies in."""
    h, w = open_.shape
    padded = np.zeros((h, w + 1), bool)
    padded[:, :w] = open_                        # a closed column ends every run at the row's end
    flat = padded.ravel()
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    run = np.cumsum(starts)                      # run id per pixel (meaningful where open)
    reached = np.zeros(run[-1] + 1, bool)
    flat_mask = np.zeros_like(flat)
    flat_mask.reshape(h, w + 1)[:, :w] = mask & open_
    reached[run[flat_mask]] = True
    return (reached[run] & flat).reshape(h, w + 1)[:, :w]


def flood_region(open_: np.ndarray, row: int, col: int) -> np.ndarray:
    """The 4-connected region of True pixels in `open_` containing (row, col); empty if closed."""
    mask = np.zeros_like(open_, dtype=bool)
    if not open_[row, col]:
        return mask
    mask[row, col] = True
    # Alternate whole-run spreads along rows and columns: a handful of rounds, one per bend.
    while True:
        grown = _spread_along_rows(mask, open_)
        grown = _spread_along_rows(grown.T, open_.T).T
        if np.array_equal(grown, mask):
            return mask
        mask = grown
