"""Your own images (as notebook 04's custom data sets): a folder of class folders.

`DIR/train/<class>/*` and `DIR/test/<class>/*`, or `DIR/<class>/*` split by a seed; PNG, JPEG,
BMP or WebP, colour or grey. Decoded once, kept in memory at --image-size (core/data/image_folder.py).
"""
from __future__ import annotations

from core.pictures.recipe import STRETCHED, InputRecipe
from core.workflows.base import IMAGES, VIEW_CANVAS, VIEW_CONFUSION, VIEW_CURVES, Workflow


def _load(config, progress=None):
    from core.data.fashion_mnist import DataError
    from core.data.image_folder import load_image_folder
    if not config.image_folder:
        raise DataError("No image folder chosen: name one with --image-folder DIR (or the Image "
                        "folder setting in the window). It holds DIR/<class>/*.png, or "
                        "DIR/train/<class>/* and DIR/test/<class>/*.")
    return load_image_folder(config.image_folder, config.image_size, config.test_fraction,
                             config.split_seed, progress=progress)


def _recipe(data) -> InputRecipe:
    """Any picture -> RGB stretched to size x size (core.pictures.decode.load_photo, as the folder's
    own pictures were read) -> [3, size, size] float in 0..1."""
    size = int(data.train_x.shape[-1])
    return InputRecipe(shape=(3, size, size), mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0),
                       background=None, framing=STRETCHED)


WORKFLOW = Workflow(
    id="folder", name="Image folder",
    blurb="Your own images: DIR/<class>/*.png (or DIR/train and DIR/test), colour or grey, "
          "kept in memory at 64×64 (notebook 04).",
    kind=IMAGES, default_model="tinyvgg", views=(VIEW_CURVES, VIEW_CONFUSION, VIEW_CANVAS),
    load=_load, notebook="04", input_recipe=_recipe,
    data_key=lambda c: ("folder", c.image_folder, c.image_size, c.test_fraction, c.split_seed))
