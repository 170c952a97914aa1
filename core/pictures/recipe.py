"""The input recipe: how a model's raw pixels (uint8, 0..255) become the floats it takes.

One recipe per model, stored in its checkpoint (meta["input"]), and one method, `to_input`, that
every path calls: training, evaluation, `predict`, the Draw tab, and the exports (which wrap the
same numbers around the model). A recipe with a mean and a std therefore trains, evaluates and
predicts the same way, whichever way the pixels came in.

    model input = (pixels * scale - mean[c]) / std[c]      for each channel c

The recipe also says how an outside picture is brought to the model's pixels (`framing`):
FRAMED like Fashion-MNIST's items (core/pictures/framing.py: cropped, centred, light on dark) or
STRETCHED whole to the model's size like an image folder's photos (core/pictures/decode.py).

The lowest room: plain Python at import time (the window reads the workflows, which name their
recipes, before its first paint); torch is imported only when pixels are converted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

FRAMED = "framed"        # cropped to the object, scaled to fill the frame, centred (Fashion-MNIST)
STRETCHED = "stretched"  # the whole picture resized to the model's size (an image folder's photos)
FRAMINGS = (FRAMED, STRETCHED)
BACKGROUNDS = ("dark", "light", None)  # what the model's pictures have behind the object, if known
STRETCH = "stretch"      # meta["input"]["resize"] of a stretched recipe, as checkpoints store it
MAX_SIDE = 4096          # far above any model TrainDesk builds; a larger shape is a damaged header


class RecipeError(ValueError):
    """A checkpoint's input recipe is damaged or contradicts itself; the message says how."""


def _number(value: Any, what: str) -> float:
    """A finite JSON number (not a bool, not NaN, not 1e400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RecipeError(f"its input recipe's {what} is not a finite number ({str(value)[:40]})")
    return float(value)


def _per_channel(value: Any, channels: int, what: str) -> tuple[float, ...]:
    """One number for every channel, or one number per channel."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) not in (1, channels):
        raise RecipeError(f"its input recipe's {what} has {len(values)} values for {channels} channel"
                          f"{'s' if channels > 1 else ''}")
    numbers = tuple(_number(v, what) for v in values)
    return numbers * channels if len(numbers) == 1 else numbers


