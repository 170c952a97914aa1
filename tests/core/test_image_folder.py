"""The image-folder workflow's reader, on real files written into tmp_path: layouts, splits, every
colour mode and format it claims to read, damaged files, whole-folder mistakes, memory, progress."""
import io
import os
import time

import numpy as np
import pytest
import torch
from PIL import Image

from core.data.fashion_mnist import DataError
from core.data.image_folder import ImageData, load_image_folder, scan
from core.pictures.decode import DEFAULT_SIZE, ImageReadError, load_photo
from image_folder_fixture import fashion_rgb, write_fashion_folder

BIL = Image.Resampling.BILINEAR


def _png(path, arr, mode=None, **opts):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr), mode).save(path, **opts)
    return path


def _classes(root, counts, side=8):
    """Tiny PNGs: class k's file i is a flat grey of 10*k + i, so any row tells its file."""
    for k, (name, n) in enumerate(counts.items()):
        for i in range(n):
            _png(root / name / f"{i:03d}.png", np.full((side, side), 10 * k + i, np.uint8))
    return root


def _pattern(h=24, w=32):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x + y) % 7 * 30], -1).astype(np.uint8)


def _expected(rgb, size):
    return np.asarray(Image.fromarray(rgb).resize((size, size), BIL, reducing_gap=3.0)).transpose(2, 0, 1)


# ---------------------------------------------------------------- layouts and splits

def test_split_layout_reads_the_real_items_with_sorted_class_names(tmp_path, fashion):
    w = write_fashion_folder(tmp_path / "c", classes=("Trouser", "T-shirt", "Bag"), per_class=10,
                             formats=("png",), data=fashion)
    data = load_image_folder(w.root, size=28)
    assert data.classes == ("Bag", "T-shirt", "Trouser") and data.layout == "split"
    assert data.train_x.shape == (24, 3, 28, 28) and data.train_x.dtype == torch.uint8
    assert data.test_x.shape == (6, 3, 28, 28) and data.test_y.dtype == torch.int64
    assert data.train_y.bincount().tolist() == [8, 8, 8] and data.test_y.bincount().tolist() == [2, 2, 2]
    plan, files = scan(w.root), w.by_path()
    for rows, ys, part in ((data.train_x, data.train_y, plan.train_files),
                           (data.test_x, data.test_y, plan.test_files)):
        for row, y, (path, label) in zip(rows, ys, part):
            src = files[path]
            assert int(y) == label == data.classes.index(src.class_name)
            want = fashion_rgb(fashion.train_x[src.index].numpy()).transpose(2, 0, 1)
            assert np.array_equal(row.numpy(), want)  # PNG at its own size: exact
    assert not np.array_equal(data.train_x[:, 0], data.train_x[:, 2])  # really colour
    assert data.source == f"image folder {w.root} (split layout)" and data.image_size == 28


def test_train_test_layout_with_a_val_folder(tmp_path, fashion):
    w = write_fashion_folder(tmp_path / "c", per_class=6, test_per_class=3, layout="train/test",
                             formats=("png", "jpg", "bmp", "webp"), size=40, data=fashion)
    (w.root / "test").rename(w.root / "Val")
    (w.root / "notes").mkdir()
    plan = scan(w.root)
    assert plan.layout == "train/test" and plan.classes == ["Bag", "T-shirt", "Trouser"]
    assert "folder 'notes' is not used (train/test layout)" in plan.notes
    assert all(p.parent.parent.name == "Val" for p, _ in plan.test_files)
    data = load_image_folder(w.root)
    assert data.train_x.shape == (18, 3, 64, 64) and data.test_x.shape == (9, 3, 64, 64)
    assert data.test_y.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] and data.image_size == DEFAULT_SIZE
    assert data.skipped == [] and "train/test layout" in data.source


