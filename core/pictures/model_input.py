"""A picture from outside the data set as a model's input, by the model's own input recipe.

Two steps, the same for `predict`, the Draw tab and the benchmarks: the picture becomes the
model's pixels as its recipe frames them (values 0..255, [C, H, W]), then the recipe's one
conversion (core.pictures.recipe.InputRecipe.to_input) makes them the model's input, exactly as
the training images were made. Fashion-MNIST's framing brings any picture to the data set's look
(core.pictures.framing.to_model_input: light object on black, cropped and centred, grey); an image
folder's stretches the whole picture to S x S (core.pictures.decode.load_photo, the very function
the folder's training images went through).

No Qt; torch only inside the recipe's conversion. Called from the CLI and worker threads alike.
"""
from __future__ import annotations

import numpy as np

from core.pictures.framing import ImageError, read_image, to_model_input
from core.pictures.recipe import FRAMED, InputRecipe

LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as Pillow's convert("L")


def framed_pixels(framed01: np.ndarray) -> np.ndarray:
    """A framed picture (to_model_input's [S, S] in 0..1) as pixel values: float32 [1, S, S] in
    0..255, not rounded (the recipe's /255 gives the framed values back exactly)."""
    return np.asarray(framed01, np.float32)[None] * np.float32(255)


def _channels(rgb: np.ndarray, channels: int) -> np.ndarray:
    """uint8 [3, S, S] RGB -> float32 [channels, S, S] pixel values (a grey model: luma)."""
    a = rgb.astype(np.float32)
    return np.tensordot(LUMA, a, axes=1)[None] if channels == 1 else a


def photo_pixels(path, recipe: InputRecipe) -> np.ndarray:
    """A picture file as the model's pixels, float32 [C, H, W] in 0..255, framed as the recipe
    says. Unreadable files raise core.pictures.framing.ImageError, whichever reader found the
    fault (the CLI catches that one)."""
    c, _, size = recipe.shape
    if recipe.framing == FRAMED:
        return framed_pixels(to_model_input(read_image(path), size))
    from core.pictures.decode import ImageReadError, load_photo
    try:
        rgb = load_photo(path, size)
    except ImageReadError as e:
        raise ImageError(str(e)) from None
    return _channels(rgb, c)


def drawing_rgb(ink: np.ndarray, size: int) -> np.ndarray:
    """A drawing (uint8 ink, 0 = paper) as a photo of it would be: dark strokes on white paper,
    RGB, stretched to size x size with the resize load_photo uses -> uint8 [3, size, size]."""
    from PIL import Image
    paper = Image.fromarray(255 - np.asarray(ink, np.uint8), "L").convert("RGB")
    out = paper.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return np.ascontiguousarray(np.asarray(out, np.uint8).transpose(2, 0, 1))


def drawing_pixels(gray: np.ndarray, ink: np.ndarray, recipe: InputRecipe,
                   framed01: np.ndarray | None = None) -> np.ndarray:
    """A drawing as the model's pixels, float32 [C, H, W] in 0..255: framed like the data set's
    items from the drawing as shown (`gray`, 0..1; `framed01`: its framing when already made), or
    as a photo of it (`ink`, see drawing_rgb) for a stretched recipe."""
    c, _, size = recipe.shape
    if recipe.framing == FRAMED:
        if framed01 is None or framed01.shape[-1] != size:
            framed01 = to_model_input(gray, size)
        return framed_pixels(framed01)
    return _channels(drawing_rgb(ink, size), c)


def photo_input(path, recipe: InputRecipe) -> np.ndarray:
    """A picture file as the model's input: float32 [C, H, W] (`predict`)."""
    return recipe.to_input(photo_pixels(path, recipe))


def drawing_input(gray: np.ndarray, ink: np.ndarray, recipe: InputRecipe) -> np.ndarray:
    """A drawing as the model's input: float32 [C, H, W] (the Draw tab, see drawing_pixels)."""
    return recipe.to_input(drawing_pixels(gray, ink, recipe))
