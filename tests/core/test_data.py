"""Fashion-MNIST sources, the in-memory layout, and the messages for missing or broken files."""
import gzip
import shutil

import pytest
import torch

from core.data import fashion_mnist as data
from core.data.fashion_mnist import DataError, load_fashion_mnist, locate


def test_real_data_shapes_and_types(fashion):
    assert fashion.train_x.shape == (60000, 28, 28) and fashion.train_x.dtype == torch.uint8
    assert fashion.test_x.shape == (10000, 28, 28) and fashion.test_x.dtype == torch.uint8
    assert fashion.train_y.shape == (60000,) and fashion.train_y.dtype == torch.int64
    assert torch.bincount(fashion.train_y).tolist() == [6000] * 10  # balanced, as published
    assert torch.bincount(fashion.test_y).tolist() == [1000] * 10
    assert fashion.classes[0] == "T-shirt/top" and fashion.classes[9] == "Ankle boot"


def _copy(files, folder, unzip=False):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, path in files.items():
        if unzip:
            (folder / stem).write_bytes(gzip.open(path).read())
        else:
            shutil.copy(path, folder / (stem + ".gz"))
    return folder


@pytest.mark.parametrize("layout", ["gz", "plain", "torchvision"])
def test_named_folder_in_each_layout(fashion, fashion_files, tmp_path, layout):
    folder = tmp_path / "d"
    target = folder / "FashionMNIST" / "raw" if layout == "torchvision" else folder
    _copy(fashion_files, target, unzip=layout != "gz")
    got = load_fashion_mnist(folder)
    assert got.source.startswith(f"folder {folder}")
    assert torch.equal(got.test_x, fashion.test_x) and torch.equal(got.train_y, fashion.train_y)


def test_named_folder_wins_over_debian_package(fashion_files, tmp_path):
    _copy(fashion_files, tmp_path)
    assert locate(tmp_path)[0] == f"folder {tmp_path}"


def test_missing_everywhere_names_the_three_ways(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    with pytest.raises(DataError) as e:
        locate(None)
    msg = str(e.value)
    assert "--data-dir" in msg and "apt-get install dataset-fashion-mnist" in msg
    assert "download-data" in msg and str(tmp_path / "home") in msg


def test_only_fashion_mnists_own_files_are_mended_by_a_download(tmp_path):
    """The window offers Download by the error itself, not by the workflow picked at the time."""
    from core.data.image_folder import load_image_folder
    with pytest.raises(DataError) as missing:
        locate(tmp_path)
    (tmp_path / "only-one" / "cats").mkdir(parents=True)
    with pytest.raises(DataError) as folder:
        load_image_folder(tmp_path / "only-one")
    assert missing.value.remedy == "download" and folder.value.remedy == ""


def test_named_folder_without_the_files(tmp_path):
    with pytest.raises(DataError, match="does not hold the four Fashion-MNIST files"):
        load_fashion_mnist(tmp_path)


def test_downloaded_copy_is_found(fashion_files, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    _copy(fashion_files, data.download_dir())
    assert locate(None)[0].startswith("downloaded copy")


def test_download_checks_md5_and_reports_progress(fashion_files, tmp_path):
    """The download path, fed from a local 'mirror' because this machine has no internet."""
    mirror = _copy(fashion_files, tmp_path / "mirror")
    seen = []
    target = data.download(lambda name, done, total: seen.append(name), tmp_path / "dl",
                           mirrors=[mirror.as_uri() + "/"])
    assert sorted(p.name for p in target.iterdir()) == sorted(s + ".gz" for s in data.FILES)
    assert set(seen) == {s + ".gz" for s in data.FILES}
    bad = _copy(fashion_files, tmp_path / "bad")
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the real file")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz failed.*checksum"):
        data.download(None, tmp_path / "dl2", mirrors=[bad.as_uri() + "/"])


def _broken_copy(fashion_files, tmp_path, stem, mutate):
    folder = _copy(fashion_files, tmp_path / "broken", unzip=True)
    raw = bytearray((folder / stem).read_bytes())
    (folder / stem).write_bytes(bytes(mutate(raw)))
    return folder


def _set(raw, at, value):
    raw[at:at + 4] = value.to_bytes(4, "big")
    return raw


@pytest.mark.parametrize("stem,mutate,message", [
    ("train-images-idx3-ubyte", lambda r: _set(r, 0, 1234), "bad magic number"),
    ("t10k-labels-idx1-ubyte", lambda r: _set(r, 0, 2051), "bad magic number"),
    ("t10k-images-idx3-ubyte", lambda r: r[:len(r) // 2], "truncated"),
    ("train-labels-idx1-ubyte", lambda r: _set(r, 4, 59999), "holds 59999 items, expected 60000"),
    ("t10k-images-idx3-ubyte", lambda r: _set(r, 8, 32), "28x28"),
    ("t10k-labels-idx1-ubyte", lambda r: r[:8] + bytes([12]) + r[9:], "label 12"),
    ("t10k-labels-idx1-ubyte", lambda r: r[:3], "bad magic number"),
])
def test_corrupt_files_are_named(fashion_files, tmp_path, stem, mutate, message):
    folder = _broken_copy(fashion_files, tmp_path, stem, mutate)
    with pytest.raises(DataError) as e:
        load_fashion_mnist(folder)
    assert str(folder / stem) in str(e.value) and message in str(e.value)
    assert e.value.remedy == "download"  # the window offers a fresh copy


def test_broken_gzip_is_named(fashion_files, tmp_path):
    folder = _copy(fashion_files, tmp_path)
    gz = folder / "train-labels-idx1-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:1000])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz.*truncated or corrupt"):
        load_fashion_mnist(folder)
