"""Checkpoints damaged or crafted on disk: refused with one clear line before any model is built."""
import json
import os
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import save as st_save

from core import checkpoint
from core.checkpoint import FORMAT, CheckpointError
from core.data.fashion_mnist import CLASS_NAMES
from core.kept_files import HOST
from core.models import build_model

META = {"model_id": "fashion-v0", "class_name": "FashionMNISTModelV0", "hidden_units": 4,
        "task": "fashion", "classes": list(CLASS_NAMES)}


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    return build_model("fashion-v0", 4)


def _saved(tmp_path, small, name="m", **changes):
    return checkpoint.save(tmp_path / name, small, {**META, **changes})


def _refused(path, message):
    with pytest.raises(CheckpointError, match=message) as e:
        checkpoint.load(path)
    assert "\n" not in str(e.value) and str(path) in str(e.value)
    return str(e.value)


def test_good_small_checkpoint_loads(tmp_path, small):
    loaded = checkpoint.load(_saved(tmp_path, small))
    x = torch.rand(3, 1, 28, 28)
    with torch.inference_mode():
        assert torch.equal(loaded.model(x), small(x))
    assert loaded.meta["classes"] == list(CLASS_NAMES)


@pytest.mark.parametrize("changes, message", [
    ({"classes": list(CLASS_NAMES)[:9]}, "names 9 classes, but fashion-v0 has 10 outputs"),
    ({"classes": list(CLASS_NAMES) + ["Hat"]}, "names 11 classes"),
    ({"classes": list(range(10))}, "class names are not a list of strings"),
    ({"classes": "T-shirt,Trouser"}, "class names are not a list of strings"),
    ({"classes": None}, "class names are not a list of strings"),
    ({"hidden_units": 10**9}, "hidden units 1000000000 would make fashion-v0 larger than any memory"),
    ({"hidden_units": "4"}, 'hidden units "4" is not a whole number'),
    ({"hidden_units": 4.0}, "hidden units 4.0 is not a whole number"),
    ({"hidden_units": True}, "hidden units true is not a whole number"),
    ({"hidden_units": 0}, "hidden units 0 is not"),
    ({"hidden_units": -5}, "hidden units -5 is not"),
    ({"hidden_units": float("nan")}, "hidden units NaN is not"),
    ({"hidden_units": 10**400}, "hidden units 1000000000000000000000000000000000000000 would make"),
    ({"hidden_units": 10**6}, r"fashion-v0 with 1000000 hidden units would take 3\.0 GiB of memory"),
    ({"model_id": "resnet-9000"}, "names a model TrainDesk cannot build"),
    ({"model_id": None}, "names a model TrainDesk cannot build"),
    ({"model_id": ["fashion-v0"]}, "names a model TrainDesk cannot build"),
    ({"task": "circles"}, "says task 'circles', but fashion-v0 is a fashion model"),
    ({"class_name": 7}, "class name is not a string"),
])
def test_metadata_of_the_wrong_shape(tmp_path, small, changes, message):
    _refused(_saved(tmp_path, small, **changes), message)


def _crafted(tmp_path, tensors, meta_text, name="crafted.safetensors"):
    """A file with TrainDesk's header fields but any metadata text, checksum correct."""
    header = {"format": FORMAT, "meta": meta_text, "sha256": checkpoint._digest(tensors)}
    (tmp_path / name).write_bytes(st_save(tensors, metadata=header))
    return tmp_path / name


def test_metadata_that_is_not_an_object_or_not_json(tmp_path, small):
    tensors = {k: v.contiguous() for k, v in small.state_dict().items()}
    _refused(_crafted(tmp_path, tensors, "[1, 2, 3]"), "metadata is not a JSON object")
    _refused(_crafted(tmp_path, tensors, "{not json"), "metadata is damaged")
    _refused(_crafted(tmp_path, tensors, "[" * 100000), "metadata is damaged")


def test_weights_of_the_wrong_type_or_shape(tmp_path, small):
    tensors = {k: v.double().contiguous() for k, v in small.state_dict().items()}
    msg = _refused(_crafted(tmp_path, tensors, json.dumps(META)), "weights do not fit fashion-v0")
    assert "float64, fashion-v0 needs float32" in msg
    tensors = {k: v.contiguous() for k, v in small.state_dict().items()}
    tensors["layer_stack.1.weight"] = torch.zeros(4, 10)
    _refused(_crafted(tmp_path, tensors, json.dumps(META)), r"\(4, 10\), fashion-v0 needs \(4, 784\)")
    del tensors["layer_stack.1.weight"]
    _refused(_crafted(tmp_path, tensors, json.dumps(META)), "missing layer_stack.1.weight")


