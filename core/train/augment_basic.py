"""Plain training augmentation for the image models: random horizontal flips and random shifts
(--flip, --shift), on whole batches of tensors on the training device, no per-image Python; and
notebook 04's TrivialAugment (--trivial-augment), one image at a time.

A garment mirrored left to right is still the same garment, and a few pixels off centre is still
where a photo might put it: both give the model variations it meets at test time without a
single extra image. Random numbers come from the CPU generator the trainer passes
(`Trainer.augment_generator`), so a seeded run stays reproducible and `train --resume` bit-exact.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def flip_and_shift(x: torch.Tensor, g: torch.Generator, flip: bool = False,
                   shift: int = 0) -> torch.Tensor:
    """The batch [B, C, H, W] with each image mirrored left to right at even odds (`flip`), then
    moved by a whole number of pixels from -shift to +shift in each direction, the uncovered
    edge filled with 0 (Fashion-MNIST's background). `x` itself is left as it is."""
    n = len(x)
    if n == 0 or not (flip or shift > 0):
        return x
    if flip:
        mirrored = (torch.rand(n, generator=g) < 0.5).to(x.device).view(n, 1, 1, 1)
        x = torch.where(mirrored, x.flip(-1), x)
    if shift > 0:
        c, h, w = x.shape[1:]
        offset = torch.randint(0, 2 * shift + 1, (n, 2), generator=g).to(x.device)
        padded = F.pad(x, (shift, shift, shift, shift))  # zeros around: [B, C, H+2s, W+2s]
        wide = w + 2 * shift
        rows = offset[:, 0].view(n, 1, 1) + torch.arange(h, device=x.device).view(1, h, 1)
        cols = offset[:, 1].view(n, 1, 1) + torch.arange(w, device=x.device).view(1, 1, w)
        index = (rows * wide + cols).view(n, 1, h * w).expand(n, c, h * w)
        x = padded.reshape(n, c, -1).gather(2, index).view(n, c, h, w)
    return x


_TRIVIAL = {}  # one TrivialAugmentWide, made on first use (torchvision's transforms import slowly)


def trivial_augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Each image of the float batch [B, C, H, W] (0..1) with one TrivialAugmentWide change, as
    notebook 04 trains its augmented TinyVGG (31 strength bins). torchvision draws from torch's
    global random stream, so each batch runs in a forked stream seeded from `g`: the run stays
    reproducible and resumable, and nothing else's random numbers move."""
    if len(x) == 0:
        return x
    if "t" not in _TRIVIAL:
        from torchvision.transforms import v2
        _TRIVIAL["t"] = v2.TrivialAugmentWide(num_magnitude_bins=31)
    augment = _TRIVIAL["t"]
    seed = int(torch.randint(0, 2**62, (1,), generator=g))
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        # One image at a time: given a batch, the transform would make the same change to all.
        out = torch.stack([augment(img) for img in x])
    channels_last = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    return out.contiguous(memory_format=torch.channels_last) if channels_last else out  # as it came
