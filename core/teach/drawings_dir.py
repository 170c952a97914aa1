"""A folder of drawings to teach: DIR/<class>/*.png, the class named by its index or its name
('/' written '_', as a folder name cannot hold it). Every picture is framed exactly as the Draw
tab and `predict` frame it (core.pictures.model_input.photo_pixels). Problems are collected, one
line each naming the file or folder, so a caller can refuse the whole set and write nothing."""
from __future__ import annotations

from pathlib import Path

import numpy as np

PICTURES = (".png", ".jpg", ".jpeg")


def folder_name(name: str) -> str:
    """A class name as a folder name: '/' (T-shirt/top) written '_'."""
    return name.replace("/", "_").replace("\\", "_")


def class_of(folder: str, classes: list[str]) -> int | None:
    """The class a folder is named for (its index, or its name as folder_name writes it, any
    case), or None."""
    if folder.isdigit() and int(folder) < len(classes):
        return int(folder)
    names = [folder_name(c).casefold() for c in classes]
    key = folder.casefold()
    return names.index(key) if key in names else None


def read_drawings(root, classes: list[str], recipe) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """(pixels float32 [N, C, H, W] in 0..255, labels int64 [N], their files, problems)."""
    from core.pictures.framing import ImageError
    from core.pictures.model_input import photo_pixels

    root = Path(root)
    problems: list[str] = []
    pixels, labels, files = [], [], []
    if not root.is_dir():
        return _empty(recipe), np.zeros(0, np.int64), [], [f"{root}: no such folder of drawings"]
    for sub in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
        if not sub.is_dir():
            problems.append(f"{sub}: not a class folder (DIR/<class>/*.png)")
            continue
        label = class_of(sub.name, classes)
        if label is None:
            problems.append(f"{sub}: the folder '{sub.name}' names no class of this model "
                            f"(0-{len(classes) - 1} or {', '.join(map(folder_name, classes))[:200]})")
            continue
        for f in sorted(p for p in sub.rglob("*") if p.is_file() and not p.name.startswith(".")):
            if f.suffix.lower() not in PICTURES:
                problems.append(f"{f}: not a PNG or JPEG picture")
                continue
            try:
                pixels.append(photo_pixels(f, recipe))
            except ImageError as e:
                problems.append(str(e) if str(f) in str(e) else f"{f}: {e}")
                continue
            labels.append(label)
            files.append(str(f))
    if not pixels and not problems:
        problems.append(f"{root}: no drawings (expected {root}/<class>/*.png)")
    out = np.stack(pixels).astype(np.float32) if pixels else _empty(recipe)
    return out, np.array(labels, np.int64), files, problems


def _empty(recipe) -> np.ndarray:
    return np.zeros((0, *recipe.shape), np.float32)