def test_an_unzipped_wrapper_folder_is_read_from_inside(tmp_path):
    """Choosing data/ where the archive unpacked into data/pizza_steak_sushi/{train,test} (as
    notebook 04 does), beside the zip and macOS's __MACOSX folder, reads the data set inside."""
    inner = tmp_path / "data" / "pizza_steak_sushi"
    _classes(inner / "train", {"pizza": 3, "steak": 3})
    _classes(inner / "test", {"pizza": 1, "steak": 1})
    (tmp_path / "data" / "pizza_steak_sushi.zip").write_bytes(b"PK")
    (tmp_path / "data" / "__MACOSX" / "pizza_steak_sushi").mkdir(parents=True)
    (tmp_path / "data" / "__MACOSX" / "pizza_steak_sushi" / "._train").write_bytes(b"x")
    plan = scan(tmp_path / "data")
    assert plan.root == inner and plan.layout == "train/test" and plan.classes == ["pizza", "steak"]
    assert (len(plan.train_files), len(plan.test_files)) == (6, 2) and plan.ignored == []
    assert plan.notes[0] == "reading 'pizza_steak_sushi', the only folder in 'data'"
    assert "pizza_steak_sushi (train/test layout)" in load_image_folder(tmp_path / "data", 16).source
    # two wrappers down, class folders split by the seed
    _classes(tmp_path / "outer" / "photos" / "all", {"a": 4, "b": 4})
    plan = scan(tmp_path / "outer")
    assert plan.classes == ["a", "b"] and plan.notes[0].startswith("reading 'photos/all'")
    # one class folder with pictures is not a wrapper: it is a one-class data set, and said so
    _classes(tmp_path / "one", {"cats": 3})
    with pytest.raises(DataError, match="found 1: 'cats'"):
        scan(tmp_path / "one")


def test_a_class_missing_from_test_is_a_note(tmp_path):
    _classes(tmp_path / "train", {"a": 2, "b": 2})
    _classes(tmp_path / "test", {"a": 1})
    plan = scan(tmp_path)
    assert plan.notes == ["class 'b' has no test images"] and len(plan.test_files) == 1


def test_split_is_stratified_seeded_and_independent_of_listing_order(tmp_path, monkeypatch):
    root = _classes(tmp_path, {"a": 10, "b": 5, "c": 2, "d": 1})
    plan = scan(root, 0.2, 42)
    assert [sum(1 for _, y in plan.test_files if y == k) for k in range(4)] == [2, 1, 1, 0]
    assert [sum(1 for _, y in plan.train_files if y == k) for k in range(4)] == [8, 4, 1, 1]
    assert "class 'd' has only 1 image: none kept for testing" in plan.notes
    assert scan(root, 0.2, 42) == plan
    assert scan(root, 0.2, 7).test_files != plan.test_files
    assert [len(scan(root, 0.9).train_files)] == [1 + 1 + 1 + 1]  # each class keeps one to train on
    real = os.scandir

    class Backwards:  # the file system lists in the opposite order
        def __init__(self, path):
            with real(path) as it:
                self.items = sorted(it, key=lambda e: e.name, reverse=True)

        def __enter__(self):
            return iter(self.items)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(os, "scandir", Backwards)
    assert scan(root, 0.2, 42) == plan


def test_files_are_found_recursively_and_links_back_into_the_folder_left_out(tmp_path):
    root = _classes(tmp_path, {"a": 2, "b": 2})
    _png(root / "a" / "deeper" / "x.png", np.zeros((8, 8), np.uint8))
    (root / "a" / "loop").symlink_to(root / "a")
    (root / "b" / "alias.png").symlink_to(root / "b" / "000.png")
    (root / "linked").symlink_to(root / "b")
    plan = scan(root, 0.5)
    # b's pictures are read once, as b's: a link back into the data set is no class, no picture
    # (tests/core/test_image_folder_links.py has the links from elsewhere, which are read)
    assert plan.classes == ["a", "b"]
    names = sorted(p.relative_to(root).as_posix() for p, _ in plan.train_files + plan.test_files)
    assert names == ["a/000.png", "a/001.png", "a/deeper/x.png", "b/000.png", "b/001.png"]
    for link in ("a/loop", "b/alias.png", "linked"):
        assert any(n.startswith(f"'{link}' is a link back into the data set") for n in plan.notes)


