"""Fashion-MNIST: find it, check it, parse it with torchvision, hold it as one uint8 tensor per split.

Sources, in order: a folder the user names, the Debian package `dataset-fashion-mnist`,
a copy downloaded earlier (or now, when asked) into the user data folder.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch

from core.paths import user_data_dir

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
# (file stem, item count, SHA-256 of the uncompressed file). The content is checked rather than
# the .gz because repackagers (Debian, for one) recompress the same data.
FILES = {
    "train-images-idx3-ubyte": (60000, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train-labels-idx1-ubyte": (60000, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "t10k-images-idx3-ubyte": (10000, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "t10k-labels-idx1-ubyte": (10000, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}
MIRRORS = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]

ProgressFn = Callable[[str, int, int], None]  # (what, done, total); total 0 when unknown


class DataError(Exception):
    """The data set is missing or broken; the message says what to do."""
    remedy = ""  # what the window can offer to mend it ("download"), if anything


class FashionMnistError(DataError):
    """Fashion-MNIST's files are missing, unreadable or not Fashion-MNIST's: a fresh download
    mends that, so the window offers one."""
    remedy = "download"


@dataclass
class FashionData:
    train_x: torch.Tensor  # uint8 [60000, 28, 28]
    train_y: torch.Tensor  # int64 [60000]
    test_x: torch.Tensor   # uint8 [10000, 28, 28]
    test_y: torch.Tensor   # int64 [10000]
    source: str
    classes: tuple = tuple(CLASS_NAMES)

    def to(self, device) -> "FashionData":
        return FashionData(self.train_x.to(device), self.train_y.to(device),
                           self.test_x.to(device), self.test_y.to(device), self.source, self.classes)


def download_dir() -> Path:
    return user_data_dir() / "fashion-mnist"


def _find_in(folder: Path) -> Optional[dict[str, Path]]:
    """Map each of the four stems to a file in `folder`, plain or .gz; None if any is missing."""
    for candidate in (folder, folder / "FashionMNIST" / "raw", folder / "raw"):
        found = {}
        for stem in FILES:
            for name in (stem, stem + ".gz"):
                if (candidate / name).is_file():
                    found[stem] = candidate / name
                    break
        if len(found) == len(FILES):
            return found
    return None


def missing_message(data_dir: Optional[Path]) -> str:
    named = f"The folder {data_dir} does not hold the four Fashion-MNIST files.\n" if data_dir else ""
    return (named + "Fashion-MNIST was not found. Get it one of three ways:\n"
            "  1. name a folder holding the four files (.gz or not): --data-dir DIR "
            "(or the Data folder setting in the window);\n"
            "  2. install the Debian/Ubuntu package: sudo apt-get install dataset-fashion-mnist;\n"
            f"  3. download it (about 30 MB) into {download_dir()}: python main.py download-data")


def locate(data_dir: Optional[str | Path] = None) -> tuple[str, dict[str, Path]]:
    """Return (a description of the source, the four files). Raises DataError naming the three ways."""
    if data_dir:
        found = _find_in(Path(data_dir).expanduser())
        if found:
            return f"folder {data_dir}", found
        raise FashionMnistError(missing_message(Path(data_dir)))
    for label, folder in (("Debian package dataset-fashion-mnist", DEBIAN_DIR),
                          ("downloaded copy", download_dir())):
        found = _find_in(folder)
        if found:
            return f"{label} ({folder})", found
    raise FashionMnistError(missing_message(None))


def _read_raw(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise FashionMnistError(f"Cannot read {path}: {e} (the file is truncated or corrupt; "
                        "delete it and get the data set again)") from None


def _parse(stem: str, path: Path, raw_dir: Path) -> torch.Tensor:
    """Parse one IDX file with torchvision's own reader after checking what it would only assert."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    data = _read_raw(path)
    count = FILES[stem][0]
    is_images = "images" in stem
    magic = 2051 if is_images else 2049
    expected_len = 16 + count * 28 * 28 if is_images else 8 + count
    if len(data) < 8 or int.from_bytes(data[:4], "big") != magic:
        raise FashionMnistError(f"{path} is not a Fashion-MNIST {'image' if is_images else 'label'} file "
                        f"(bad magic number)")
    if int.from_bytes(data[4:8], "big") != count:
        raise FashionMnistError(f"{path} holds {int.from_bytes(data[4:8], 'big')} items, expected {count}")
    if is_images and data[8:16] != (28).to_bytes(4, "big") * 2:
        raise FashionMnistError(f"{path} does not hold 28x28 images")
    if len(data) != expected_len:
        raise FashionMnistError(f"{path} is {len(data)} bytes, expected {expected_len} (truncated or padded)")
    # torchvision's parser wants an uncompressed file on disk.
    plain = raw_dir / stem
    plain.write_bytes(data)
    tensor = read_image_file(str(plain)) if is_images else read_label_file(str(plain))
    if not is_images and int(tensor.max()) >= len(CLASS_NAMES):
        raise FashionMnistError(f"{path} has label {int(tensor.max())}; Fashion-MNIST labels are 0-9")
    return tensor


def load_fashion_mnist(data_dir: Optional[str | Path] = None) -> FashionData:
    source, files = locate(data_dir)
    with tempfile.TemporaryDirectory(prefix="traindesk-raw-") as tmp:
        t = {stem: _parse(stem, path, Path(tmp)) for stem, path in files.items()}
    return FashionData(t["train-images-idx3-ubyte"].contiguous(), t["train-labels-idx1-ubyte"].long(),
                       t["t10k-images-idx3-ubyte"].contiguous(), t["t10k-labels-idx1-ubyte"].long(),
                       source)


def download(progress: Optional[ProgressFn] = None, target: Optional[Path] = None,
             mirrors: list[str] = MIRRORS) -> Path:
    """Download the four .gz files into the user data folder, checking each file's content."""
    target = target or download_dir()
    target.mkdir(parents=True, exist_ok=True)
    for stem in FILES:
        dest = target / f"{stem}.gz"
        if dest.is_file() and _content_ok(stem, dest):
            continue
        errors = []
        for mirror in mirrors:
            try:
                _fetch(mirror + f"{stem}.gz", dest, stem, progress)
                break
            except (OSError, ValueError, EOFError) as e:
                errors.append(f"{mirror}: {e}")
        else:
            raise FashionMnistError(f"Download of {stem}.gz failed ({'; '.join(errors)}).\n"
                            + missing_message(None))
    return target


def _content_ok(stem: str, gz_path: Path) -> bool:
    try:
        with gzip.open(gz_path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest() == FILES[stem][1]
    except (OSError, EOFError):
        return False


def _fetch(url: str, dest: Path, stem: str, progress: Optional[ProgressFn]) -> None:
    tmp = dest.with_suffix(".part")
    with urllib.request.urlopen(url, timeout=30) as resp, open(tmp, "wb") as out:
        total = int(resp.headers.get("Content-Length") or 0)
        done = 0
        while chunk := resp.read(1 << 16):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(dest.name, done, total)
    if not _content_ok(stem, tmp):
        tmp.unlink(missing_ok=True)
        raise ValueError(f"checksum mismatch for {dest.name}")
    os.replace(tmp, dest)
