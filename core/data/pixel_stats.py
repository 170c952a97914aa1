"""Per-channel mean and standard deviation of a training set's pixels, as the input recipe's
mean and std (in 0..1 units): normalising an image folder by its own figures, as one would with
torchvision's Normalize, starts every channel near mean 0 and spread 1 whatever the photos' light,
so a model learns from the first steps instead of spending them on the pixels' offset."""
from __future__ import annotations

import torch

CHUNK = 4096  # images at a time: a large folder is never copied whole to float
MIN_STD = 1e-3  # a channel that never changes (a blank folder) keeps a usable divisor


def channel_mean_std(pixels: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """uint8 images [N, C, H, W] -> (mean per channel, std per channel) of pixels / 255,
    summed in float64 so the figures do not depend on the chunking."""
    c = pixels.shape[1]
    total = torch.zeros(c, dtype=torch.float64)
    squares = torch.zeros(c, dtype=torch.float64)
    for i in range(0, len(pixels), CHUNK):
        x = pixels[i:i + CHUNK].to("cpu", torch.float64) / 255.0
        total += x.sum(dim=(0, 2, 3))
        squares += (x * x).sum(dim=(0, 2, 3))
    count = max(1, pixels.numel() // c)
    mean = total / count
    std = (squares / count - mean * mean).clamp(min=0).sqrt().clamp(min=MIN_STD)
    return (tuple(round(float(m), 4) for m in mean), tuple(round(float(s), 4) for s in std))
