"""A folder of the user's own images (as notebook 04's custom data sets / torchvision ImageFolder).

`DIR/<class>/...` is split per class by a seed; `DIR/train/<class>/...` with `DIR/test/<class>/...`
(or val/valid/validation) keeps the user's split. Every file is decoded once, with Pillow, to RGB
stretched to size x size (core/pictures/decode.py) and held as one uint8 tensor per split, like
FashionData.
"""
from __future__ import annotations

import math
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from core.data.fashion_mnist import DataError
from core.pictures.decode import (DEFAULT_SIZE, KINDS, MIN_SIZE, ImageReadError, check_size,
                                 load_photo)
from core.data.system_memory import available_memory

# Compared lower-case: torchvision ImageFolder's own list, and GIF (its first frame), which the
# Draw tab and `predict` read too.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm",
                    ".pgm")
MAX_TEST_FRACTION = 0.9
TEST_NAMES = ("test", "val", "valid", "validation")  # the first present wins
LAYOUT_HELP = ("Expected DIR/<class>/*.png (split by a seed), or DIR/train/<class>/* and "
               "DIR/test/<class>/*.")
# Left out silently, as hidden names are: the resource-fork folder macOS's zip tool adds.
NOT_DATA = ("__MACOSX",)
# A chosen folder that holds nothing but one folder (an unzipped archive's wrapper, as notebook
# 04's data/pizza_steak_sushi) is read from inside it, this many levels down at most.
MAX_WRAPPERS = 3


@dataclass
class FolderPlan:
    root: Path
    layout: str  # "train/test" or "split"
    classes: list[str]
    train_files: list[tuple[Path, int]]
    test_files: list[tuple[Path, int]]
    ignored: list[str] = field(default_factory=list)  # not images by extension, relative to root
    notes: list[str] = field(default_factory=list)

    def memory_bytes(self, size: int = DEFAULT_SIZE, channels: int = 3) -> int:
        return (len(self.train_files) + len(self.test_files)) * channels * size * size

    def describe(self, size: int = DEFAULT_SIZE) -> str:
        return (f"{len(self.classes)} classes, {len(self.train_files)} training and "
                f"{len(self.test_files)} test images; at {size}×{size} about "
                f"{_human(self.memory_bytes(size))} in memory")


@dataclass
class ImageData:
    """The same duck-type as core.data.fashion_mnist.FashionData, with [N, 3, S, S] images."""
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    source: str
    classes: tuple
    skipped: list = field(default_factory=list)  # [(relative path, why)]
    layout: str = "split"
    image_size: int = DEFAULT_SIZE

    def to(self, device) -> "ImageData":
        return replace(self, train_x=self.train_x.to(device), train_y=self.train_y.to(device),
                       test_x=self.test_x.to(device), test_y=self.test_y.to(device))


def _human(n: float) -> str:
    if n < 1000:
        return f"{n:.0f} bytes"
    k = min(3, int(math.log10(n) // 3))
    return f"{n / 1000 ** k:.1f} {('KB', 'MB', 'GB')[k - 1]}"


# A class folder is read through at most this many folders: a link to a whole disk ends in a
# message instead of an hour of listing.
MAX_FOLDERS = 20_000

# ---------------------------------------------------------------- scanning (no decoding)

def _entries(folder: Path) -> list[os.DirEntry]:
    """Non-hidden entries, sorted by name, so nothing depends on the file system's listing order.
    Hidden names (.DS_Store, macOS's ._x.jpg, .git) are left out silently."""
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".") and e.name not in NOT_DATA),
                      key=lambda e: e.name)


