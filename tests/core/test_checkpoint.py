"""Checkpoints round-trip exactly, and anything that is not an intact TrainDesk checkpoint is refused."""
import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from core import checkpoint
from core.checkpoint import CheckpointError
from core.config import TrainConfig
from core.train.trainer import Trainer


@pytest.fixture(scope="module")
def trained(fashion_small, tmp_path_factory):
    t = Trainer(TrainConfig(model="fashion-v2", epochs=1, batch_size=128), data=fashion_small)
    list(t.run())
    path = t.save(tmp_path_factory.mktemp("ckpt") / "v2")
    return t, path


def test_round_trip_gives_identical_predictions(trained, fashion_small):
    t, path = trained
    assert path.suffix == ".safetensors" and path.is_file()
    loaded = checkpoint.load(path)
    trained_weights = t.model.state_dict()
    assert all(torch.equal(v, trained_weights[k]) for k, v in loaded.model.state_dict().items())
    # The trainer runs TinyVGG channels-last; the same layout gives bit-identical logits.
    loaded.model.to(memory_format=torch.channels_last)
    assert torch.equal(t.predict_logits(fashion_small.test_x), _logits(loaded.model, fashion_small))
    meta = loaded.meta
    assert meta["model_id"] == "fashion-v2" and meta["hidden_units"] == 10
    assert meta["classes"][0] == "T-shirt/top" and meta["input"]["scale"] == pytest.approx(1 / 255)
    assert meta["metrics"]["model_acc"] == t.result().model_acc
    assert TrainConfig.from_dict(meta["config"]) == t.config


def _logits(model, data):
    x = (data.test_x.unsqueeze(1).float() / 255).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        return torch.cat([model(x[i:i + 1000]) for i in range(0, len(x), 1000)])


def test_atomic_write_leaves_no_temporary_files(trained):
    _, path = trained
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_pickle_checkpoint_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name, payload in (("legacy.pth", pickle.dumps(Evil())),):
        (tmp_path / name).write_bytes(payload)
        with pytest.raises(CheckpointError, match="pickle-based PyTorch file"):
            checkpoint.load(tmp_path / name)
    torch.save({"w": torch.zeros(2)}, tmp_path / "zip.pt")  # torch's zip format
    with pytest.raises(CheckpointError, match="never unpickles"):
        checkpoint.load(tmp_path / "zip.pt")
    assert not marker.exists()


def test_truncated_file_is_refused(trained, tmp_path):
    raw = trained[1].read_bytes()
    for cut in (5, 100, len(raw) // 2, len(raw) - 1):
        (tmp_path / "cut.safetensors").write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="not a usable TrainDesk checkpoint"):
            checkpoint.load(tmp_path / "cut.safetensors")


def test_bit_flip_in_weights_is_refused(trained, tmp_path):
    raw = bytearray(trained[1].read_bytes())
    raw[-10] ^= 0x04
    (tmp_path / "flip.safetensors").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum"):
        checkpoint.load(tmp_path / "flip.safetensors")


def test_bit_flip_in_header_is_refused(trained, tmp_path):
    raw = bytearray(trained[1].read_bytes())
    at = raw.index(b"model_id")
    raw[at] ^= 0x01
    (tmp_path / "flip.safetensors").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        checkpoint.load(tmp_path / "flip.safetensors")


def test_foreign_safetensors_file_is_refused(tmp_path):
    save_file({"w": torch.zeros(3)}, tmp_path / "other.safetensors")
    with pytest.raises(CheckpointError, match="not written by TrainDesk"):
        checkpoint.load(tmp_path / "other.safetensors")


def test_wrong_architecture_says_what_differs(trained, tmp_path):
    tensors, meta = checkpoint.read(trained[1])
    tensors = checkpoint.split(tensors)[0]  # the weights, without the training state
    meta["hidden_units"] = 12  # metadata that no longer matches the weights
    model = checkpoint.build_model("fashion-v2", 10)
    model.load_state_dict(tensors)
    bad = checkpoint.save(tmp_path / "bad", model, {k: v for k, v in meta.items()
                                                     if k not in ("format", "version", "saved")})
    with pytest.raises(CheckpointError) as e:
        checkpoint.load(bad)
    assert "do not fit fashion-v2" in str(e.value) and "(10, 1, 3, 3)" in str(e.value)
    assert "(12, 1, 3, 3)" in str(e.value)


def test_unknown_model_in_metadata(trained, tmp_path):
    tensors, meta = checkpoint.read(trained[1])
    model = checkpoint.build_model("fashion-v2", 10)
    meta["model_id"] = "resnet-9000"
    bad = checkpoint.save(tmp_path / "bad", model, meta)
    with pytest.raises(CheckpointError, match="names a model TrainDesk cannot build"):
        checkpoint.load(bad)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(CheckpointError, match="cannot read"):
        checkpoint.load(tmp_path / "nope.safetensors")
    (tmp_path / "empty.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="only 0 bytes"):
        checkpoint.load(tmp_path / "empty.safetensors")
    (tmp_path / "text.safetensors").write_text(json.dumps({"hello": 1}) * 10)
    with pytest.raises(CheckpointError, match="no safetensors header"):
        checkpoint.load(tmp_path / "text.safetensors")
