"""A model's personal set: the drawings a learner taught it, in the user data folder.

One folder per class (its name as a folder name, core.teach.drawings_dir.folder_name), and for
each drawing two PNGs: `<id>.input.png`, what the model saw (its framed input, grey or colour at
the model's size), and `<id>.canvas.png`, the canvas as drawn. Teaching reads the inputs;
export writes the canvases as an image folder (DIR/<class>/<id>.png) that `main.py teach` and
another learner's import read, framing them again exactly as the Draw tab does.
"""
from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from core.paths import user_data_dir
from core.teach.drawings_dir import folder_name, read_drawings

INPUT, CANVAS = ".input.png", ".canvas.png"


def personal_root() -> Path:
    return user_data_dir() / "personal"


def set_key(run_id: str | None, checkpoint: str | None) -> str:
    """The folder name of a model's personal set: its original run's id, else its file's stem."""
    key = run_id or Path(checkpoint or "model").stem
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:120] or "model"


@dataclass
class Drawing:
    id: str
    label: int
    input_path: Path
    canvas_path: Path

    def pixels(self) -> np.ndarray:
        """What the model saw: float32 [C, H, W] in 0..255."""
        a = np.asarray(Image.open(self.input_path), np.float32)
        return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def _png(path: Path, array: np.ndarray) -> None:
    """Write atomically: a half-written drawing is never read back as one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    Image.fromarray(array).save(tmp, format="PNG")
    os.replace(tmp, path)


def as_image(pixels: np.ndarray) -> np.ndarray:
    """[C, H, W] 0..255 (or a grey [H, W]) -> uint8 [H, W] or [H, W, 3] for a PNG."""
    a = np.clip(np.rint(np.asarray(pixels, np.float32)), 0, 255).astype(np.uint8)
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    return np.ascontiguousarray(a)


class PersonalSet:
    def __init__(self, folder, classes: list[str]):
        self.folder = Path(folder)
        self.classes = list(classes)

    @classmethod
    def for_model(cls, run_id, checkpoint, classes) -> "PersonalSet":
        return cls(personal_root() / set_key(run_id, checkpoint), classes)

    def _class_dir(self, label: int) -> Path:
        return self.folder / folder_name(self.classes[label])

    def add(self, label: int, pixels: np.ndarray, canvas: np.ndarray) -> Drawing:
        """Keep a drawing: the model's input (float [C, H, W], 0..255) and the canvas (uint8, or
        0..1 floats, [H, W])."""
        if not 0 <= label < len(self.classes):
            raise ValueError(f"class {label} is not one of the model's {len(self.classes)}")
        folder = self._class_dir(label)
        folder.mkdir(parents=True, exist_ok=True)
        did = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        canvas = np.asarray(canvas)
        if canvas.dtype != np.uint8:
            canvas = np.clip(np.rint(canvas.astype(np.float32) * 255), 0, 255).astype(np.uint8)
        d = Drawing(did, label, folder / f"{did}{INPUT}", folder / f"{did}{CANVAS}")
        _png(d.canvas_path, canvas)
        _png(d.input_path, as_image(pixels))
        return d

    def drawings(self) -> list[Drawing]:
        """Every drawing, class by class, oldest first."""
        out = []
        for label in range(len(self.classes)):
            folder = self._class_dir(label)
            if not folder.is_dir():
                continue
            for p in sorted(folder.glob(f"*{INPUT}")):
                did = p.name[:-len(INPUT)]
                out.append(Drawing(did, label, p, folder / f"{did}{CANVAS}"))
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(pixels float32 [N, C, H, W], labels int64 [N]) of the whole set."""
        items = self.drawings()
        if not items:
            return np.zeros((0, 1, 1, 1), np.float32), np.zeros(0, np.int64)
        return (np.stack([d.pixels() for d in items]),
                np.array([d.label for d in items], np.int64))

    def relabel(self, drawing: Drawing, label: int) -> Drawing:
        folder = self._class_dir(label)
        folder.mkdir(parents=True, exist_ok=True)
        moved = Drawing(drawing.id, label, folder / drawing.input_path.name,
                        folder / drawing.canvas_path.name)
        for src, dst in ((drawing.input_path, moved.input_path), (drawing.canvas_path, moved.canvas_path)):
            if src.exists():
                os.replace(src, dst)
        return moved

    def delete(self, drawing: Drawing) -> None:
        for p in (drawing.input_path, drawing.canvas_path):
            p.unlink(missing_ok=True)

    def export(self, target) -> int:
        """Write the canvases as DIR/<class>/<id>.png; returns how many."""
        target, n = Path(target), 0
        for d in self.drawings():
            folder = target / folder_name(self.classes[d.label])
            folder.mkdir(parents=True, exist_ok=True)
            src = d.canvas_path if d.canvas_path.exists() else d.input_path
            shutil.copyfile(src, folder / f"{d.id}.png")
            n += 1
        return n

    def import_folder(self, source, recipe) -> tuple[int, list[str]]:
        """Add every drawing of an image folder (DIR/<class>/*.png), framed as the Draw tab frames
        them. A folder with any problem adds nothing: (0, the problems, one line each)."""
        from core.pictures.framing import read_image
        pixels, labels, files, problems = read_drawings(source, self.classes, recipe)
        if problems:
            return 0, problems
        for px, label, f in zip(pixels, labels, files):
            canvas = read_image(f)
            self.add(int(label), px, canvas)
        return len(files), []
