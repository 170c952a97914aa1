"""Bring any picture (a drawing, a photo, a file) to Fashion-MNIST's framing.

Fashion-MNIST items are light on a dark background, cropped to the object, scaled so the longest
side fills the 28-pixel frame, and centred. The CLI's `predict` and the drawing canvas use this
same function, so what the model sees is the same whichever way the picture came in.
"""
from __future__ import annotations

import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image, UnidentifiedImageError

from core.pictures.flood_fill import flood_region

SIZE = 28
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_SIDE = 8192  # pixels on either side; decoding is refused above this, before any memory is spent
INK_THRESHOLD = 0.15  # fraction of the brightest ink that counts as part of the object
KINDS = "PNG, JPEG, BMP, GIF, TIFF, WebP, …"
DESKEWS = ("box", "moments", "")
DESKEW = "box"          # how a tilted drawing is set upright (to_model_input)
CENTRE = "box"          # "box": bounding-box centre, as Fashion-MNIST; "mass": centre of mass
MAX_DESKEW_DEG = 20     # larger turns are taken as meant (a shoe drawn pointing up), not a tilt
MIN_ELONGATION = 0.15   # "moments" deskew: below this the shape has no clear axis
# Closed outlines of a drawing are filled (to_model_input, step 5): Fashion-MNIST's items are solid,
# and a model trained on them reads a bare outline as something thin (26% of outline drawings
# right against 71% of silhouettes; filled, 69%: benchmarks/bench_sketch.py).
FILL_LEVEL = 0.8        # the ink given to the inside of a closed outline, as a garment's body
OUTLINE_INK = 0.25      # at the model's size, a pixel at least this bright closes an outline
LINE_ART_SOLID = 0.5    # a picture is a drawing when at least this share of its ink is solid
_OPEN_LOCK = threading.Lock()


class ImageError(Exception):
    """The file is not an image TrainDesk can classify; the message says why."""


# How read_image words each problem checked_picture finds (core/pictures/decode.py has its own).
_WORDS = {"not_file": "{path} is not a file", "missing": "{path} does not exist",
          "unreadable": "cannot read {path}: {why}", "empty": "{path} is empty",
          "too_large": "{path} is {mb:.0f} MB; the limit is {limit} MB",
          "too_many_pixels": "{path}: {w}x{h} pixels is larger than the {side}x{side} that "
                             "TrainDesk reads",
          "not_image": "{path} is not an image ({kinds})",
          "undecodable": "{path} could not be decoded ({why}); is it truncated?"}


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as float32 grayscale in 0..1, [H, W]. Transparent parts become white."""
    path = Path(path)
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image")

    def fail(problem: str, **values) -> ImageError:
        return ImageError(_WORDS[problem].format(path=path, kinds=KINDS, **values))

    with checked_picture(path, fail) as im:
        im.load()
        return _to_gray(im)


@contextmanager
def checked_picture(path: Path, fail: Callable[..., Exception]) -> Iterator[Image.Image]:
    """The picture in `path`, its header read and its first frame chosen (animated images),
    after the guards every picture TrainDesk reads passes: a regular file (a pipe or device
    would block or never end), not empty, at most MAX_FILE_BYTES, at most MAX_SIDE pixels a side,
    checked from the header before a pixel is decoded. Decoding in the `with` body fails the
    same way as opening: `fail(problem, **values)` makes the exception to raise, with problem
    one of "not_file", "missing", "unreadable" (why), "empty", "too_large" (mb, limit),
    "too_many_pixels" (w, h, side), "not_image", "undecodable" (why)."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise fail("not_file")
        f = open(path, "rb")
    except FileNotFoundError:
        raise fail("missing") from None
    except OSError as e:
        raise fail("unreadable", why=e.strerror or e) from None
    with f:
        if st.st_size == 0:
            raise fail("empty")
        if st.st_size > MAX_FILE_BYTES:
            raise fail("too_large", mb=st.st_size / 1e6, limit=MAX_FILE_BYTES // 2**20)
        try:
            with _open_header(f) as im:
                if im.width > MAX_SIDE or im.height > MAX_SIDE:
                    raise fail("too_many_pixels", w=im.width, h=im.height, side=MAX_SIDE)
                im.seek(0)
                yield im
        except UnidentifiedImageError:
            raise fail("not_image") from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError, Image.DecompressionBombError) as e:
            raise fail("undecodable", why=e) from None


