"""Sketch-robust training: drawing-like versions of Fashion-MNIST images mixed into each batch.

A model trained only on the photos has learned texture and shading; a drawing has neither, just a
flat silhouette or an outline. Replacing part of each batch with such versions (and small shifts,
rotations and scalings, since people do not centre their drawings perfectly) teaches the model the
shapes, while the untouched part keeps its accuracy on the photos.
All operations are batched tensor ops on the training device: no per-image Python in the loop.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from core.config import SKETCH_FRACTION



def _silhouette(x: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
    return (x > level).float()


def _dilate(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, 3, stride=1, padding=1)


def _erode(x: torch.Tensor) -> torch.Tensor:
    return -F.max_pool2d(-x, 3, stride=1, padding=1)


def _affine(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random rotation (+-12 deg), scale (0.8-1.05) and shift (+-2 px) per image."""
    n = len(x)
    r = torch.rand(n, 4, generator=g).to(x.device)
    angle = (r[:, 0] - 0.5) * 2 * math.radians(12)
    scale = 0.8 + 0.25 * r[:, 1]
    shift = (r[:, 2:] - 0.5) * 2 * (2 / 14)  # grid units: 1.0 is half the image (14 px)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def sketchify(x: torch.Tensor, g: torch.Generator, fraction: float = SKETCH_FRACTION) -> torch.Tensor:
    """Return a copy of the float batch [B, 1, 28, 28] (0..1) with `fraction` of it drawing-like.

    Each chosen image becomes, with equal odds: a filled silhouette, a thin outline, or a thick
    outline (a marker's stroke); then gets a small random affine change. Random numbers come from
    the CPU generator `g`, so a seeded run stays reproducible.
    """
    n = len(x)
    pick = torch.rand(n, generator=g) < fraction
    idx = pick.nonzero().flatten().to(x.device)
    if len(idx) == 0:
        return x
    src = x[idx].float()
    level = (0.05 + 0.2 * torch.rand(len(idx), 1, 1, 1, generator=g)).to(x.device)
    sil = _silhouette(src, level)
    thin = (sil - _erode(sil)).clamp(0, 1)
    thick = _dilate(thin)
    style = torch.randint(0, 3, (len(idx),), generator=g).to(x.device).view(-1, 1, 1, 1)
    drawn = torch.where(style == 0, sil, torch.where(style == 1, thin, thick))
    out = x.clone()
    out[idx] = _affine(drawn, g).to(out.dtype)
    return out