def test_truncated_garbage_empty_folder_and_huge_files(tmp_path, small):
    raw = _saved(tmp_path, small).read_bytes()
    cases = {"cut.safetensors": raw[:len(raw) - 100], "head.safetensors": raw[:200],
             "garbage.safetensors": bytes(range(256)) * 50, "empty.safetensors": b"",
             "zeros.safetensors": b"\0" * 4096,
             "bighead.safetensors": (2**40).to_bytes(8, "little") + b"{}",
             "badjson.safetensors": (20).to_bytes(8, "little") + b"{" + b"\xff" * 19 + b"\0" * 64}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        _refused(tmp_path / name, "not a usable TrainDesk checkpoint")
    (tmp_path / "folder.safetensors").mkdir()
    _refused(tmp_path / "folder.safetensors", "is a folder, not a checkpoint")
    _refused(tmp_path / "missing.safetensors", "does not exist")
    with open(tmp_path / "sparse.safetensors", "wb") as f:
        f.truncate(5 * 2**30)  # sparse: no disk space spent, and never read
    _refused(tmp_path / "sparse.safetensors", r"it is 5\.0 GiB, larger than any TrainDesk model")


def test_checkpoints_follow_the_umask(tmp_path, small):
    old = os.umask(0o022)
    try:
        assert _saved(tmp_path, small, "a").stat().st_mode & 0o777 == 0o644
        os.umask(0o027)
        assert _saved(tmp_path, small, "b").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_a_folder_in_the_checkpoints_place(tmp_path, small):
    (tmp_path / "m.safetensors").mkdir()
    with pytest.raises(OSError, match="a folder has that name"):
        _saved(tmp_path, small)


def test_stale_temporary_files_are_removed_and_live_ones_kept(tmp_path, small):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host, me = HOST, os.getpid()
    files = {"dead": f"a.safetensors.{host}-{gone.pid}-0123abcd.tmp",
             "live": f"b.safetensors.{host}-{me}-0123abcd.tmp",
             "other_host": f"c.safetensors.abcdef-{gone.pid}-0123abcd.tmp",
             "old_live": f"d.safetensors.{host}-{me}-89abcdef.tmp",
             "old_mkstemp": "e.safetensors.k2j_x9q1.tmp", "new_mkstemp": "f.safetensors.a8d9zz01.tmp",
             "old_user_file": "notes.tmp", "old_other": "g.safetensors"}
    for name in files.values():
        (tmp_path / name).write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    for key in ("old_live", "old_mkstemp", "old_user_file", "old_other"):
        os.utime(tmp_path / files[key], (two_hours_ago, two_hours_ago))
    _saved(tmp_path, small)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {files[k] for k in ("live", "other_host", "new_mkstemp", "old_user_file", "old_other")} | {"m.safetensors"}


FOLDER_META = {"model_id": "tinyvgg", "class_name": "TinyVGG", "hidden_units": 4, "task": "folder",
               "classes": ["cats", "dogs", "owls"],
               "input": {"shape": [3, 32, 32], "scale": 1 / 255, "mean": 0.0, "std": 1.0,
                         "resize": "stretch"}}


@pytest.fixture(scope="module")
def folder_model():
    torch.manual_seed(0)
    return build_model("tinyvgg", 4, (3, 32, 32), 3)


def test_an_image_folder_checkpoint_rebuilds_from_its_recipe(tmp_path, folder_model):
    loaded = checkpoint.load(checkpoint.save(tmp_path / "f", folder_model, FOLDER_META))
    x = torch.rand(2, 3, 32, 32)
    with torch.inference_mode():
        assert torch.equal(loaded.model(x), folder_model(x))


@pytest.mark.parametrize("recipe, classes, message", [
    (None, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": "3x32x32"}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [3, 32]}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [3, 32, 16]}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [3, 10**6, 10**6]}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [7, 32, 32]}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [3.0, 32, 32]}, ["a", "b", "c"], "names no usable image shape"),
    ({"shape": [3, 32, 32]}, ["a"], "needs between 2 and 10000 class names, found 1"),
    ({"shape": [3, 32, 32]}, ["x"] * 20_000, "needs between 2 and 10000 class names"),
    ({"shape": [3, 32, 32]}, "cats", "needs between 2 and 10000 class names"),
    ({"shape": [3, 64, 64]}, ["a", "b", "c"], "weights do not fit tinyvgg"),  # another size
    ({"shape": [3, 32, 32]}, ["a", "b", "c", "d"], "weights do not fit tinyvgg"),  # another count
])
def test_a_damaged_image_folder_recipe_is_refused_in_one_line(tmp_path, folder_model, recipe,
                                                                classes, message):
    path = checkpoint.save(tmp_path / "f", folder_model, {**FOLDER_META, "input": recipe,
                                                          "classes": classes})
    _refused(path, message)
