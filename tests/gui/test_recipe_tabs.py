"""The Draw and Evaluate tabs read pictures by each model's input recipe, mean and std included:
real runs trained with a per-channel mean and std (tests/core/recipe_fixture.py), their real
checkpoints, a real canvas and evaluation panel. Each model gets the input its training path would
have made of the picture."""
import numpy as np
import pytest
import torch
from PIL import Image

from canvas_helpers import make_panel, wait_for_revision
from core.checkpoint import load
from core.evaluation.evaluate import predict_image
from core.pictures.recipe import InputRecipe
from core.data.fashion_mnist import FashionData
from core.runs.row import RunRow
from gui.draw.predict_worker import Models, Picture
from gui.evaluate.panel import LIVE, EvaluationPanel
from gui.jobs import running_threads
from test_canvas_files import drop
from tests.core.recipe_fixture import (FASHION_MEAN, FASHION_STD, fashion_recipe_run,
                                       folder_recipe_run)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, fashion):
    root = tmp_path_factory.mktemp("draw-recipe")
    _, folder_trainer, folder_path = folder_recipe_run(root / "folder", fashion)
    fashion_trainer, fashion_path = fashion_recipe_run(root / "fashion", fashion)
    for trainer in (folder_trainer, fashion_trainer):
        trainer.model.cpu().eval()
    return folder_trainer, folder_path, fashion_trainer, fashion_path


@pytest.fixture
def canvas(qtbot):
    p = make_panel(qtbot)
    yield p
    p.close()
    assert not running_threads()


def _probs(model, x: torch.Tensor) -> np.ndarray:
    with torch.inference_mode():
        return torch.softmax(model(x), 1)[0].numpy()


def test_a_dropped_photo_reaches_each_model_as_its_training_did(qtbot, canvas, runs, tmp_path):
    folder_trainer, folder_path, fashion_trainer, fashion_path = runs
    assert canvas.load_checkpoint(str(fashion_path)) and canvas.load_checkpoint(str(folder_path))
    pixels = folder_trainer.data.test_x[:1].cpu()  # one of the folder's test pictures, as a file
    png = tmp_path / "picture.png"
    Image.fromarray(pixels[0].permute(1, 2, 0).numpy()).save(png)
    drop(canvas, png)
    p = wait_for_revision(qtbot, canvas)
    # the folder model: the file itself, by its recipe, as the trainer made its test pictures
    trained_input = folder_trainer.inputs(pixels)
    np.testing.assert_allclose(p.probs[1], _probs(folder_trainer.model, trained_input), atol=1e-6)
    np.testing.assert_allclose(p.probs[1], predict_image(load(folder_path), png), atol=1e-6)
    np.testing.assert_allclose(p.seen[1], pixels[0].numpy() / 255, atol=1e-6)  # shown before mean/std
    # the Fashion-MNIST model: the picture as shown, framed, then its mean and std
    framed = torch.from_numpy(p.image28)[None, None]
    np.testing.assert_allclose(p.probs[0], _probs(fashion_trainer.model, (framed - FASHION_MEAN) / FASHION_STD),
                               atol=1e-6)
    assert p.seen[0] is p.image28


def test_the_draw_tabs_input_is_the_training_input(runs, tmp_path):
    """The job side's input function, called as the tab calls it, number for number."""
    folder_trainer, folder_path, fashion_trainer, fashion_path = runs
    pixels = folder_trainer.data.test_x[2:3].cpu()
    png = tmp_path / "picture.png"
    Image.fromarray(pixels[0].permute(1, 2, 0).numpy()).save(png)
    recipe = InputRecipe.from_meta(load(folder_path).meta)
    gray, ink = np.zeros((280, 280), np.float32), np.zeros((280, 280), np.uint8)
    seen, model_input = Models()._input(Picture(1, gray, ink, str(png)), recipe, np.zeros((28, 28), np.float32))
    assert np.array_equal(model_input, folder_trainer.inputs(pixels)[0].numpy())
    # a Fashion-MNIST test item drawn as it is: the trainer's own input for it
    item = fashion_trainer.data.test_x[:1].cpu()
    x28 = item[0].numpy().astype(np.float32) / 255  # already framed: the data set's own item
    fashion_recipe = InputRecipe.from_meta(load(fashion_path).meta)
    seen, model_input = Models()._input(Picture(2, x28, ink, None), fashion_recipe, x28)
    assert seen is x28 and np.array_equal(model_input, fashion_trainer.inputs(item)[0].numpy())


def _folder_data(trainer) -> FashionData:
    d = trainer.data.to("cpu")
    return FashionData(d.train_x, d.train_y, d.test_x, d.test_y, d.source, tuple(d.classes))


def test_the_evaluate_tab_scores_with_the_recipe(qtbot, runs):
    folder_trainer, folder_path = runs[:2]
    panel = EvaluationPanel(seed=0)
    qtbot.addWidget(panel)
    try:
        panel.set_data(_folder_data(folder_trainer), workflow="folder")
        expected = torch.softmax(folder_trainer.model(folder_trainer.inputs(folder_trainer.data.test_x.cpu())),
                                 1).detach().numpy()
        # the live model (as the window hands it over each epoch: with the run's recipe)
        panel.update_live("TinyVGG", folder_trainer.model, classes=folder_trainer.classes,
                          recipe=folder_trainer.input_recipe)
        panel.select_run(LIVE + "TinyVGG")
        live = _report(qtbot, panel)
        np.testing.assert_allclose(live.probs, expected, atol=1e-6)
        # the saved run, its model read from its checkpoint by the evaluation thread
        t = folder_trainer
        row = RunRow("recipe-run", t.config.model, t.spec.class_name, 0.0, 0.0, 1.0, len(t.history), "cpu",
                     t.config.optimizer, t.config.lr, t.config.batch_size, str(folder_path),
                     "2026-12-06 08:00:00", config=t.config.to_dict())
        panel.add_run(row, None)
        np.testing.assert_allclose(_report(qtbot, panel).probs, expected, atol=1e-6)
    finally:
        panel.shutdown()


def _report(qtbot, panel):
    qtbot.waitUntil(lambda: not panel.busy and (panel.entries[panel.current].report is not None
                                                or panel.entries[panel.current].error), timeout=60_000)
    entry = panel.entries[panel.current]
    assert entry.error is None, entry.error
    return entry.report
