"""Your own images (as notebook 04's custom data sets): a folder of class folders.

`DIR/train/<class>/*` and `DIR/test/<class>/*`, or `DIR/<class>/*` split by a seed; PNG, JPEG,
BMP or WebP, colour or grey. Decoded once, kept in memory at --image-size (core/data/image_folder.py).

A folder is small more often than not (40 pictures a class), so what a run does when its settings
are left alone follows from the folder: its inputs are normalised by its own training pictures'
per-channel mean and std, and the epochs and augmentation are chosen from its size (_data_defaults).
"""
from __future__ import annotations

import math

from core.pictures.recipe import STRETCHED, InputRecipe
from core.workflows.base import IMAGES, VIEW_CANVAS, VIEW_CONFUSION, VIEW_CURVES, Workflow

# A run left to its defaults makes at least this many optimiser steps: 5 epochs of a 120-picture
# folder were 20 steps, which learnt three very different things one seed in four (issue 26);
# 300 steps left ten classes of 8x8 digits (140 a class) at 94.7-96.1% (3 seeds), 700 reach
# 96.9-99.4% (10 seeds) in about 14 s.
TARGET_STEPS = 700
MIN_EPOCHS = 5        # the fixed default before: never fewer, however slow the machine
TIME_BUDGET_S = 40.0  # more epochs than that only as far as they train in this time (measured)
MAX_EPOCHS = 500
# Below this many training pictures, shifts (and flips) are on by default: a small set is learnt
# by heart otherwise. A shift moves nothing out of its class; a flip can (digits, letters), so it
# is left to the user.
SMALL_SET = 5000
SHIFT_SHARE = 1 / 16  # of the image's side: 4 pixels at the default 64
TEST_PASS_SHARE = 0.25  # an epoch's test pass, as a share of its training time (a guess on the high side)


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
    own pictures were read) -> [3, size, size] float in 0..1, less the training pictures' mean
    and over their std, channel by channel (kept in the checkpoint, so every path does the same)."""
    from core.data.pixel_stats import channel_mean_std
    size = int(data.train_x.shape[-1])
    mean, std = channel_mean_std(data.train_x)
    return InputRecipe(shape=(3, size, size), mean=mean, std=std, background=None,
                       framing=STRETCHED)


def _data_defaults(config, train_count: int, step_seconds: float) -> tuple[dict, str]:
    """The values of the settings left to the data (config.from_data), and why, in one sentence.
    step_seconds: one optimiser step's time measured on this machine, model and batch size."""
    values, why = {}, []
    steps = max(1, math.ceil(train_count / config.batch_size))
    if "epochs" in config.from_data:
        wanted = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_STEPS / steps)))
        epoch_s = steps * step_seconds * (1 + TEST_PASS_SHARE)
        fits = int(TIME_BUDGET_S / max(epoch_s, 1e-9))
        values["epochs"] = max(MIN_EPOCHS, min(wanted, fits))
        why.append(f"{values['epochs']} epochs: {train_count} training pictures make {steps} "
                   f"step{'s' if steps > 1 else ''} of {config.batch_size} an epoch, "
                   + (f"so {wanted * steps} steps in about {wanted * epoch_s:.0f} s"
                      if values["epochs"] == wanted else
                      f"and the {wanted} epochs of {TARGET_STEPS} steps would take about "
                      f"{wanted * epoch_s:.0f} s here: as many as fit in {TIME_BUDGET_S:.0f} s, "
                      f"at least {MIN_EPOCHS}"))
    small = train_count < SMALL_SET
    if "shift" in config.from_data:
        values["shift"] = max(1, min(8, round(config.image_size * SHIFT_SHARE))) if small else 0
    if "flip" in config.from_data:
        values["flip"] = False
    if small and values.get("shift"):
        why.append(f"random shifts of up to {values['shift']} pixels, as the set is small "
                   f"(under {SMALL_SET:,} pictures)")
    return values, "; ".join(why)


WORKFLOW = Workflow(
    id="folder", name="Image folder",
    blurb="Your own images: DIR/<class>/*.png (or DIR/train and DIR/test), colour or grey, "
          "kept in memory at 64×64 (notebook 04).",
    kind=IMAGES, default_model="tinyvgg", views=(VIEW_CURVES, VIEW_CONFUSION, VIEW_CANVAS),
    load=_load, notebook="04", input_recipe=_recipe, data_defaults=_data_defaults,
    data_key=lambda c: ("folder", c.image_folder, c.image_size, c.test_fraction, c.split_seed))