def _open_header(f) -> Image.Image:
    """Image.open reads only the header. Pillow's own bomb check would refuse a 20000x20000 file
    as 'not an image' (or warn) before its size can be told, so it is lifted while the header is
    read (under a lock, as the limit is global) and read_image checks the size itself."""
    with _OPEN_LOCK:
        old, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(f)
        finally:
            Image.MAX_IMAGE_PIXELS = old


def _to_gray(im: Image.Image) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        return (a / top).clip(0, 1).astype(np.float32)
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32)
        span = float(a.max() - a.min()) or 1.0
        return (a - a.min()) / span
    if "A" in im.getbands() or im.mode == "P" and "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba)
    return np.asarray(im.convert("L"), dtype=np.float32) / 255.0


def to_model_input(gray: np.ndarray, size: int = SIZE, *, deskew: str = DESKEW,
                   box: int | None = None, centre: str = CENTRE,
                   fill: bool | None = None) -> np.ndarray:
    """Grayscale [H, W] in 0..1 -> [size, size] float32, light object on black, framed like the data set.

    The framing, the same for every caller (the Draw tab, `predict`, the benchmarks):
      1. a light background is inverted and a paper tone subtracted;
      2. deskew: a slightly tilted drawing is turned upright ("box": the turn within
         +-MAX_DESKEW_DEG that gives the smallest bounding box, as clothes are drawn with straight
         hems, soles and sides; "moments": the principal axis from the image moments, when the
         shape is elongated enough to have one; "": not turned);
      3. the object is cropped and scaled so that its longest side fills `box` pixels (default:
         the whole frame, as Fashion-MNIST's items do; 20 gives MNIST's 20-in-28 box);
      4. it is placed by the centre of its bounding box ("box", as Fashion-MNIST is) or by its
         centre of mass ("mass", as MNIST is) in the middle of the frame;
      5. a drawing's closed outlines are filled (`fill`: None decides by the picture, filling
         line art, whose ink is mostly solid, and leaving a photo's shading alone).
    Fashion-MNIST's own images are never re-framed: this is for pictures given to predict.
    """
    a = np.asarray(gray, dtype=np.float32)
    if a.ndim != 2 or a.size == 0:
        raise ValueError("expected a 2-D grayscale image")
    # The background is whatever the border mostly is; a light background gets inverted.
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    if np.median(border) > 0.5:
        a, border = 1.0 - a, 1.0 - border
    a = (a - float(np.median(border))).clip(0, None)  # a grey paper tone is background, not ink
    peak = float(a.max())
    if peak <= 1e-6:
        return np.zeros((size, size), np.float32)  # blank: nothing drawn
    a = _crop(a / peak)
    if fill is None:
        fill = is_line_art(a)
    angle = _deskew_angle(a, deskew)
    if angle:
        img = Image.fromarray((a * 255).round().astype(np.uint8))
        a = _crop(np.asarray(img.rotate(angle, Image.Resampling.BILINEAR, expand=True), np.float32) / 255.0)
    box = size if box is None else min(box, size)
    h, w = a.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    # Box filtering when shrinking averages every source pixel: smooth edges, no lost thin strokes.
    img = Image.fromarray((a * 255).round().astype(np.uint8))
    resized = np.asarray(img.resize((nw, nh), Image.Resampling.BOX if scale < 1
                                    else Image.Resampling.BILINEAR), np.float32) / 255.0
    if centre == "mass" and resized.sum() > 0:
        ys, xs = np.indices(resized.shape)
        m = float(resized.sum())
        cy, cx = float((resized * ys).sum()) / m, float((resized * xs).sum()) / m
        top = int(np.clip(round((size - 1) / 2 - cy), 0, size - nh))
        left = int(np.clip(round((size - 1) / 2 - cx), 0, size - nw))
    else:
        top, left = (size - nh) // 2, (size - nw) // 2
    out = np.zeros((size, size), np.float32)
    out[top:top + nh, left:left + nw] = resized
    return fill_outlines(out) if fill else out


