"""One input recipe (core/pictures/recipe.py) through every path: real runs whose recipe has a
per-channel mean and std (an image folder of real Fashion-MNIST items as colour PNGs, and
Fashion-MNIST itself with mean 0.286 and std 0.353) train, evaluate, predict and export with the
same model input, number for number. The Draw and Evaluate tabs are in tests/gui/test_recipe_tabs.py."""
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from core import checkpoint
from core.checkpoint import CheckpointError
from core.evaluation.evaluate import evaluate_model, image_batch, image_logits, predict_image
from core.export.formats import export
from core.pictures.framing import read_image, to_model_input
from core.pictures.model_input import drawing_input, photo_input
from core.pictures.recipe import FASHION, FRAMED, STRETCHED, InputRecipe, RecipeError
from tests.core.recipe_fixture import (FASHION_MEAN, FASHION_STD, FOLDER_MEAN, FOLDER_STD,
                                       fashion_recipe_run, folder_recipe_run)

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def folder(tmp_path_factory, fashion):
    """(trainer, checkpoint path, its test images uint8 [N, 3, 24, 24], the training path's inputs)"""
    _, trainer, path = folder_recipe_run(tmp_path_factory.mktemp("recipe-folder"), fashion)
    trainer.model.cpu().eval()
    x = trainer.data.test_x.cpu()
    return trainer, path, x, trainer.inputs(x)


@pytest.fixture(scope="module")
def fashion_run(tmp_path_factory, fashion):
    trainer, path = fashion_recipe_run(tmp_path_factory.mktemp("recipe-fashion"), fashion)
    trainer.model.cpu().eval()
    x = trainer.data.test_x.cpu()
    return trainer, path, x, trainer.inputs(x)


def _by_hand(pixels_u8: torch.Tensor, mean, std) -> torch.Tensor:
    """The recipe's formula written out: (pixels / 255 - mean) / std, per channel."""
    x = pixels_u8.float() / 255
    x = x[:, None] if x.dim() == 3 else x
    return (x - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)


