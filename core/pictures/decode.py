"""One picture file -> the uint8 [3, S, S] RGB an image-folder model reads: any colour mode or
format Pillow opens, turned upright by its EXIF tag, transparency on white, stretched to S x S.
The image-folder loader reads every file this way, and so does `predict` for a folder model.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from core.pictures.framing import _to_gray, checked_picture

DEFAULT_SIZE = 64
MIN_SIZE, MAX_SIZE = 8, 512
KINDS = "PNG, JPEG, BMP, WebP, TIFF, GIF, PPM/PGM"


class ImageReadError(Exception):
    """One file cannot be read. str() names the file; `reason` is the why alone (one line)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


def check_size(size) -> int:
    whole = isinstance(size, (int, np.integer)) and not isinstance(size, bool)
    if not whole or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"image size {size!r}: a whole number of pixels, {MIN_SIZE} to {MAX_SIZE}")
    return int(size)


def load_photo(path, size: int = DEFAULT_SIZE) -> np.ndarray:
    """Any picture file -> uint8 [3, size, size], exactly as load_image_folder reads each file."""
    return _decode(Path(path), check_size(size))


# How a skipped file's reason is worded (core.pictures.framing.checked_picture names the problem).
_WORDS = {"not_file": "not a regular file", "missing": "does not exist (a broken link?)",
          "unreadable": "cannot be read: {why}", "empty": "the file is empty",
          "too_large": "the file is {mb:.0f} MB; the limit is {limit} MB",
          "too_many_pixels": "{w}x{h} pixels is larger than the {side}x{side} that TrainDesk reads",
          "not_image": "not an image ({kinds})",
          "undecodable": "could not be decoded ({why}); is it truncated?"}


def _failure(path: Path, reason: str) -> ImageReadError:
    reason = " ".join(reason.split())  # one line, whatever Pillow said
    return ImageReadError(f"{path}: {reason}", reason)


def _decode(path: Path, size: int) -> np.ndarray:
    def fail(problem: str, **values) -> ImageReadError:
        return _failure(path, _WORDS[problem].format(kinds=KINDS, **values))

    # The guards of every picture read (core.pictures.framing.checked_picture): one bad file cannot
    # hang or exhaust the loader.
    try:
        with checked_picture(path, fail) as im:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale while both sides stay >= size: a 12 MP
            # photo loads several times faster. Other formats ignore it.
            im.draft("RGB", (size, size))
            im.load()
            rgb = _to_rgb(_upright(im))
            # "stretch": the whole picture to size x size, aspect ignored, as notebook 04's
            # Resize((64, 64)). Pillow's bilinear widens its kernel when shrinking (no
            # aliasing); reducing_gap box-reduces big pictures first, for speed.
            out = rgb.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
            return np.ascontiguousarray(np.asarray(out, dtype=np.uint8).transpose(2, 0, 1))
    except ImageReadError as e:  # _to_rgb's says no path; the guards' keep theirs (reason)
        raise _failure(path, e.reason) from None


def _upright(im: Image.Image) -> Image.Image:
    """Phone photos are stored sideways with an EXIF orientation; turn them as a viewer would."""
    try:
        return ImageOps.exif_transpose(im)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError):
        return im  # broken EXIF: the pixels are still good, as stored


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I") or im.mode == "F":
        # 16/32-bit grey and float: scaled to 0..1 by core.pictures.framing's rule (16-bit by 65535,
        # float by its range), so a 16-bit PNG is not clipped at 255.
        im = Image.fromarray(np.round(_to_gray(im) * 255).astype(np.uint8), "L")
    if "A" in im.getbands() or "a" in im.getbands() or "transparency" in im.info:
        rgba = im.convert("RGBA")  # also applies a palette's or a grey PNG's transparent colour
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)),
                                     rgba).convert("RGB")  # transparent parts become white
    if im.mode == "RGB":
        return im
    try:
        return im.convert("RGB")  # L, 1, P, CMYK (Pillow undoes Adobe's inverted CMYK), YCbCr
    except ValueError:
        raise ImageReadError(f"colour mode {im.mode} is not supported") from None
