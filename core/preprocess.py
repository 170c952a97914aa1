"""Bring any picture (a drawing, a photo, a file) to Fashion-MNIST's framing.

Fashion-MNIST items are light on a dark background, cropped to the object, scaled so the longest
side fills the 28-pixel frame, and centred. The CLI's `predict` and the drawing canvas use this
same function, so what the model sees is the same whichever way the picture came in.
"""
from __future__ import annotations

import stat
import threading
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

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
_OPEN_LOCK = threading.Lock()


class ImageError(Exception):
    """The file is not an image TrainDesk can classify; the message says why."""


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as float32 grayscale in 0..1, [H, W]. Transparent parts become white."""
    path = Path(path)
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a pipe or device would block or never end
            raise ImageError(f"{path} is not a file")
        size, f = st.st_size, open(path, "rb")
    except FileNotFoundError:
        raise ImageError(f"{path} does not exist") from None
    except OSError as e:
        raise ImageError(f"cannot read {path}: {e.strerror or e}") from None
    with f:
        if size == 0:
            raise ImageError(f"{path} is empty")
        if size > MAX_FILE_BYTES:
            raise ImageError(f"{path} is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB")
        try:
            with _open_header(f) as im:
                if im.width > MAX_SIDE or im.height > MAX_SIDE:
                    raise ImageError(f"{path}: {im.width}x{im.height} pixels is larger than the "
                                     f"{MAX_SIDE}x{MAX_SIDE} that TrainDesk reads")
                im.seek(0)  # animated images: the first frame
                im.load()
                return _to_gray(im)
        except ImageError:
            raise
        except UnidentifiedImageError:
            raise ImageError(f"{path} is not an image ({KINDS})") from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError, Image.DecompressionBombError) as e:
            raise ImageError(f"{path} could not be decoded ({e}); is it truncated?") from None


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
                   box: int | None = None, centre: str = CENTRE) -> np.ndarray:
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
         centre of mass ("mass", as MNIST is) in the middle of the frame.
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