def test_a_link_that_cannot_be_followed_is_a_note(tmp_path):
    """Asking whether a link to itself is a folder raises ELOOP (a link into a place this user
    cannot enter raises PermissionError, as /proc/1/cwd does): it used to end the scan with a
    traceback."""
    root = _classes(tmp_path, {"a": 2, "b": 2})
    (root / "a" / "self").symlink_to("self")
    (root / "itself").symlink_to("itself")
    plan = scan(root, 0.5)
    assert plan.classes == ["a", "b"] and len(plan.train_files + plan.test_files) == 4
    assert sum("cannot be read" in n and "left out" in n for n in plan.notes) == 2
    assert any(n.startswith("'a/self' cannot be read") for n in plan.notes)

def test_memory_figure_and_description(tmp_path):
    plan = scan(_classes(tmp_path, {"a": 10, "b": 10, "c": 10}))
    assert plan.memory_bytes() == 30 * 3 * 64 * 64 and plan.memory_bytes(32, 1) == 30 * 32 * 32
    assert plan.describe() == "3 classes, 24 training and 6 test images; at 64×64 about 368.6 KB in memory"
    assert plan.describe(512).endswith("about 23.6 MB in memory")


# ---------------------------------------------------------------- formats and colour modes

@pytest.mark.parametrize("ext, opts, tol", [("png", {}, 0), ("bmp", {}, 0), ("webp", {"lossless": True}, 0),
                                            ("jpg", {"quality": 95}, 6), ("PNG", {"format": "png"}, 0),
                                            ("tif", {}, 0), ("ppm", {}, 0),
                                            ("gif", {}, 5)])  # GIF: 256 colours at most
def test_formats(tmp_path, ext, opts, tol):
    rgb = _pattern()
    out = load_photo(_png(tmp_path / f"p.{ext}", rgb, **opts), 16)
    assert out.shape == (3, 16, 16) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - _expected(rgb, 16)).mean() <= tol


def test_grey_png_fills_all_three_channels(tmp_path):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    out = load_photo(_png(tmp_path / "g.png", grey), 8)
    assert np.array_equal(out, np.stack([grey] * 3))


def test_transparent_parts_become_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[:, :4] = (255, 0, 0, 0)      # invisible red
    rgba[:, 4:6] = (0, 255, 0, 255)   # opaque green
    rgba[:, 6:] = (255, 0, 0, 128)    # half-transparent red over white
    out = load_photo(_png(tmp_path / "a.png", rgba, "RGBA"), 8)
    assert out[:, 0, 0].tolist() == [255, 255, 255] and out[:, 0, 4].tolist() == [0, 255, 0]
    assert out[0, 0, 7] == 255 and abs(int(out[1, 0, 7]) - 127) <= 1
    la = np.dstack([np.full((8, 8), 40, np.uint8), np.tile([0, 255], (8, 4)).astype(np.uint8)])
    out = load_photo(_png(tmp_path / "la.png", la, "LA"), 8)
    assert out[:, 0, 0].tolist() == [255] * 3 and out[:, 0, 1].tolist() == [40] * 3


def test_palette_png_with_and_without_transparency(tmp_path):
    im = Image.fromarray(np.tile([0, 1], (8, 4)).astype(np.uint8), "P")
    im.putpalette([0, 0, 0, 20, 40, 200] + [0] * 762)
    im.save(tmp_path / "p.png")
    im.save(tmp_path / "pt.png", transparency=0)
    assert Image.open(tmp_path / "pt.png").mode == "P"
    assert load_photo(tmp_path / "p.png", 8)[:, 0, :2].T.tolist() == [[0, 0, 0], [20, 40, 200]]
    assert load_photo(tmp_path / "pt.png", 8)[:, 0, :2].T.tolist() == [[255, 255, 255], [20, 40, 200]]


def test_cmyk_jpeg_comes_out_in_the_right_colours(tmp_path):
    im = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # red
    im.paste((255, 0, 0, 0), (0, 8, 16, 16))             # cyan
    im.save(tmp_path / "c.jpg", quality=95)
    assert Image.open(tmp_path / "c.jpg").mode == "CMYK"
    out = load_photo(tmp_path / "c.jpg", 16).astype(int)
    assert np.abs(out[:, 2, 8] - [255, 0, 0]).max() <= 8
    assert np.abs(out[:, 13, 8] - [0, 255, 255]).max() <= 8


