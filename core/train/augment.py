"""Sketch-robust training: drawing-like versions of Fashion-MNIST images mixed into each batch.

A model trained only on the photos has learned texture and shading; a drawing has neither, just a
flat silhouette or an outline. Replacing part of each batch with such versions (silhouettes,
outlines of many pen widths, outlines with inner lines, mirrored as often as not, with small shifts,
rotations and scalings, since the framing does not make a drawing exactly upright and centred)
teaches the model the shapes, while the untouched part keeps its accuracy on the photos.
All operations are batched tensor ops on the training device: no per-image Python in the loop.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from core.config import SKETCH_FRACTION

# The drawings' variations, measured on the realistic drawing set (benchmarks/bench_sketch.py).
# Drawings given to predict are deskewed and framed first (core/pictures/framing.py), so what is left
# to learn is a few degrees of tilt and a little size and place; wider ranges (12 degrees, 0.8x)
# read fewer drawings. Sketches are drawn at HIRES times the resolution and box-filtered down, as
# the canvas's 280-pixel strokes are when framed into 28: edges and thin strokes come out grey.
HIRES = 2
MAX_TURN_DEG = 6         # rotation either way (the tilt deskewing leaves)
SCALE = (0.9, 1.05)      # size in the frame (1: as the photo; the framing fills the frame)
MAX_SHIFT_PX = 2         # shift either way, in 28-pixel units
STROKE_PX = (1, 6)       # outline widths at HIRES resolution, inclusive: 0.5-3 pixels at 28
DETAIL_LEVEL = 0.35      # a line drawing's inner lines: edges above this share of the strongest
STYLES = 3               # 2: silhouettes and outlines; 3: also outlines with inner lines
FLIP = 0.5               # odds of a mirrored drawing (a shoe drawn pointing right; photos never are)


def _silhouette(x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
    return (x > level).float()


def _dilate(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, 3, stride=1, padding=1)


def _erode(x: torch.Tensor) -> torch.Tensor:
    return -F.max_pool2d(-x, 3, stride=1, padding=1)


def _outline(sil: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """The silhouettes' edges as strokes `width` pixels wide (per image, [N] ints >= 1), laid
    over the edge as a pen follows it: about half outside, half inside."""
    out = torch.zeros_like(sil)
    grown, shrunk = sil, sil
    for k in range(1, STROKE_PX[1] + 1):  # k: the stroke width reached after this step (no sync)
        if k % 2:
            shrunk = _erode(shrunk)
        else:
            grown = _dilate(grown)
        done = (width == k).view(-1, 1, 1, 1)
        out = torch.where(done, (grown - shrunk).clamp(0, 1), out)
    return out


def _details(photo: torch.Tensor, sil: torch.Tensor) -> torch.Tensor:
    """Lines inside the object where the photo's brightness changes sharply (a placket, a zip, a
    collar, a sole): what a person draws inside an outline."""
    gx = photo[..., :, 2:] - photo[..., :, :-2]
    gy = photo[..., 2:, :] - photo[..., :-2, :]
    grad = torch.hypot(F.pad(gx, (1, 1, 0, 0)), F.pad(gy, (0, 0, 1, 1)))
    top = grad.flatten(1).amax(1).clamp_min(1e-6).view(-1, 1, 1, 1)
    return ((grad > DETAIL_LEVEL * top).float() * _erode(_erode(sil))).clamp(0, 1)


def _affine(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random rotation (+-MAX_TURN_DEG), scale (SCALE), shift (+-MAX_SHIFT_PX) and left-right
    mirroring (odds FLIP) per image."""
    n = len(x)
    r = torch.rand(n, 5, generator=g).to(x.device)
    angle = (r[:, 0] - 0.5) * 2 * math.radians(MAX_TURN_DEG)
    scale = SCALE[0] + (SCALE[1] - SCALE[0]) * r[:, 1]
    shift = (r[:, 2:] - 0.5) * 2 * (MAX_SHIFT_PX / 14)  # grid units: 1.0 is half the image (14 px)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    mirror = 1.0 - 2.0 * (r[:, 4] < FLIP).float()  # -1: the source is read right to left
    theta = torch.stack([torch.stack([cos * mirror, -sin, shift[:, 0]], 1),
                         torch.stack([sin * mirror, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def sketchify(x: torch.Tensor, g: torch.Generator, fraction: float = SKETCH_FRACTION) -> torch.Tensor:
    """Return a copy of the float batch [B, 1, 28, 28] (0..1) with `fraction` of it drawing-like.

    Each chosen image becomes, with equal odds, a filled silhouette, an outline, or an outline with
    the inner lines a person would draw (a placket, a zip, a sole); outlines are STROKE_PX wide (a
    fine pen to a marker). All are drawn at HIRES times the resolution and box-filtered down, as the
    canvas's drawings are, then get a small random affine change and are mirrored half the time (a
    drawing's tilt, size and place that the framing did not take out, a shoe drawn pointing right).
    Random numbers come from the CPU generator `g` only, so a seeded run stays reproducible (and
    `train --resume` bit-exact).
    """
    n = len(x)
    pick = torch.rand(n, generator=g) < fraction
    idx = pick.nonzero().flatten().to(x.device)
    if len(idx) == 0:
        return x
    m = len(idx)
    src = x[idx].float()
    level = (0.05 + 0.2 * torch.rand(m, 1, 1, 1, generator=g)).to(x.device)
    style = torch.randint(0, STYLES, (m,), generator=g).to(x.device).view(-1, 1, 1, 1)
    width = torch.randint(STROKE_PX[0], STROKE_PX[1] + 1, (m,), generator=g).to(x.device)
    big = F.interpolate(src, scale_factor=HIRES, mode="bilinear", align_corners=False)
    sil = _silhouette(big, level)
    lines = _outline(sil, width)
    if STYLES > 2:
        lines = torch.where(style == 2, torch.maximum(lines, _details(big, sil)), lines)
    drawn = torch.where(style == 0, sil, lines)
    drawn = F.avg_pool2d(drawn, HIRES)
    out = x.clone()
    out[idx] = _affine(drawn, g).clamp(0, 1).to(out.dtype)
    return out


def augmenter(config, uses: set, generator: torch.Generator):
    """The run's augmentation of a training batch as one function (identity when it has none):
    flips and shifts, then sketches, then TrivialAugment, each only where the settings ask for it
    and the workflow reads that setting (`uses`)."""
    from core.train.augment_basic import flip_and_shift, trivial_augment

    sketch = config.augment == "sketch" and "augment" in uses
    flip = config.flip and "flip" in uses
    shift = config.shift if "shift" in uses else 0
    trivial = config.trivial_augment and "trivial_augment" in uses

    def augment(xb: torch.Tensor) -> torch.Tensor:
        if flip or shift:
            xb = flip_and_shift(xb, generator, flip, shift)
        if sketch:
            xb = sketchify(xb, generator, config.sketch_fraction)
        if trivial:
            xb = trivial_augment(xb, generator)
        return xb
    return augment