def _top(folder: Path, root: Path, notes: list[str], seen: set | None = None
         ) -> tuple[list[Path], list[Path], list[str]]:
    """(sub-folders, image files, other files relative to root) directly in `folder`. A link to
    a folder counts as the folder (as torchvision's ImageFolder follows it: people link class
    folders in from elsewhere), and a link to a file as the file, unless it leads back into the
    data set (to `root`, a split, a class, a picture in it, or a folder `root` is in): its pictures
    are then read where they really are, under their own class, never under the link's (a careless
    `ln -s` gave sneakers the label 'bag'). `seen` (the real paths read so far) keeps a picture
    linked in from elsewhere from being read twice."""
    dirs, images, others = [], [], []
    try:
        entries = _entries(folder)
    except OSError as e:
        raise DataError(f"The folder {folder} cannot be read: {e.strerror or e}") from None
    for e in entries:
        path = Path(e.path)
        try:
            is_dir = e.is_dir()  # follows a link: its target may be out of reach
        except OSError as why:
            notes.append(f"'{_rel(path, root)}' cannot be read ({why.strerror or why}) and was left out")
            continue
        if e.is_symlink() and _links_back(path, root, notes):
            continue
        if is_dir:
            dirs.append(path)
        elif path.suffix.lower() in IMAGE_EXTENSIONS:
            if seen is not None and e.is_symlink():
                real = os.path.realpath(path)
                if real in seen:
                    notes.append(f"'{_rel(path, root)}' is a picture already read and was left out")
                    continue
                seen.add(real)
            images.append(path)  # a broken link stays in: reading it says what is wrong
        else:
            others.append(_rel(path, root))
    return dirs, images, others


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _links_back(link: Path, root: Path, notes: list[str]) -> bool:
    """Whether the link `link` leads into the data set at `root` or to a folder holding it (said
    in a note). A broken link does not: reading it says what is wrong."""
    target, home = os.path.realpath(link), os.path.realpath(root)
    if not os.path.exists(target):
        return False
    if _within(target, home):
        where = Path(os.path.relpath(target, home)).as_posix()
        where = "the data set's own folder" if where == "." else f"'{shown(where)}'"
    elif _within(home, target):
        where = "a folder the data set is in"
    else:
        return False
    notes.append(f"'{_rel(link, root)}' is a link back into the data set (to {where}) and was "
                 "left out: its pictures are read where they are, under their own class")
    return True


def _collect(folder: Path, root: Path, ignored: list[str], notes: list[str],
             needed: bool = True, seen: set | None = None) -> list[Path]:
    """Image files under `folder`, recursively (as ImageFolder), sorted by relative path.
    `seen`, shared by the classes of one scan, holds the real paths read: a folder or picture
    linked in from elsewhere is read once, under the first class whose folder holds it."""
    found, stack, walked = [], [folder], 0
    seen = set() if seen is None else seen
    while stack:  # a stack, not recursion: a deep tree cannot hit the recursion limit
        here = stack.pop()
        real = os.path.realpath(here)
        if real in seen:
            notes.append(f"'{_rel(here, root)}' leads back to a folder already read (a link "
                         "loop, or a folder linked twice?) and was left out")
            continue
        seen.add(real)
        walked += 1
        if walked > MAX_FOLDERS:  # e.g. a class folder that is a link to / or a home folder
            raise DataError(f"The class folder {folder} holds more than {MAX_FOLDERS:,} folders; "
                            "is it (or a link in it) pointing at a whole disk?")
        try:
            dirs, images, others = _top(here, root, notes, seen)
        except DataError as e:
            notes.append(f"{e} (left out)")  # one unreadable sub-folder is not the whole class
            continue
        stack += reversed(dirs)  # walked in name order: the first of two links to one folder wins
        found += images
        ignored += others
    if needed and not found:
        raise DataError(f"The class folder {folder} holds no image files ({KINDS}).")
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def _rel(path: Path, root: Path) -> str:
    return shown(path.relative_to(root).as_posix())


def _bytes(text: str) -> bytes:
    """`text` as the bytes it came from: a name that is not UTF-8 holds lone surrogates."""
    return text.encode("utf-8", "surrogateescape")


def shown(text) -> str:
    """`text` fit to show and store: bytes that are not UTF-8 (a name written under another
    encoding) become U+FFFD, where they would make Qt drop characters and UTF-8 writers fail."""
    return _bytes(str(text)).decode("utf-8", "replace")


def _need_classes(classes: list[Path], folder: Path, loose: list[Path]) -> None:
    if len(classes) >= 2:
        return
    if classes:
        raise DataError(f"{folder} needs at least two class folders, found 1: '{classes[0].name}'. "
                        + LAYOUT_HELP)
    if loose:
        raise DataError(f"{folder} holds {len(loose)} image(s) but no class folders: each class "
                        f"needs a folder of its own. {LAYOUT_HELP}")
    raise DataError(f"{folder} holds no images. {LAYOUT_HELP}")


