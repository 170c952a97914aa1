"""predict_image and evaluate_model with a real image-folder model: a folder of real Fashion-MNIST
items as coloured PNG/JPEG files, a TinyVGG trained on it, its checkpoint read back."""
import numpy as np
import pytest
import torch
from image_folder_fixture import trained_folder_run
from PIL import Image

from core import checkpoint
from core.evaluation.evaluate import check_classes, evaluate_model, predict_image
from core.pictures.decode import load_photo
from core.pictures.model_input import drawing_rgb, photo_input
from core.pictures.recipe import InputRecipe
from core.pictures.framing import ImageError, read_image, to_model_input

CLASSES = ["Bag", "T-shirt", "Trouser"]  # sorted folder names, as the loader lists them


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory, fashion):
    written, trainer, path = trained_folder_run(tmp_path_factory.mktemp("folder-predict"), fashion)
    return written, trainer, checkpoint.load(path)


def test_predict_image_reads_a_photo_by_the_checkpoints_recipe(folder_run):
    written, trainer, ckpt = folder_run
    assert ckpt.meta["classes"] == CLASSES and ckpt.meta["input"]["shape"] == [3, 32, 32]
    mean, std = _figures(ckpt)
    for f in written.files[::17]:  # PNG and JPEG files of every class
        probs = predict_image(ckpt, f.path)
        assert len(probs) == 3 and sum(probs) == pytest.approx(1.0, abs=1e-5)
        # exactly what the model gives the pixels the folder loader read from that file, less
        # the folder's own per-channel mean and over its std (the checkpoint's recipe)
        pixels = load_photo(f.path, 32).astype(np.float64) / 255
        x = torch.from_numpy((pixels - mean) / std).float()[None]
        with torch.inference_mode():
            direct = torch.softmax(trainer.model.cpu().eval()(x), dim=1)[0]
        np.testing.assert_allclose(probs, direct.numpy(), atol=1e-5)


def _figures(ckpt):
    """The folder's per-channel mean and std as the checkpoint keeps them, shaped [3, 1, 1]."""
    recipe = InputRecipe.from_meta(ckpt.meta)
    return (np.array(recipe.mean)[:, None, None], np.array(recipe.std)[:, None, None])


def test_photo_input_is_rgb_normalised_by_the_folder_at_the_model_size(folder_run, tmp_path):
    written, _, ckpt = folder_run
    big = tmp_path / "big.png"  # a larger photo of another size is stretched to 32x32
    Image.open(written.files[0].path).convert("RGB").resize((90, 60)).save(big)
    x = photo_input(big, InputRecipe.from_meta(ckpt.meta))
    assert x.shape == (3, 32, 32) and x.dtype == np.float32 and x.min() < 0 < x.max()
    assert not np.allclose(x[0], x[2])  # colour: the channels differ (blue background, red item)
    mean, std = _figures(ckpt)
    assert len(set(mean.ravel())) == 3  # the tinted folder's channels have figures of their own
    np.testing.assert_allclose(x, (load_photo(big, 32) / 255.0 - mean) / std, atol=1e-5)


def test_fashion_recipe_is_unchanged(tmp_path, fashion):
    path = tmp_path / "item.png"
    Image.fromarray(fashion.test_x[0].numpy()).save(path)
    old_meta = {"model_id": "fashion-v2"}  # a checkpoint from before recipes were stored
    np.testing.assert_array_equal(photo_input(path, InputRecipe.from_meta(old_meta)),
                                  to_model_input(read_image(path))[None])  # [C, H, W]: one grey channel


def test_unreadable_photo_is_an_image_error(folder_run, tmp_path):
    _, _, ckpt = folder_run
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a picture")
    with pytest.raises(ImageError, match="bad.jpg"):
        predict_image(ckpt, bad)
    with pytest.raises(ImageError, match="does not exist"):
        predict_image(ckpt, tmp_path / "missing.png")


def test_evaluate_model_on_the_folder_matches_the_trainer(folder_run):
    _, trainer, ckpt = folder_run
    data = trainer.data.to("cpu")
    report = evaluate_model(ckpt, data, "cpu")
    cm = np.array(report["confusion_matrix"])
    assert cm.shape == (3, 3) and cm.sum() == len(data.test_y) == 24  # 8 test items per class
    assert cm.sum(axis=1).tolist() == [8, 8, 8]
    assert report["model_acc"] == pytest.approx(trainer.history[-1].test_acc, abs=1e-6)
    assert report["model_loss"] == pytest.approx(trainer.history[-1].test_loss, abs=1e-4)


def test_a_model_of_other_classes_is_refused_in_words():
    with pytest.raises(ValueError, match="3 outputs but the data set has 10 classes"):
        check_classes(torch.zeros(5, 3), [str(i) for i in range(10)])


def test_a_drawing_is_dark_strokes_on_white_paper():
    ink = np.zeros((280, 280), np.uint8)
    ink[100:180, 130:150] = 255  # one thick vertical stroke
    rgb = drawing_rgb(ink, 32)
    assert rgb.shape == (3, 32, 32) and rgb.dtype == np.uint8
    assert (rgb[:, 0, 0] == 255).all() and (rgb[:, 16, 15] < 40).all()  # paper white, ink dark
    assert (rgb[0] == rgb[1]).all() and (rgb[1] == rgb[2]).all()  # grey: the same in R, G and B
