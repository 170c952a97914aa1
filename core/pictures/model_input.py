"""A picture from outside the data set as a model's input, by the model's own input recipe.

A checkpoint stores how raw pixels became its model's inputs (meta["input"], written by the
trainer from the workflow): Fashion-MNIST's recipe frames any picture like the data set's items
(core.pictures.framing.to_model_input: light object on black, cropped and centred, 28x28 grey); an
image folder's recipe stretches the whole picture to S x S RGB (core.pictures.decode.load_photo, the
very function the folder's training images went through). `predict`, the Draw tab and the
evaluation all come here, so a model sees a picture the same way whichever way it came in.

No Qt, and no torch: plain numpy, called from the CLI and from worker threads alike.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from core.pictures.framing import ImageError, read_image, to_model_input
from core.workflows.fashion import RECIPE as FASHION_RECIPE


def recipe_of(meta: Optional[dict]) -> dict:
    """The input recipe of a checkpoint's metadata; Fashion-MNIST's for checkpoints from before
    recipes were stored (they were all Fashion-MNIST models)."""
    recipe = (meta or {}).get("input")
    return recipe if isinstance(recipe, dict) and recipe.get("shape") else dict(FASHION_RECIPE)


def framed(recipe: Optional[dict]) -> bool:
    """True for Fashion-MNIST's framing (crop, centre, light on dark); False for a recipe that
    resizes the whole picture (an image folder's "stretch")."""
    return not (recipe or {}).get("resize")


def input_shape(recipe: Optional[dict]) -> tuple[int, int, int]:
    """(C, H, W) the model takes."""
    return tuple(int(v) for v in (recipe or FASHION_RECIPE)["shape"])


def describe(recipe: Optional[dict]) -> str:
    """"28×28" or "64×64, colour": what the model sees, for a caption."""
    c, h, w = input_shape(recipe)
    return f"{h}×{w}" + (", colour" if c == 3 else "")


def _scaled(u8: np.ndarray, recipe: dict) -> np.ndarray:
    """uint8 [3, S, S] RGB -> float32 [C, S, S] as the recipe says (the trainer: /255)."""
    a = u8.astype(np.float32)
    if input_shape(recipe)[0] == 1:  # a grey model: ITU-R 601 luma, as Pillow's convert("L")
        a = np.tensordot(np.array([0.299, 0.587, 0.114], np.float32), a, axes=1)[None]
    a *= float(recipe.get("scale", 1 / 255))
    return (a - float(recipe.get("mean", 0.0))) / float(recipe.get("std", 1.0) or 1.0)


def photo_input(path, recipe: Optional[dict]) -> np.ndarray:
    """A picture file as the model's input: float32 [28, 28] for Fashion-MNIST's framing (as
    `predict` always gave it), [C, S, S] for an image folder's recipe. Unreadable files raise
    core.pictures.framing.ImageError, whichever reader found the fault (the CLI catches that one)."""
    recipe = recipe or FASHION_RECIPE
    if framed(recipe):
        return to_model_input(read_image(path), input_shape(recipe)[-1])
    from core.pictures.decode import ImageReadError, load_photo
    try:
        rgb = load_photo(path, input_shape(recipe)[-1])
    except ImageReadError as e:
        raise ImageError(str(e)) from None
    return _scaled(rgb, recipe)


def drawing_rgb(ink: np.ndarray, size: int) -> np.ndarray:
    """A drawing (uint8 ink, 0 = paper) as a photo of it would be: dark strokes on white paper,
    RGB, stretched to size x size with the resize load_photo uses -> uint8 [3, size, size]."""
    from PIL import Image
    paper = Image.fromarray(255 - np.asarray(ink, np.uint8), "L").convert("RGB")
    out = paper.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return np.ascontiguousarray(np.asarray(out, np.uint8).transpose(2, 0, 1))


def drawing_input(ink: np.ndarray, recipe: dict) -> np.ndarray:
    """A drawing as a photo model's input, float32 [C, S, S] (see drawing_rgb). Fashion-MNIST's
    framing reads the drawing as shown instead (core.pictures.framing.to_model_input)."""
    return _scaled(drawing_rgb(ink, input_shape(recipe)[-1]), recipe)