def is_line_art(a: np.ndarray) -> bool:
    """A drawing (strokes of solid ink, soft only at their edges), not a photo's shades: at least
    LINE_ART_SOLID of the ink (light on dark, 0..1 of its brightest) is within 10% of full."""
    ink = a > INK_THRESHOLD
    return bool(ink.any()) and float((a > 0.9).sum()) >= LINE_ART_SOLID * float(ink.sum())


def fill_outlines(x: np.ndarray, level: float = FILL_LEVEL) -> np.ndarray:
    """The inside of every closed outline in `x` (light on dark) gets at least `level`: what the
    dark background around the drawing cannot reach without crossing ink is inside it."""
    ink = x >= OUTLINE_INK
    if not ink.any():
        return x
    # A frame of background around it, so one flood from a corner reaches all the outside.
    outside = flood_region(np.pad(~ink, 1, constant_values=True), 0, 0)[1:-1, 1:-1]
    inside = ~ink & ~outside
    if not inside.any():
        return x
    out = x.copy()
    out[inside] = np.maximum(out[inside], level)
    return out


def _crop(a: np.ndarray) -> np.ndarray:
    """The bounding box of what counts as ink (above INK_THRESHOLD of the brightest)."""
    ink = a > INK_THRESHOLD
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return a
    return a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _deskew_angle(a: np.ndarray, how: str) -> float:
    """Degrees to turn the (cropped, light-on-dark) drawing counter-clockwise to make it upright;
    0 when it looks upright already or no tilt can be told."""
    if not how:
        return 0.0
    if how not in DESKEWS:
        raise ValueError(f"deskew {how!r}: one of {DESKEWS}")
    ys, xs = np.nonzero(a > INK_THRESHOLD)
    if len(xs) < 8:
        return 0.0
    step = max(1, len(xs) // 4000)  # a few thousand ink pixels tell the tilt as well as all
    ys, xs = ys[::step].astype(np.float64), xs[::step].astype(np.float64)
    xs -= xs.mean()
    ys -= ys.mean()
    if how == "moments":
        mu20, mu02, mu11 = (xs * xs).mean(), (ys * ys).mean(), (xs * ys).mean()
        if np.hypot(mu20 - mu02, 2 * mu11) < MIN_ELONGATION * (mu20 + mu02):
            return 0.0  # round or square: no axis to go by
        axis = 0.5 * np.degrees(np.arctan2(2 * mu11, mu20 - mu02))  # y down: clockwise from x
        tilt = (axis + 45) % 90 - 45  # the nearest of the horizontal and vertical axes
    else:
        angles = np.radians(np.arange(-MAX_DESKEW_DEG, MAX_DESKEW_DEG + 0.5, 1.0))
        c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
        u, v = c * xs - s * ys, s * xs + c * ys  # the ink turned by each angle (y down)
        areas = (np.ptp(u, axis=1) + 1) * (np.ptp(v, axis=1) + 1)
        best = int(np.argmin(areas))
        if best in (0, len(angles) - 1):
            return 0.0  # tightest at the end of the range: turned more than a tilt, on purpose
        if areas[best] > 0.97 * areas[len(angles) // 2]:
            return 0.0  # not clearly tighter than upright: leave it
        tilt = -np.degrees(angles[best])
    # PIL turns counter-clockwise for a positive angle; with y down, a drawing tilted clockwise
    # by `tilt` degrees is set upright by turning it counter-clockwise by the same amount.
    return float(tilt) if abs(tilt) <= MAX_DESKEW_DEG else 0.0