def _unwrap(root: Path, dirs, loose, others, notes):
    """The folder to read: `root`, or the data set inside it when it holds just one folder (and
    no pictures) and that folder holds folders: a train/test pair or class folders. A single
    class folder of pictures is left for _need_classes to explain."""
    chosen = root
    for _ in range(MAX_WRAPPERS):
        if len(dirs) != 1 or loose or dirs[0].name.lower() in ("train", *TEST_NAMES):
            break
        inner = _top(dirs[0], dirs[0], notes)
        if not inner[0]:
            break
        root, (dirs, loose, others) = dirs[0], inner  # files beside the wrapper are not read
    if root != chosen:
        notes.insert(0, f"reading '{root.relative_to(chosen).as_posix()}', the only folder in "
                        f"'{chosen.name or chosen}'")
    return root, dirs, loose, others


def scan(root, test_fraction: float = 0.2, split_seed: int = 42) -> FolderPlan:
    """Find the classes and files and decide the split; decodes nothing."""
    try:
        return _scan(root, test_fraction, split_seed)
    except DataError as e:  # its message may quote a name that is not UTF-8
        raise type(e)(shown(e)) from None


def _class_names(names: list[str], folder: Path) -> list[str]:
    """The class names as shown and stored; the folders themselves keep their own names."""
    out = [shown(n) for n in names]
    twins = sorted({n for n in out if out.count(n) > 1})
    if twins:
        raise DataError(f"{folder}: class folders {', '.join(map(repr, twins))} have the same name "
                        "once the characters that are not UTF-8 are replaced; rename one of them.")
    return out


def _scan(root, test_fraction: float, split_seed: int) -> FolderPlan:
    if not 0 <= test_fraction <= MAX_TEST_FRACTION:
        raise ValueError(f"test fraction {test_fraction}: 0 to {MAX_TEST_FRACTION}")
    root = Path(root).expanduser()
    if not root.exists():
        raise DataError(f"The image folder {root} does not exist.")
    if not root.is_dir():
        raise DataError(f"{root} is a file, not a folder. {LAYOUT_HELP}")
    notes: list[str] = []
    dirs, loose, ignored = _top(root, root, notes)
    root, dirs, loose, ignored = _unwrap(root, dirs, loose, ignored, notes)
    by_name = {d.name.lower(): d for d in dirs}
    train_dir = by_name.get("train")
    test_dir = next((by_name[n] for n in TEST_NAMES if n in by_name), None)
    train_files, test_files = [], []
    seen: set = set()  # real paths read, shared by every class and split: each is read once
    if train_dir and test_dir:
        layout = "train/test"
        class_dirs, train_loose, more = _top(train_dir, root, notes)
        test_dirs, _, more2 = _top(test_dir, root, notes)
        ignored += more + more2
        classes = [d.name for d in class_dirs]  # sorted as ImageFolder sorts: plain str order
        stray = sorted({d.name for d in test_dirs} - set(classes))
        if stray:
            raise DataError(f"{test_dir}: the test folder{'s' * (len(stray) > 1)} "
                            f"{', '.join(map(repr, stray))} match{'es' * (len(stray) == 1)} no "
                            f"training class in {train_dir} ({', '.join(classes) or 'none'}).")
        notes += [f"folder '{d.name}' is not used (train/test layout)"
                  for d in dirs if d not in (train_dir, test_dir)]
        _need_classes(class_dirs, train_dir, train_loose)
        for label, name in enumerate(classes):
            train_files += [(p, label) for p in _collect(train_dir / name, root, ignored, notes,
                                                          seen=seen)]
            there = test_dir / name  # not a link back into the data set (_top said so)
            tests = (_collect(there, root, ignored, notes, False, seen)
                     if name in {d.name for d in test_dirs} else [])
            if not tests:
                notes.append(f"class '{name}' has no test images")
            test_files += [(p, label) for p in tests]
        if not test_files:
            raise DataError(f"The test folder {test_dir} holds no images in class folders. {LAYOUT_HELP}")
    else:
        if train_dir or test_dir:
            have, lack = ("train", "test (or val)") if train_dir else (test_dir.name, "train")
            raise DataError(f"{root} has a '{have}' folder but no '{lack}' folder beside it. {LAYOUT_HELP}")
        layout = "split"
        _need_classes(dirs, root, loose)
        if test_fraction == 0:
            raise DataError(f"{root}: a test set is needed: set a test fraction above 0, or put the "
                            "images in DIR/train/<class> and DIR/test/<class>.")
        classes = [d.name for d in dirs]
        for label, name in enumerate(classes):
            files = _collect(root / name, root, ignored, notes, seen=seen)
            n = len(files)
            k = min(n - 1, max(1, round(n * test_fraction))) if n >= 2 else 0
            if n == 1:
                notes.append(f"class '{name}' has only 1 image: none kept for testing")
            # Seeded by the class name as well: adding a class leaves the others' splits alone.
            picked = set(random.Random(_bytes(f"{split_seed}/{name}")).sample(range(n), k))
            train_files += [(p, label) for i, p in enumerate(files) if i not in picked]
            test_files += [(p, label) for i, p in enumerate(files) if i in picked]
    if loose:
        notes.append(f"{len(loose)} image(s) directly in {root.name} are in no class folder and not used")
    return FolderPlan(root, layout, _class_names(classes, root), train_files, test_files,
                      sorted(ignored), [shown(n) for n in notes])


