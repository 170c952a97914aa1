"""Folder and file names that are not UTF-8 (written under another encoding, or by an old zip
tool): the pictures are still read, and the names shown and stored have U+FFFD in place of the
bytes that do not decode. Real files on disk, named with raw bytes."""
import json
import os
import random

import numpy as np
import pytest
from PIL import Image

from core.data.fashion_mnist import DataError
from core.data.image_folder import load_image_folder, scan, shown


def _picture(path: bytes, grey: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.full((8, 8), grey, np.uint8)).save(os.fsdecode(path), format="PNG")


@pytest.fixture
def latin1_folder(tmp_path):
    """Two classes, one named 'caf\\xe9' in Latin-1; the folder also holds a damaged file whose
    name is not UTF-8."""
    root = os.fsencode(tmp_path / "photos")
    for k, cls in enumerate((b"caf\xe9", b"tea")):
        for i in range(5):
            _picture(root + b"/" + cls + b"/%d\xff.png" % i, 40 + 100 * k + i)
    with open(root + b"/tea/broken\xfe.png", "wb") as f:
        f.write(b"not a picture")
    return os.fsdecode(root)


def test_names_that_are_not_utf8_are_read_and_shown_with_a_replacement(latin1_folder):
    data = load_image_folder(latin1_folder, size=8)
    assert data.classes == ("caf\ufffd", "tea")
    assert len(data.train_x) + len(data.test_x) == 10
    assert data.skipped == [("tea/broken\ufffd.png", data.skipped[0][1])]
    assert "not an image" in data.skipped[0][1]
    # What is shown and stored encodes as UTF-8 (Qt would drop lone surrogates; safetensors'
    # metadata and the log refuse them).
    for text in (*data.classes, data.source, *data.skipped[0]):
        text.encode("utf-8")
    json.dumps(list(data.classes), ensure_ascii=False).encode("utf-8")


def test_the_split_seed_of_a_plain_name_is_what_it_always_was(tmp_path):
    """Seeding from bytes gives the same split as seeding from the str did, so runs made before
    keep their test sets."""
    assert random.Random("42/Bag".encode()).random() == random.Random("42/Bag").random()
    for name in ("Bag", "T-shirt", "caf\u00e9"):
        root = tmp_path / name
        for i in range(10):
            _picture(os.fsencode(root / name / f"{i}.png"), i)
            _picture(os.fsencode(root / "other" / f"{i}.png"), 100 + i)
        plan = scan(root, 0.2, 42)
        files = sorted(p for p, y in plan.train_files + plan.test_files if y == plan.classes.index(name))
        picked = set(random.Random(f"42/{name}").sample(range(10), 2))
        assert {files[i] for i in picked} == {p for p, _ in plan.test_files if p in files}


def test_two_class_folders_that_show_alike_are_refused(tmp_path):
    root = os.fsencode(tmp_path / "two")
    for cls in (b"a\xe9", b"a\xe8"):  # both show as 'a\ufffd'
        for i in range(3):
            _picture(root + b"/" + cls + b"/%d.png" % i, i)
    with pytest.raises(DataError, match="same name") as caught:
        scan(os.fsdecode(root))
    str(caught.value).encode("utf-8")


def test_a_whole_folder_mistake_quoting_such_a_name_is_shown_cleanly(tmp_path):
    root = os.fsencode(tmp_path / "one")
    _picture(root + b"/only\xe9/0.png", 1)
    with pytest.raises(DataError) as caught:
        scan(os.fsdecode(root))
    assert "only\ufffd" in str(caught.value) and "at least two class folders" in str(caught.value)


def test_shown_leaves_proper_text_alone():
    assert shown("Büro/ökologisch ✓") == "Büro/ökologisch ✓"
    assert shown(os.fsdecode(b"x\xffy")) == "x\ufffdy"