@dataclass(frozen=True)
class InputRecipe:
    shape: tuple[int, int, int]          # (C, H, W) the model takes
    scale: float = 1 / 255               # pixels 0..255 -> 0..1, as torchvision's ToTensor
    mean: tuple[float, ...] = (0.0,)     # per channel (one value is given to every channel)
    std: tuple[float, ...] = (1.0,)      # per channel, each > 0
    background: Optional[str] = "dark"   # "dark" (light object on dark), "light", None: any
    framing: str = FRAMED                # FRAMED or STRETCHED
    # The device copies of mean and std, made once per device (the trainer converts every batch).
    _constants: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        """Checked when made, so a recipe that exists is a usable one (RecipeError otherwise)."""
        shape = tuple(self.shape) if isinstance(self.shape, (list, tuple)) else ()
        if not (len(shape) == 3 and all(type(v) is int and 1 <= v <= MAX_SIDE for v in shape)
                and shape[0] in (1, 3)):
            raise RecipeError(f"its input recipe names no usable image shape ({str(self.shape)[:60]}; "
                              f"expected [C, H, W] with 1 or 3 channels)")
        c = shape[0]
        scale = _number(self.scale, "scale")
        mean, std = _per_channel(self.mean, c, "mean"), _per_channel(self.std, c, "std")
        if scale <= 0 or min(std) <= 0:
            raise RecipeError(f"its input recipe's scale and std must be above 0 (scale {scale:g}, std "
                              f"{', '.join(f'{s:g}' for s in std)}): the pixels would be lost")
        if self.background not in BACKGROUNDS:
            raise RecipeError(f"its input recipe's background {str(self.background)[:20]!r} is not "
                              "one of dark, light or none")
        if self.framing not in FRAMINGS:
            raise RecipeError(f"its input recipe's framing {str(self.framing)[:20]!r} is not one of "
                              f"{', '.join(FRAMINGS)}")
        if self.framing == FRAMED and (c != 1 or shape[1] != shape[2]):
            raise RecipeError(f"its input recipe frames pictures like Fashion-MNIST's items, which "
                              f"are grey and square, but names the shape {list(shape)}")
        for name, value in (("shape", shape), ("scale", scale), ("mean", mean), ("std", std)):
            object.__setattr__(self, name, value)

    # -- pixels -> model input -----------------------------------------------------------------
    @property
    def plain(self) -> bool:
        """Only scaled: no mean to take away, no std to divide by."""
        return all(m == 0.0 for m in self.mean) and all(s == 1.0 for s in self.std)

    @property
    def divisor(self) -> Optional[float]:
        """1 / scale when it is a whole number (1/255: 255): the pixels are divided by it, exactly
        as ToTensor (and the seeds) do; None: they are multiplied by the scale."""
        divisor = 1 / self.scale
        return divisor if divisor == round(divisor) else None

    def to_input(self, pixels, batch: bool = False):
        """Pixels -> the model's float32 input, on the pixels' own device.

        `pixels`: a numpy array or a torch tensor of raw values 0..255 (uint8, or floats such as a
        framed picture's), in the recipe's (C, H, W): one picture [C, H, W] (a grey one may be
        [H, W]), or a batch [N, C, H, W] (a grey batch may be [N, H, W]; say batch=True, since a
        [1, H, W] grey picture looks the same). Returns the same kind (numpy in, numpy out), as
        [C, H, W] or [N, C, H, W]. The caller's pixels are never changed.
        """
        import numpy as np
        import torch

        is_numpy = not isinstance(pixels, torch.Tensor)
        x = torch.from_numpy(np.ascontiguousarray(pixels)) if is_numpy else pixels
        c, h, w = self.shape
        if c == 1 and x.dim() == (3 if batch else 2):  # grey without its channel axis
            x = x.unsqueeze(-3)
        if x.dim() not in (3, 4) or tuple(x.shape[-3:]) != self.shape or (batch and x.dim() != 4):
            raise ValueError(f"pictures of shape {list(x.shape)} for a model that takes "
                             f"{c}x{h}x{w}{' batches' if batch else ''}")
        x = x.to(dtype=torch.float32, copy=True)
        x = x.div_(self.divisor) if self.divisor else x.mul_(self.scale)
        if not self.plain:
            mean, std = self._on(x.device)
            x.sub_(mean).div_(std)
        return x.numpy() if is_numpy else x

    def _on(self, device):
        """(mean, std) as [C, 1, 1] float32 tensors on `device`, made once."""
        import torch

        key = str(device)
        if key not in self._constants:
            self._constants[key] = tuple(torch.tensor(v, dtype=torch.float32, device=device)
                                         .reshape(-1, 1, 1) for v in (self.mean, self.std))
        return self._constants[key]

    # -- checkpoints ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """meta["input"] of a checkpoint: the keys checkpoints have always had (one mean and one std
        when every channel shares it), plus the framing; a stretched recipe keeps "resize"."""
        def one_or_all(values):
            return values[0] if len(set(values)) == 1 else list(values)

        out = {"shape": list(self.shape), "scale": self.scale, "mean": one_or_all(self.mean),
               "std": one_or_all(self.std), "background": self.background, "framing": self.framing}
        if self.framing == STRETCHED:
            out.update(resize=STRETCH, channels="rgb" if self.shape[0] == 3 else "grey")
        return out

    @classmethod
    def from_meta(cls, meta: Optional[dict]) -> "InputRecipe":
        """The recipe a checkpoint's metadata stores, checked (RecipeError saying what is wrong).
        A checkpoint from before recipes were stored was a Fashion-MNIST model: FASHION. A recipe
        that does not fit the task its metadata names is refused too."""
        meta = meta if isinstance(meta, dict) else {}
        task = meta.get("task")
        raw = meta.get("input")
        if raw is None:
            if task not in (None, "fashion"):
                raise RecipeError(f"it is a {str(task)[:20]} model but stores no input recipe")
            return FASHION
        if not isinstance(raw, dict):
            raise RecipeError(f"its input recipe is not a JSON object ({str(raw)[:40]})")
        # Recipes from before "framing" was stored: an image folder's said "resize"; only
        # Fashion-MNIST's models frame pictures.
        stretched = raw.get("resize") or task not in (None, "fashion")
        framing = raw.get("framing", STRETCHED if stretched else FRAMED)
        if "resize" in raw and (raw["resize"] != STRETCH or framing != STRETCHED):
            raise RecipeError(f"its input recipe says resize {str(raw['resize'])[:20]!r} and framing "
                              f"{str(framing)[:20]!r}, which do not go together")
        recipe = cls(shape=raw.get("shape"), scale=raw.get("scale", 1 / 255), mean=raw.get("mean", 0.0),
                     std=raw.get("std", 1.0), background=raw.get("background"), framing=framing)
        channels = raw.get("channels")
        if channels is not None and channels != {1: "grey", 3: "rgb"}[recipe.shape[0]]:
            raise RecipeError(f"its input recipe says {str(channels)[:20]!r} pictures but names "
                              f"{recipe.shape[0]} channel(s)")
        if task == "fashion" and recipe.shape != FASHION.shape:
            raise RecipeError(f"a Fashion-MNIST model takes 1x28x28 pictures, but its recipe names "
                              f"{list(recipe.shape)}")
        return recipe

    @classmethod
    def of(cls, recipe) -> "InputRecipe":
        """Whatever a caller holds: a recipe, a checkpoint's meta["input"] dict, or None (FASHION,
        as before recipes were stored)."""
        return recipe if isinstance(recipe, cls) else cls.from_meta({"input": recipe})

    def describe(self) -> str:
        """"28×28" or "64×64, colour": what the model sees, for a caption."""
        c, h, w = self.shape
        return f"{h}×{w}" + (", colour" if c == 3 else "")


# Fashion-MNIST's: [28, 28] uint8, light on dark -> [1, 28, 28] float in 0..1 (the seeds' ToTensor).
# Every checkpoint without a recipe used it.
FASHION = InputRecipe(shape=(1, 28, 28), background="dark", framing=FRAMED)