# ---------------------------------------------------------------- the whole folder

def available_bytes() -> int:
    """Memory the system could give now (core.data.system_memory), else 4 GiB."""
    return available_memory() or 4 * 2**30


def load_image_folder(root, size: int = DEFAULT_SIZE, test_fraction: float = 0.2,
                      split_seed: int = 42, progress=None, max_bytes: int | None = None) -> ImageData:
    """Decode every image of the folder once into memory. progress(done, total) is called from
    this thread, at most about 10 times a second and once at the end; an exception it raises
    stops the load and propagates (that is how a caller cancels)."""
    size = check_size(size)
    plan = scan(root, test_fraction, split_seed)
    limit = available_bytes() // 2 if max_bytes is None else max_bytes
    need = plan.memory_bytes(size)
    if need > limit:
        count = len(plan.train_files) + len(plan.test_files)
        fits = math.isqrt(max(limit, 0) // (3 * count))
        hint = f" (about {fits} or less fits)" if fits >= MIN_SIZE else ""
        whose = " (half the memory available now)" if max_bytes is None else ""
        raise DataError(f"{shown(plan.root)}: {count} images at {size}×{size} need about {_human(need)} in "
                        f"memory, more than the {_human(limit)} allowed{whose}.\n"
                        f"Choose a smaller --image-size{hint}, or use fewer images.")
    files = plan.train_files + plan.test_files
    total = len(files)
    n_train = len(plan.train_files)
    # One block for both splits; readable files are written packed (train rows from 0, test rows
    # from n_train), so the final tensors are views and no second copy is ever made.
    pixels = np.empty((total, 3, size, size), np.uint8)
    labels = np.empty(total, np.int64)
    rows = [0, n_train]  # the next free row of each split
    skipped: list[tuple[str, str]] = []
    bad_labels: list[int] = []  # the class of each skipped file

    def read(item):
        try:
            return load_photo(item[0], size), None
        except ImageReadError as e:
            return None, e.reason

    last = 0.0
    # Pillow releases the GIL while decoding, so threads decode in parallel; map() yields in
    # file order, so the tensors are the same on every load.
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="image-folder")
    try:
        for i, (arr, why) in enumerate(pool.map(read, files)):
            if why is None:
                r = rows[i >= n_train]
                pixels[r], labels[r] = arr, files[i][1]
                rows[i >= n_train] += 1
            else:
                skipped.append((_rel(files[i][0], plan.root), why))
                bad_labels.append(files[i][1])
            now = time.monotonic()
            if progress is not None and (now - last >= 0.1 or i + 1 == total):
                last = now
                progress(i + 1, total)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # on cancel: no more files are started
    train, test = slice(0, rows[0]), slice(n_train, rows[1])
    held = set(labels[train].tolist())
    lost = [i for i in range(len(plan.classes)) if i not in held]
    if lost:
        first = next(why for (_, why), label in zip(skipped, bad_labels) if label == lost[0])
        raise DataError(f"{shown(plan.root)}: no training image of class '{plan.classes[lost[0]]}' could "
                        f"be read (the first: {first}); every class needs training images.")
    if rows[1] == n_train:
        raise DataError(f"{shown(plan.root)}: none of the {total - n_train} test images could be read "
                        f"({skipped[-1][1]}).")
    return ImageData(torch.from_numpy(pixels[train]), torch.from_numpy(labels[train]),
                     torch.from_numpy(pixels[test]), torch.from_numpy(labels[test]),
                     f"image folder {shown(plan.root)} ({plan.layout} layout)", tuple(plan.classes),
                     skipped, plan.layout, size)
