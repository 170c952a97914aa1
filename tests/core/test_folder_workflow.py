"""An image folder from end to end on the command line: train (the folder's default model),
predict with nothing but the checkpoint, evaluate, resume and export, with real picture files."""
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.cli.dispatch import main
from core.config import TrainConfig
from core.train.trainer import Trainer

sys.path.insert(0, str(Path(__file__).parent))
from image_folder_fixture import write_fashion_folder  # noqa: E402

CLASSES = ["Bag", "T-shirt", "Trouser"]  # as the folder names sort


def _lines(out):
    return [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory, fashion):
    root = tmp_path_factory.mktemp("clothes")
    written = write_fashion_folder(root, per_class=200, formats=("png", "jpg"), size=32, data=fashion)
    (root / "Bag" / "broken.png").write_bytes(b"not a picture at all")
    (root / "notes.txt").write_text("not an image")
    return root, written


@pytest.fixture(scope="module")
def trained(folder, tmp_path_factory):
    root, _ = folder
    out = tmp_path_factory.mktemp("runs")
    code = main(["train", "--image-folder", str(root), "--image-size", "32", "--epochs", "3",
                 "--threads", "1", "--out", str(out)])
    assert code == 0
    return out


def test_train_takes_the_folders_default_model_and_says_what_it_left_out(folder, tmp_path, capsys):
    root, _ = folder
    assert main(["train", "--image-folder", str(root), "--image-size", "32", "--epochs", "3",
                 "--threads", "1", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    result = _lines(captured.out)[-1]["result"]
    assert result["model_name"] == "TinyVGG" and result["epochs"] == 3
    assert result["model_acc"] > 80  # three easy classes of real clothes: 95% here
    assert "Left out 1 files" in captured.err and "broken.png" in captured.err
    from core import checkpoint
    meta = checkpoint.read_meta(result["checkpoint"])
    assert meta["classes"] == CLASSES and meta["task"] == "folder"
    assert meta["input"]["shape"] == [3, 32, 32] and meta["input"]["resize"] == "stretch"
    assert meta["config"]["optimizer"] == "adam" and meta["config"]["lr"] == 0.001  # notebook 04


def test_predict_needs_only_the_checkpoint(folder, trained, tmp_path, capsys):
    root, written = folder
    ckpt = next(trained.glob("*/last.safetensors"))
    moved = tmp_path / "elsewhere.safetensors"  # another machine: no folder, just the file
    shutil.copy(ckpt, moved)
    trousers = [f.path for f in written.files if f.class_name == "Trouser"][:10]
    big = tmp_path / "trouser-photo.jpg"  # a bigger photo than the training size, as JPEG
    Image.open(trousers[2]).convert("RGB").resize((300, 300)).save(big, quality=90)
    assert main(["predict", "--checkpoint", str(moved), str(big), *map(str, trousers)]) == 0
    rows = _lines(capsys.readouterr().out)
    labels = [r["label"] for r in rows]
    assert set(labels) <= set(CLASSES) and labels.count("Trouser") >= 8  # 95% accurate model
    assert all(len(r["probabilities"]) == 3 and abs(sum(r["probabilities"]) - 1) < 1e-5 for r in rows)


def test_evaluate_uses_the_runs_own_folder(trained, capsys):
    ckpt = next(trained.glob("*/last.safetensors"))
    assert main(["evaluate", "--checkpoint", str(ckpt)]) == 0
    report = _lines(capsys.readouterr().out)[-1]
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == 120  # 40 test pictures a class
    assert report["model_acc"] == pytest.approx(100 * np.trace(matrix) / 120)


def test_resume_continues_and_refuses_a_folder_with_other_classes(folder, trained, tmp_path, capsys):
    root, _ = folder
    ckpt = next(trained.glob("*/last.safetensors"))
    assert main(["train", "--resume", str(ckpt), "--epochs", "4", "--out", str(tmp_path)]) == 0
    assert _lines(capsys.readouterr().out)[-1]["result"]["epochs"] == 4
    other = tmp_path / "other"
    for name in ("Bag", "Sandal", "Trouser"):
        shutil.copytree(root / ("T-shirt" if name == "Sandal" else name), other / name)
    assert main(["train", "--resume", str(ckpt), "--epochs", "4", "--image-folder", str(other),
                 "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "cannot be continued" in err and "Sandal" in err


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_export_folder_models_take_rgb_pixels(trained, tmp_path, fmt, capsys):
    pytest.importorskip("onnxruntime") if fmt == "onnx" else None
    ckpt = next(trained.glob("*/last.safetensors"))
    out = tmp_path / f"model.{fmt}"
    assert main(["export", "--checkpoint", str(ckpt), "--format", fmt, "--out", str(out)]) == 0
    report = _lines(capsys.readouterr().out)[-1]["export"]
    assert report["checked_on"] == "test images" and report["max_abs_diff"] < 1e-4
    assert report["predictions_agree"] and out.stat().st_size > 1000
    if fmt == "torchscript":
        model = torch.jit.load(str(out))
        assert model(torch.full((2, 3, 32, 32), 128.0)).shape == (2, 3)


def test_the_script_export_says_it_is_for_fashion_mnist(trained, tmp_path, capsys):
    ckpt = next(trained.glob("*/last.safetensors"))
    assert main(["export", "--checkpoint", str(ckpt), "--format", "script",
                 "--out", str(tmp_path / "x.py")]) == 1
    assert "image-folder model exports as torchscript or onnx" in capsys.readouterr().err


def test_a_model_of_another_workflow_is_refused_in_one_line(folder, tmp_path, capsys):
    root, _ = folder
    assert main(["train", "--image-folder", str(root), "--model", "fashion-v2",
                 "--out", str(tmp_path)]) == 1
    assert "fashion-v2 trains on Fashion-MNIST" in capsys.readouterr().err
    assert main(["train", "--model", "tinyvgg", "--out", str(tmp_path)]) == 1
    assert "No image folder chosen" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["folder-v0", "folder-v1", "folder-best"])
def test_the_seed_models_train_on_the_pictures(folder, model):
    root, _ = folder
    t = Trainer(TrainConfig(model=model, image_folder=str(root), image_size=32, epochs=1,
                            lr=0.001, optimizer="adam", threads=1))  # the folder's defaults
    ep = [e for e in t.run() if hasattr(e, "test_acc")][-1]
    assert t.input_shape == (3, 32, 32) and len(t.classes) == 3
    assert ep.test_acc > 50  # better than the 33% of guessing, after one epoch


def test_trivial_augment_is_reproducible_and_changes_the_pictures(folder):
    root, _ = folder

    def weights(augment):
        t = Trainer(TrainConfig(model="tinyvgg", image_folder=str(root), image_size=32, epochs=1,
                                lr=0.001, optimizer="adam", threads=1, trivial_augment=augment))
        for _ in t.run():
            pass
        return np.concatenate([v.flatten().numpy() for v in t.model.state_dict().values()])

    a, b, plain = weights(True), weights(True), weights(False)
    assert np.array_equal(a, b) and not np.array_equal(a, plain)


def test_a_stop_mid_epoch_with_trivial_augment_resumes_exactly(folder, tmp_path):
    """The augmentation's random stream is kept in the checkpoint: a run stopped in the middle
    of an epoch and continued ends with the weights of the run that never stopped."""
    from core.train.control import Control
    root, _ = folder
    config = dict(model="tinyvgg", image_folder=str(root), image_size=32, epochs=2, lr=0.001,
                  optimizer="adam", threads=1, trivial_augment=True)
    straight = Trainer(TrainConfig(**config))
    list(straight.run())
    control = Control()
    stopped = Trainer(TrainConfig(**config), control=control)
    for ev in stopped.run():
        if hasattr(ev, "batch") and ev.epoch == 2 and ev.batch >= 5:
            control.stop()
    assert stopped.stopped and stopped.progress["epoch"] == 2 and stopped.progress["done"] >= 5
    resumed = Trainer.from_checkpoint(stopped.save(tmp_path / "mid"), 2)
    list(resumed.run())
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert [h.train_loss for h in resumed.history] == [h.train_loss for h in straight.history]