def test_16_bit_grey_is_scaled_not_clipped(tmp_path):
    values = np.array([0, 1000, 32768, 65535], np.uint16)
    _png(tmp_path / "16.png", np.tile(np.repeat(values, 2), (8, 1)))
    assert Image.open(tmp_path / "16.png").mode in ("I;16", "I")
    out = load_photo(tmp_path / "16.png", 8)
    assert out[0, 0, ::2].tolist() == [0, 4, 128, 255] and np.array_equal(out[0], out[2])


def test_one_bit_and_float_images(tmp_path):
    bits = np.tile([False, True], (8, 4))
    Image.fromarray(bits).save(tmp_path / "b.png")
    assert load_photo(tmp_path / "b.png", 8)[0, 0, :2].tolist() == [0, 255]
    Image.fromarray(np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8), "F").save(tmp_path / "f.tif")
    out = load_photo(tmp_path / "f.tif", 8)
    assert out[0, 0, 0] == 0 and out[0, 7, 7] == 255


def test_exif_rotated_photo_is_turned_upright(tmp_path):
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[:, :20] = (255, 0, 0)  # stored: red left, blue right
    rgb[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view", as phones write
    Image.fromarray(rgb).save(tmp_path / "r.jpg", exif=exif, quality=95)
    out = load_photo(tmp_path / "r.jpg", 16).astype(int)
    assert out[0, 2, 8] > 200 and out[2, 2, 8] < 60    # red on top
    assert out[2, 13, 8] > 200 and out[0, 13, 8] < 60  # blue at the bottom


@pytest.mark.parametrize("ext", ["png", "jpg"])
def test_big_pictures_shrink_without_aliasing(tmp_path, ext):
    stripes = np.tile(np.array([0, 255], np.uint8), (1536, 1024))  # 1-pixel lines, 2048 wide
    out = load_photo(_png(tmp_path / f"s.{ext}", stripes, quality=95), 64)
    assert out.shape == (3, 64, 64) and np.abs(out.astype(int) - 128).max() <= 12


# ---------------------------------------------------------------- damaged and stray files

def test_damaged_files_are_skipped_with_reasons_and_others_ignored(tmp_path, fashion):
    w = write_fashion_folder(tmp_path / "c", per_class=5, data=fashion)
    bag = w.root / "Bag"
    (bag / "corrupt.png").write_bytes(np.random.default_rng(0).bytes(3000))
    whole = io.BytesIO()
    Image.fromarray(_pattern(200, 200)).save(whole, "JPEG")
    (bag / "truncated.jpg").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    (bag / "empty.png").write_bytes(b"")
    (bag / "readme.txt").write_text("not an image")
    for hidden in (w.root / ".DS_Store", bag / ".DS_Store", bag / "._1.jpg", w.root / ".cache" / "x.png"):
        hidden.parent.mkdir(exist_ok=True)
        hidden.write_bytes(b"\0\5\7")
    plan = scan(w.root, 0.5)
    assert plan.ignored == ["Bag/readme.txt"]
    data = load_image_folder(w.root, size=32, test_fraction=0.5)
    why = dict(data.skipped)
    assert sorted(why) == ["Bag/corrupt.png", "Bag/empty.png", "Bag/truncated.jpg"]
    assert "not an image" in why["Bag/corrupt.png"] and "empty" in why["Bag/empty.png"]
    assert "truncated" in why["Bag/truncated.jpg"] and all("\n" not in r for r in why.values())
    assert len(data.train_y) + len(data.test_y) == 15
    with pytest.raises(ImageReadError, match="corrupt.png: not an image") as e:
        load_photo(bag / "corrupt.png")
    assert e.value.reason.startswith("not an image")


def test_a_class_of_unreadable_files_is_named(tmp_path):
    root = _classes(tmp_path, {"a": 3, "b": 3})
    for i in range(2):
        (root / "zebra" / f"{i}.jpg").parent.mkdir(exist_ok=True)
        (root / "zebra" / f"{i}.jpg").write_bytes(b"garbage" * 10)
    with pytest.raises(DataError, match="class 'zebra'"):
        load_image_folder(root)


@pytest.mark.parametrize("make, message", [
    (lambda r: (_classes(r, {"cats": 3, "emu": 3}), (r / "dogs").mkdir()), "dogs holds no image files"),
    (lambda r: _classes(r, {"cats": 3}), "needs at least two class folders, found 1: 'cats'"),
    (lambda r: _classes(r.parent, {r.name: 3}), r"DIR/<class>/\*.png"),
    (lambda r: (_classes(r / "train", {"a": 2, "b": 2}), _classes(r / "test", {"a": 1, "c": 1})), "'c'"),
    (lambda r: _classes(r / "train", {"a": 2, "b": 2}), "'train' folder but no 'test"),
    (lambda r: r.mkdir(), "holds no images"),
    (lambda r: None, "does not exist"),
    (lambda r: r.write_text("x"), "not a folder"),
])
def test_whole_folder_mistakes(tmp_path, make, message):
    root = tmp_path / "data"
    make(root)
    with pytest.raises(DataError, match=message) as e:
        load_image_folder(root)
    assert str(root) in str(e.value)


def test_bad_arguments(tmp_path):
    root = _classes(tmp_path, {"a": 3, "b": 3})
    with pytest.raises(DataError, match="test set is needed"):
        scan(root, test_fraction=0)
    for bad in (0.95, -0.1):
        with pytest.raises(ValueError):
            scan(root, test_fraction=bad)
    for bad in (7, 513, 32.0):
        with pytest.raises(ValueError):
            load_image_folder(root, size=bad)
    assert load_image_folder(root, size=8).train_x.shape[-1] == 8


# ---------------------------------------------------------------- memory, progress, determinism

def test_memory_limit_refuses_before_decoding(tmp_path, monkeypatch):
    import core.data.image_folder as m
    root = _classes(tmp_path, {"a": 10, "b": 10})
    monkeypatch.setattr(m, "load_photo", lambda *a: pytest.fail("decoded despite the limit"))
    with pytest.raises(DataError, match=r"(?s)245.8 KB.*--image-size \(about 45 or less fits\)"):
        load_image_folder(root, max_bytes=20 * 3 * 45 * 45)
    monkeypatch.undo()
    assert len(load_image_folder(root, max_bytes=20 * 3 * 64 * 64).train_y) == 16


def test_progress_reaches_the_end_and_a_raising_callback_cancels(tmp_path, fashion):
    w = write_fashion_folder(tmp_path / "c", per_class=30, data=fashion)
    calls, start = [], time.monotonic()
    load_image_folder(w.root, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (90, 90) and len(calls) <= 2 + 10 * (time.monotonic() - start)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    class Cancelled(Exception):
        pass

    def stop(done, total):
        raise Cancelled

    with pytest.raises(Cancelled):
        load_image_folder(w.root, progress=stop)


def test_load_photo_matches_the_loaded_rows_and_loads_repeat(tmp_path, fashion):
    w = write_fashion_folder(tmp_path / "c", per_class=8, formats=("jpg", "png", "webp"), size=50,
                             data=fashion)
    a, b = load_image_folder(w.root, size=40), load_image_folder(w.root, size=40)
    for name in ("train_x", "train_y", "test_x", "test_y"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    plan = scan(w.root)
    for row, (path, _) in zip(a.train_x, plan.train_files):
        assert np.array_equal(load_photo(path, 40), row.numpy())
    moved = a.to("cpu")
    assert isinstance(moved, ImageData) and moved.classes == a.classes and moved.image_size == 40
    assert moved.layout == "split" and moved.skipped == [] and torch.equal(moved.test_x, a.test_x)


def test_a_class_folder_linked_to_a_huge_tree_is_refused_not_walked(tmp_path, monkeypatch):
    import core.data.image_folder as image_folder
    monkeypatch.setattr(image_folder, "MAX_FOLDERS", 5)
    root = _classes(tmp_path / "pictures", {"a": 2})
    tree = tmp_path / "disk"
    for i in range(8):
        (tree / f"d{i}").mkdir(parents=True)
    (root / "everything").symlink_to(tree)
    with pytest.raises(DataError, match="holds more than 5 folders; is it .* pointing at a whole disk"):
        scan(root)
