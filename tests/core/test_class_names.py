"""Class names in a checkpoint's metadata are labels shown on one line: a crafted file whose names
are a megabyte long or hold line breaks is refused with one line, and nothing is loaded."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import save as st_save

from core import checkpoint
from core.checkpoint import FORMAT, MAX_CLASS_NAME, CheckpointError
from core.data.fashion_mnist import CLASS_NAMES
from core.models import build_model

ROOT = Path(__file__).resolve().parents[2]
META = {"model_id": "fashion-v0", "class_name": "FashionMNISTModelV0", "hidden_units": 4,
        "task": "fashion", "classes": list(CLASS_NAMES)}


def forged(tmp_path, classes, name="forged.safetensors") -> Path:
    """A real safetensors file with TrainDesk's header (format, checksum of the weights) and the
    metadata of a fashion-v0 model, but these class names: what a crafted file would carry."""
    torch.manual_seed(0)
    tensors = {k: v.contiguous() for k, v in build_model("fashion-v0", 4).state_dict().items()}
    header = {"format": FORMAT, "meta": json.dumps({**META, "classes": classes}),
              "sha256": checkpoint._digest(tensors)}
    (tmp_path / name).write_bytes(st_save(tensors, metadata=header))
    return tmp_path / name


def with_name(i: int, name: str) -> list[str]:
    classes = list(CLASS_NAMES)
    classes[i] = name
    return classes


def test_predict_refuses_a_megabyte_class_name_in_one_line(tmp_path):
    path = forged(tmp_path, with_name(2, "A" * 2**20))
    image = tmp_path / "shirt.png"
    Image.new("L", (28, 28), 200).save(image)
    env = dict(os.environ, TRAINDESK_DATA_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "predict", "--checkpoint", str(path),
                          str(image)], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.returncode != 0 and out.stdout == ""  # no prediction printed
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and len(out.stderr) < 1000, out.stderr[:2000]  # the megabyte is not echoed
    assert str(path) in err[0] and "class name 3 is 1,048,576 characters long" in err[0]
    assert f"at most {MAX_CLASS_NAME}" in err[0]


@pytest.mark.parametrize("name, what", [
    ("Shirt\nrm -rf ~", "line break"),
    ("Shirt\r", "line break"),
    ("Sh\tirt", "control character"),
    ("Shirt\x00", "control character"),
    ("Shirt\x1b[31m", "control character"),  # a terminal's colour escape
    ("Shirt\u2028second line", "line break"),
    ("Shirt\x85", "control character"),
    ("B" * (MAX_CLASS_NAME + 1), f"{MAX_CLASS_NAME + 1} characters long"),
])
def test_class_names_that_are_not_one_line_labels_are_refused(tmp_path, name, what):
    path = forged(tmp_path, with_name(5, name))
    with pytest.raises(CheckpointError, match=what) as e:
        checkpoint.load(path)
    message = str(e.value)
    assert message.startswith(f"{path} is not a usable TrainDesk checkpoint: its class name 6 ")
    assert not any(c in message for c in "\n\r\t\x00\x1b\x85\u2028")  # quoted escaped, on one line


def test_long_and_unusual_but_printable_names_still_load(tmp_path):
    classes = with_name(0, "C" * MAX_CLASS_NAME)
    classes[1] = "Trousers / Hosen — 裤子 👖"
    classes[2] = "  spaced  out  "
    loaded = checkpoint.load(forged(tmp_path, classes))
    assert loaded.meta["classes"] == classes
