"""Real image folders made of Fashion-MNIST items, for the image-folder tests, training tests and
benchmarks: `write_fashion_folder(tmp_path / "clothes", per_class=40)`.

The items are real (so a model can learn them), saved as real PNG/JPEG/BMP/WebP files in class
folders, tinted so the three colour channels differ, optionally upscaled. Each file records where
its item came from, so a test can rebuild the exact pixels with `fashion_rgb`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from core.data.fashion_mnist import CLASS_NAMES

# Encoder options: JPEG at high quality (still lossy); WebP lossless, so tests can compare exactly.
SAVE_OPTIONS = {"png": {}, "jpg": {"quality": 95}, "jpeg": {"quality": 95}, "bmp": {},
                "webp": {"lossless": True}}
LAYOUTS = ("split", "train/test")


@dataclass
class WrittenFile:
    path: Path
    class_name: str   # the folder name
    split: str        # "train" or "test": which Fashion-MNIST split the item came from
    index: int        # its index in that split


@dataclass
class WrittenFolder:
    root: Path
    classes: list[str]  # sorted, as the loader will report them
    files: list[WrittenFile] = field(default_factory=list)

    def by_path(self) -> dict[Path, WrittenFile]:
        return {f.path: f for f in self.files}


@functools.lru_cache(maxsize=1)
def _fashion():
    from core.data.fashion_mnist import load_fashion_mnist
    return load_fashion_mnist()  # ~1 s; the conftest `fashion` fixture can be passed instead


def class_index(name) -> int:
    """A Fashion-MNIST class by index, full name ("T-shirt/top") or the part before '/' ("T-shirt"),
    case-insensitive."""
    if isinstance(name, (int, np.integer)):
        return int(name)
    for i, full in enumerate(CLASS_NAMES):
        if name.lower() in (full.lower(), full.split("/")[0].lower()):
            return i
    raise ValueError(f"{name!r} is not a Fashion-MNIST class ({', '.join(CLASS_NAMES)})")


def folder_name(name) -> str:
    """The folder a class is written to: its name as given, without a '/' (no folder can hold one)."""
    return CLASS_NAMES[name].split("/")[0] if isinstance(name, (int, np.integer)) else str(name)


def fashion_rgb(gray, size: int | None = None, colour: bool = True) -> np.ndarray:
    """One 28x28 uint8 item -> uint8 [H, W, 3] as written to the file (before any lossy encoding).
    colour: red follows the item, green is darker, blue is inverted (a blue background)."""
    x = np.asarray(gray, dtype=np.uint8)
    if colour:
        x16 = x.astype(np.uint16)
        rgb = np.stack([x, (x16 * 3 // 5).astype(np.uint8), (255 - x16 // 2).astype(np.uint8)], -1)
    else:
        rgb = np.repeat(x[:, :, None], 3, axis=2)
    if size and size != x.shape[0]:
        rgb = np.asarray(Image.fromarray(rgb).resize((size, size), Image.Resampling.BILINEAR))
    return rgb


def write_fashion_folder(root, classes=("T-shirt", "Trouser", "Bag"), per_class: int = 40,
                         layout: str = "split", formats=("png", "jpg"), size: int | None = None,
                         colour: bool = True, test_per_class: int | None = None,
                         data=None) -> WrittenFolder:
    """Write real Fashion-MNIST items as image files in class folders under `root`.

    layout "split": root/<class>/<index>.<ext>, `per_class` training items of each class.
    layout "train/test": root/train/<class>/... (`per_class` training items) and root/test/<class>/...
    (`test_per_class` items of Fashion-MNIST's test split, default per_class // 4, at least 1).
    formats: cycled over each class's files. size: upscale (or shrink) the 28x28 items to it.
    data: a FashionData (the conftest `fashion` fixture); loaded once per process when None.
    The same arguments always write the same files (the first items of each label, in order).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: one of {LAYOUTS}")
    unknown = [f for f in formats if f.lower() not in SAVE_OPTIONS]
    if unknown:
        raise ValueError(f"formats {unknown}: supported {sorted(SAVE_OPTIONS)}")
    data = data if data is not None else _fashion()
    root = Path(root)
    names = [folder_name(c) for c in classes]
    if len(set(names)) != len(names):
        raise ValueError(f"class folders repeat: {names}")
    test_n = max(1, per_class // 4) if test_per_class is None else test_per_class
    parts = [("train", per_class)] + ([("test", test_n)] if layout == "train/test" else [])
    written = WrittenFolder(root, sorted(names))
    for cls, name in zip(classes, names):
        label = class_index(cls)
        for split, count in parts:
            x, y = (data.train_x, data.train_y) if split == "train" else (data.test_x, data.test_y)
            picks = (y == label).nonzero().flatten()[:count].tolist()
            if len(picks) < count:
                raise ValueError(f"only {len(picks)} {split} items of class {name}")
            folder = root / (name if layout == "split" else f"{split}/{name}")
            folder.mkdir(parents=True, exist_ok=True)
            for j, index in enumerate(picks):
                ext = formats[j % len(formats)].lower()
                path = folder / f"{index:05d}.{ext}"
                rgb = fashion_rgb(x[index].numpy(), size, colour)
                Image.fromarray(rgb).save(path, **SAVE_OPTIONS[ext])
                written.files.append(WrittenFile(path, name, split, index))
    return written


def trained_folder_run(root, data=None):
    """A TinyVGG trained 2 epochs on a fresh 3-class folder of 32x32 pictures under `root`, and
    its checkpoint: (WrittenFolder, Trainer, checkpoint path). For the tests of what comes after
    training (predict, Evaluate, Draw)."""
    from core.config import TrainConfig
    from core.train.trainer import Trainer

    written = write_fashion_folder(Path(root) / "clothes", per_class=40, size=32, data=data)
    trainer = Trainer(TrainConfig(model="tinyvgg", image_folder=str(written.root), image_size=32,
                                  epochs=2, lr=0.001, optimizer="adam", threads=1))
    list(trainer.run())
    return written, trainer, trainer.save(Path(root) / "tinyvgg")
