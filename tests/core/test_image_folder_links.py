"""Links in an image folder, made for real with os.symlink: a link that leads back into the data
set (to its root, a split, a class, a picture, or a folder holding the data set) is left out whole,
with a note, so no picture is read under a label it does not have; pictures linked in from
elsewhere are read once, under the class whose folder holds the link."""
import numpy as np
import pytest
from PIL import Image

from core.data.image_folder import load_image_folder, scan

CLASSES = ("bag", "sneaker", "trouser")


def _picture(path, grey):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8), grey, np.uint8)).save(path)


def _data_set(root, per_class=4):
    """root/train/<class>/ and root/test/<class>/: class k's pictures are greys 10*k+1 .. 10*k+9,
    so each picture's pixels tell its true class."""
    for split, start in (("train", 1), ("test", 7)):
        for k, name in enumerate(CLASSES):
            for i in range(per_class if split == "train" else 2):
                _picture(root / split / name / f"{i:03d}.png", 10 * k + start + i)
    return root


def _true_class(path) -> int:
    return int(np.asarray(Image.open(path)).flat[0]) // 10


def _assert_labels_true(plan):
    for path, label in plan.train_files + plan.test_files:
        assert _true_class(path) == label, (path, plan.classes[label])


def test_the_reported_loop_train_bag_to_train_reads_no_sneaker_as_a_bag(tmp_path):
    root = _data_set(tmp_path / "shoes")
    (root / "train" / "bag" / "loop").symlink_to(root / "train")
    plan = scan(root)
    assert plan.classes == list(CLASSES) and plan.layout == "train/test"
    assert len(plan.train_files) == 12 and len(plan.test_files) == 6  # nothing read twice
    _assert_labels_true(plan)
    assert ["'train/bag/loop' is a link back into the data set (to 'train') and was left out: its "
            "pictures are read where they are, under their own class"] == [
        n for n in plan.notes if "loop" in n]
    # And as the training data itself: every picture's pixels are of the class it is labelled
    data = load_image_folder(root, size=8)
    for x, y in ((data.train_x, data.train_y), (data.test_x, data.test_y)):
        assert (x[:, 0, 0, 0] // 10).tolist() == y.tolist()


@pytest.mark.parametrize("where, target", [
    ("train/bag/root", "."), ("train/bag/split", "train"), ("train/bag/other", "test"),
    ("train/bag/class", "train/sneaker"), ("train/bag/deep", "train/trouser"),
    ("train/bag/itself", "train/bag"), ("train/bag/up", ".."), ("train/bag/disk", "/"),
    ("train/bag/picture.png", "train/sneaker/000.png"), ("train/shoes", "train/sneaker"),
    ("test/bag/more", "train/bag")])
def test_a_link_back_into_the_data_set_is_left_out_whole_with_its_note(tmp_path, where, target):
    root = _data_set(tmp_path / "set")
    link = root / where
    link.symlink_to(root / target if target != "/" else "/")
    plan = scan(root)
    assert plan.classes == list(CLASSES)  # a linked class folder is no class of its own
    assert len(plan.train_files) == 12 and len(plan.test_files) == 6
    _assert_labels_true(plan)
    note = [n for n in plan.notes if n.startswith(f"'{where}' is a link back into the data set")]
    assert len(note) == 1, plan.notes


def test_pictures_linked_in_from_elsewhere_are_read_once_under_the_linking_class(tmp_path):
    root = _data_set(tmp_path / "set")
    elsewhere = tmp_path / "downloads" / "more-bags"
    for i in range(3):
        _picture(elsewhere / f"{i}.png", 5 + i)  # greys 5..7: bags (class 0)
    _picture(tmp_path / "downloads" / "one-sneaker.png", 18)
    (root / "train" / "bag" / "more").symlink_to(elsewhere)
    (root / "train" / "bag" / "again").symlink_to(elsewhere)  # the same folder twice
    (root / "test" / "bag" / "leak").symlink_to(elsewhere)  # would put training pictures in test
    (root / "train" / "sneaker" / "s.png").symlink_to(tmp_path / "downloads" / "one-sneaker.png")
    (root / "train" / "sneaker" / "s2.png").symlink_to(tmp_path / "downloads" / "one-sneaker.png")
    plan = scan(root)
    names = [p.relative_to(root).as_posix() for p, _ in plan.train_files]
    assert [n for n in names if n.startswith("train/bag/")] == [
        "train/bag/000.png", "train/bag/001.png", "train/bag/002.png", "train/bag/003.png",
        "train/bag/again/0.png", "train/bag/again/1.png", "train/bag/again/2.png"]
    assert names.count("train/sneaker/s.png") == 1 and "train/sneaker/s2.png" not in names
    assert len(plan.train_files) == 12 + 3 + 1 and len(plan.test_files) == 6
    _assert_labels_true(plan)
    assert any(n.startswith("'train/bag/more' leads back to a folder already read") for n in plan.notes)
    assert any(n.startswith("'test/bag/leak' leads back to a folder already read") for n in plan.notes)
    assert "'train/sneaker/s2.png' is a picture already read and was left out" in plan.notes


def test_a_split_layout_class_linked_in_from_elsewhere_is_a_class(tmp_path):
    """As torchvision's ImageFolder: a class folder may be a link to pictures kept elsewhere."""
    root = tmp_path / "set"
    for k, name in enumerate(("bag", "sneaker")):
        for i in range(3):
            _picture(root / name / f"{i}.png", 10 * k + 1 + i)
    for i in range(3):
        _picture(tmp_path / "kept" / f"{i}.png", 21 + i)
    (root / "trouser").symlink_to(tmp_path / "kept")
    (root / "bags-again").symlink_to(root / "bag")
    plan = scan(root, 0.34)
    assert plan.classes == ["bag", "sneaker", "trouser"]
    assert len(plan.train_files) + len(plan.test_files) == 9
    _assert_labels_true(plan)
    assert any(n.startswith("'bags-again' is a link back into the data set (to 'bag')")
               for n in plan.notes)