def _logits(model, x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return model(x).float()


# -- training and the checkpoint ------------------------------------------------------------------

def test_training_feeds_the_recipes_numbers_and_the_checkpoint_keeps_them(folder, fashion_run):
    for (trainer, path, x, inputs), mean, std in ((folder, FOLDER_MEAN, FOLDER_STD),
                                                  (fashion_run, (FASHION_MEAN,), (FASHION_STD,))):
        torch.testing.assert_close(inputs, _by_hand(x, mean, std), atol=1e-6, rtol=0)
        assert (inputs - _by_hand(x, (0.0,), (1.0,))).abs().mean() > 0.3  # not the plain /255
        recipe = InputRecipe.from_meta(checkpoint.load(path).meta)
        assert recipe == trainer.input_recipe and recipe.mean == tuple(mean) and recipe.std == tuple(std)
    meta = checkpoint.read_meta(folder[1])["input"]
    assert meta["mean"] == list(FOLDER_MEAN) and meta["resize"] == "stretch"  # per channel, as stored
    assert checkpoint.read_meta(fashion_run[1])["input"]["mean"] == FASHION_MEAN  # one value: a number


# -- evaluation -----------------------------------------------------------------------------------

def test_evaluation_gives_the_trainers_inputs_and_figures(folder, fashion_run):
    for trainer, path, x, inputs in (folder, fashion_run):
        ckpt = checkpoint.load(path)
        recipe = InputRecipe.from_meta(ckpt.meta)
        assert torch.equal(image_batch(x, recipe), inputs)
        report = evaluate_model(ckpt, trainer.data.to("cpu"), "cpu")
        assert report["model_loss"] == pytest.approx(trainer.history[-1].test_loss, abs=1e-5)
        assert report["model_acc"] == pytest.approx(trainer.history[-1].test_acc, abs=1e-9)
        # ignoring the recipe (the plain /255) gives other logits, far beyond float noise
        plain = image_logits(ckpt.model, x, CPU)
        assert (plain - _logits(ckpt.model, inputs)).abs().max() > 1e-3


# -- predict ------------------------------------------------------------------------------------

def test_predict_reads_a_folder_picture_as_training_did(folder, tmp_path):
    trainer, path, x, inputs = folder
    ckpt = checkpoint.load(path)
    recipe = InputRecipe.from_meta(ckpt.meta)
    for i in range(4):
        png = tmp_path / f"{i}.png"  # the test picture itself, as a file (PNG: lossless)
        Image.fromarray(x[i].permute(1, 2, 0).numpy()).save(png)
        assert np.array_equal(photo_input(png, recipe), inputs[i].numpy())
        expected = torch.softmax(_logits(ckpt.model, inputs[i:i + 1]), 1)[0]
        np.testing.assert_allclose(predict_image(ckpt, png), expected.numpy(), atol=1e-6)


def test_predict_frames_a_fashion_picture_then_applies_the_mean_and_std(fashion_run, tmp_path):
    trainer, path, x, _ = fashion_run
    ckpt = checkpoint.load(path)
    recipe = InputRecipe.from_meta(ckpt.meta)
    png = tmp_path / "item.png"
    Image.fromarray(x[3].numpy()).save(png)
    framed = torch.from_numpy(to_model_input(read_image(png)))[None]
    by_hand = (framed - FASHION_MEAN) / FASHION_STD
    model_input = photo_input(png, recipe)
    np.testing.assert_allclose(model_input, by_hand.numpy(), atol=1e-6)
    # what the Draw tab gives a framed model for the same picture drawn as shown: the same input
    ink = np.zeros((28, 28), np.uint8)
    assert np.array_equal(drawing_input(read_image(png), ink, recipe), model_input)
    expected = torch.softmax(_logits(ckpt.model, torch.from_numpy(model_input)[None]), 1)[0]
    np.testing.assert_allclose(predict_image(ckpt, png), expected.numpy(), atol=1e-6)


# -- export -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("which", ["folder", "fashion_run"])
def test_exports_wrap_the_recipe_around_the_model(fmt, which, request, tmp_path):
    trainer, path, x, inputs = request.getfixturevalue(which)
    out = tmp_path / ("model.pt" if fmt == "torchscript" else "model.onnx")
    report = export(path, fmt, out, test_images=x)
    assert report.checked_on == "test images" and report.predictions_agree
    pixels = (x[:, None] if x.dim() == 3 else x).float()  # raw pixels 0..255, as outsiders give them
    if fmt == "torchscript":
        with warnings.catch_warnings():  # torch.jit is deprecated upstream, still the format asked for
            warnings.simplefilter("ignore", FutureWarning)
            exported = _logits(torch.jit.load(str(out)), pixels)
    else:
        import onnxruntime
        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        exported = torch.from_numpy(session.run(None, {"pixels": pixels.numpy()})[0])
    torch.testing.assert_close(exported, _logits(trainer.model, inputs), atol=1e-5, rtol=0)


def test_the_training_script_uses_the_same_numbers(fashion_run, tmp_path):
    trainer, path, x, inputs = fashion_run
    out = tmp_path / "train.py"
    report = export(path, "script", out, test_images=x)  # checked: its to_input + model class = ours
    assert report.predictions_agree and report.max_abs_diff <= 1e-4
    text = out.read_text()
    assert f"(images.unsqueeze(1).float() / 255.0 - {FASHION_MEAN!r}) / {FASHION_STD!r}" in text
    namespace = {"__name__": "recipe_test"}
    exec(compile(text, str(out), "exec"), namespace)
    torch.testing.assert_close(namespace["to_input"](x), inputs, atol=1e-6, rtol=0)


# -- the recipe itself ----------------------------------------------------------------------------

def test_older_checkpoints_read_as_they_always_did():
    assert InputRecipe.from_meta({"model_id": "fashion-v2"}) is FASHION  # from before recipes
    assert InputRecipe.from_meta(None) is FASHION
    old_fashion = {"shape": [1, 28, 28], "scale": 1 / 255, "mean": 0.0, "std": 1.0, "background": "dark"}
    old_folder = {"shape": [3, 32, 32], "scale": 1 / 255, "mean": 0.0, "std": 1.0, "background": None,
                  "resize": "stretch", "channels": "rgb"}
    assert InputRecipe.from_meta({"task": "fashion", "input": old_fashion}) == FASHION
    folder = InputRecipe.from_meta({"task": "folder", "input": old_folder})
    assert folder.framing == STRETCHED and folder.shape == (3, 32, 32) and folder.plain
    # what is written today keeps every key older checkpoints had, with the same values
    assert folder.to_dict().items() >= old_folder.items()
    assert FASHION.to_dict().items() >= old_fashion.items() and FASHION.framing == FRAMED


@pytest.mark.parametrize("meta, message", [
    ({"input": "1x28x28"}, "is not a JSON object"),
    ({"input": {"shape": [1, 28]}}, "names no usable image shape"),
    ({"input": {"shape": [4, 28, 28]}}, "names no usable image shape"),
    ({"input": {"shape": [1, 28, 10**9]}}, "names no usable image shape"),
    ({"input": {"shape": [1.0, 28, 28]}}, "names no usable image shape"),
    ({"input": {"shape": [1, 28, 28], "std": 0}}, "scale and std must be above 0"),
    ({"input": {"shape": [1, 28, 28], "std": -1.0}}, "scale and std must be above 0"),
    ({"input": {"shape": [1, 28, 28], "scale": 0}}, "scale and std must be above 0"),
    ({"input": {"shape": [1, 28, 28], "mean": "0.5"}}, "mean is not a finite number"),
    ({"input": {"shape": [1, 28, 28], "mean": float("nan")}}, "mean is not a finite number"),
    ({"input": {"shape": [1, 28, 28], "std": float("inf")}}, "std is not a finite number"),
    ({"input": {"shape": [1, 28, 28], "scale": True}}, "scale is not a finite number"),
    ({"input": {"shape": [3, 8, 8], "resize": "stretch", "mean": [0.1, 0.2]}}, "mean has 2 values for 3"),
    ({"input": {"shape": [1, 28, 28], "background": "plaid"}}, "background 'plaid'"),
    ({"input": {"shape": [1, 28, 28], "framing": "cropped"}}, "framing 'cropped'"),
    ({"input": {"shape": [3, 28, 28], "framing": "framed"}}, "grey and square"),
    ({"input": {"shape": [3, 8, 8], "resize": "crop"}}, "resize 'crop'"),
    ({"input": {"shape": [3, 8, 8], "resize": "stretch", "framing": "framed"}}, "do not go together"),
    ({"input": {"shape": [1, 8, 8], "resize": "stretch", "channels": "rgb"}}, "'rgb' pictures"),
    ({"task": "fashion", "input": {"shape": [3, 8, 8], "resize": "stretch"}}, "takes 1x28x28"),
    ({"task": "folder"}, "stores no input recipe"),
])
def test_a_damaged_or_lying_recipe_is_refused_in_words(meta, message):
    with pytest.raises(RecipeError, match=message):
        InputRecipe.from_meta(meta)


def test_a_checkpoint_with_a_damaged_recipe_is_refused_when_loaded(fashion_run, tmp_path):
    trainer = fashion_run[0]
    weights, meta, _ = trainer.snapshot()
    meta["input"] = {**meta["input"], "std": 0.0}
    path = checkpoint.save(tmp_path / "damaged", weights, meta)
    with pytest.raises(CheckpointError, match="not a usable TrainDesk checkpoint: its input recipe's "
                                              "scale and std must be above 0"):
        checkpoint.load(path)


def test_to_input_takes_numpy_or_torch_one_picture_or_a_batch():
    recipe = InputRecipe((3, 2, 2), mean=(0.5, 0.0, 1.0), std=0.5, background=None, framing=STRETCHED)
    assert recipe.std == (0.5, 0.5, 0.5)  # one value for every channel
    u8 = np.arange(12, dtype=np.uint8).reshape(3, 2, 2) * 20
    one = recipe.to_input(u8)
    assert isinstance(one, np.ndarray) and one.dtype == np.float32 and one.shape == (3, 2, 2)
    np.testing.assert_allclose(one, (u8 / 255 - np.array([0.5, 0, 1])[:, None, None]) / 0.5, atol=1e-6)
    batch = recipe.to_input(torch.from_numpy(np.stack([u8, u8])))
    assert isinstance(batch, torch.Tensor) and batch.shape == (2, 3, 2, 2) and np.array_equal(batch[1], one)
    floats = u8.astype(np.float32)  # a framed picture's pixels are floats; the caller's stay as they are
    assert np.array_equal(recipe.to_input(floats), one) and np.array_equal(floats, u8)
    grey = torch.zeros(5, 28, 28, dtype=torch.uint8)
    assert FASHION.to_input(grey, batch=True).shape == (5, 1, 28, 28)
    assert FASHION.to_input(grey[0]).shape == (1, 28, 28)
    with pytest.raises(ValueError, match=r"shape \[5, 28, 28\] for a model that takes 3x2x2"):
        recipe.to_input(grey)
