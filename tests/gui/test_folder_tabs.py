"""The Evaluate and Draw tabs with a real image-folder run: a folder of real Fashion-MNIST items as
coloured PNG/JPEG files, a TinyVGG trained on it by the real trainer, its real checkpoint; and the
runs of one data set shown while another is loaded."""
import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTabWidget

from canvas_helpers import make_panel, stroke, wait_for_revision
from core.checkpoint import load
from core.config import TrainConfig
from core.data.fashion_mnist import FashionData
from core.evaluation.evaluate import predict_image
from core.pictures.decode import load_photo
from core.runs.row import RunRow
from core.train.trainer import Trainer
from gui.evaluate.panel import LIVE, EvaluationPanel
from gui.jobs import running_threads
from tests.core.image_folder_fixture import trained_folder_run
from test_canvas_files import drop

CLASSES = ["Bag", "T-shirt", "Trouser"]  # the folder names, sorted as the loader lists them


def row_for(trainer, path, run_id):
    """The run's record as core.runs.store keeps it (its config says which data it trained on)."""
    last = trainer.history[-1]
    return RunRow(run_id, trainer.config.model, trainer.spec.class_name, last.test_loss, last.test_acc,
                  1.0, len(trainer.history), "cpu", trainer.config.optimizer, trainer.config.lr,
                  trainer.config.batch_size, str(path), time.strftime("%Y-%m-%d %H:%M:%S"),
                  config=trainer.config.to_dict())


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory, fashion):
    written, trainer, path = trained_folder_run(tmp_path_factory.mktemp("folder-tabs"), fashion)
    trainer.model.cpu().eval()
    return written, trainer, path, row_for(trainer, path, "folder-run")


@pytest.fixture(scope="module")
def fashion_run(tmp_path_factory, fashion_small):
    trainer = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=128, threads=1), data=fashion_small)
    list(trainer.run())
    path = trainer.save(tmp_path_factory.mktemp("fashion-run") / "v0")
    trainer.model.cpu().eval()
    return trainer, path, row_for(trainer, path, "fashion-run")


def folder_data(trainer, classes=None):
    d = trainer.data.to("cpu")
    return FashionData(d.train_x, d.train_y, d.test_x, d.test_y, d.source, tuple(classes or d.classes))


@pytest.fixture
def panel(qtbot):
    p = EvaluationPanel(seed=0)
    qtbot.addWidget(p)
    p.resize(1200, 800)
    yield p
    p.shutdown()


def wait_report(qtbot, panel, timeout=60_000):
    qtbot.waitUntil(lambda: not panel.busy and (panel.entries[panel.current].report is not None
                                                or panel.entries[panel.current].error), timeout=timeout)
    entry = panel.entries[panel.current]
    assert entry.error is None, entry.error
    return entry.report


def is_colour(pixmap) -> bool:
    img = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = a[:, :img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    return np.abs(rgb[..., 0] - rgb[..., 2]).max() > 60


def test_tool_tabs_evaluate_a_folder_run_in_colour(qtbot, folder_run):
    from gui.tool_tabs import ToolTabs
    from gui.training.worker_messages import DataArrays
    written, trainer, path, row = folder_run
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.resize(1400, 900)
    tools = ToolTabs(tabs, None)
    tools.build()
    try:
        d = trainer.data.to("cpu")
        tools.set_data(DataArrays(d.train_x.numpy(), d.train_y.numpy(), d.test_x.numpy(), d.test_y.numpy(),
                                  tuple(d.classes), d.source, "folder"))
        tools.run_saved(row)
        tabs.show()
        tabs.setCurrentWidget(tools._pages[tools.evaluation])  # lazy: evaluated once on screen
        panel = tools.evaluation
        report = wait_report(qtbot, panel)
        assert report.classes == tuple(CLASSES) and report.confusion.shape == (3, 3)
        assert report.confusion.sum() == len(d.test_y) == 24 and report.confusion.sum(axis=1).tolist() == [8] * 3
        with torch.inference_mode():  # the trainer's own input: uint8 [B, 3, S, S] by its recipe
            direct = trainer.model(trainer.inputs(d.test_x)).argmax(1).numpy()  # (the folder's mean/std)
        assert (report.y_pred == direct).all()
        assert panel.confusion.x_labels() == CLASSES
        assert [t.toPlainText() for t in panel.confusion.texts] == [str(v) for v in report.confusion.flat]
        assert [panel.class_table.classes.item(r, 0).text() for r in range(4)] == CLASSES + ["macro average"]
        tiles = panel.predictions.tiles
        assert all(t.image.pixmap().width() == 112 and is_colour(t.image.pixmap()) for t in tiles)
        assert all(t.caption.text().startswith("Pred: ") for t in tiles)
        assert "3 x 32 x 32 (colour" in panel.explorer.info.text()
        assert is_colour(panel.explorer.tiles[0].image.pixmap())
        assert "data set" in panel.comparison.table.horizontalHeaderItem(7).text()
        # its own row: the session's history may list runs of other tests before it
        mine = [r.run_id for r in panel.comparison.records].index(row.run_id)
        assert panel.comparison.table.item(mine, 7).text() == "clothes 32×32"
        # a cell of the matrix: exactly its test images, in colour
        t = int(np.argmax(report.confusion.sum(axis=0)))  # the most predicted class: not empty
        with qtbot.waitSignal(panel.confusion.cell_clicked):
            qtbot.mouseClick(panel.confusion.canvas.viewport(), Qt.MouseButton.LeftButton,
                             pos=panel.confusion.cell_centre(t, t))
        expected = np.flatnonzero((d.test_y.numpy() == t) & (report.y_pred == t))
        assert sorted(panel.gallery.shown_indices()) == expected.tolist() and len(expected) > 0
        assert is_colour(panel.gallery.list.item(0).icon().pixmap(56, 56))
        # and the Draw tab has the run's model with its own class names and recipe
        assert tools.canvas.models[-1][1] == CLASSES
        assert tools.canvas.recipes[-1].shape == (3, 32, 32)
    finally:
        tools.shutdown()


def test_a_folder_run_opened_while_fashion_is_loaded_reads_its_folder(qtbot, panel, folder_run,
                                                                      fashion_run, fashion_small):
    _, trainer, _, row = folder_run
    panel.set_data(fashion_small)
    panel.add_run(row, None)  # from the history: its model is read from its checkpoint
    assert "reading it" in panel.status.text() and "clothes" in panel.status.text()
    report = wait_report(qtbot, panel)
    assert report.classes == tuple(CLASSES) and report.confusion.sum() == 24
    assert panel.other is not None and panel.other.task == "folder"
    assert panel.test_images.shape == (24, 3, 32, 32)
    assert "image folder" in panel.explorer.info.text()
    # a Fashion-MNIST run next: scored on the loaded Fashion-MNIST, 10 classes
    panel.add_run(fashion_run[2], None)
    fashion_report = wait_report(qtbot, panel)
    assert fashion_report.confusion.shape == (10, 10) and fashion_report.confusion.sum() == 1000
    assert "28 x 28 (grey" in panel.explorer.info.text()
    # back to the folder run: its folder is in memory still, nothing is read again
    panel.select_run(row.run_id)
    assert not panel.reader.jobs.busy and panel.entries[row.run_id].report is report


def test_a_fashion_run_opened_while_a_folder_is_loaded_reads_fashion(qtbot, panel, folder_run, fashion_run):
    panel.set_data(folder_data(folder_run[1]), workflow="folder")
    panel.add_run(fashion_run[2], None)
    assert "Fashion-MNIST" in panel.status.text()
    report = wait_report(qtbot, panel)
    assert report.confusion.shape == (10, 10) and report.confusion.sum() == 10_000


def test_mismatches_are_said_in_words_never_crash(qtbot, panel, folder_run, fashion_small):
    written, trainer, _, row = folder_run
    gone = RunRow(**{**vars(row), "run_id": "gone", "config": {**row.config, "image_folder": "/no/such/folder"}})
    panel.set_data(fashion_small)
    panel.add_run(gone, None)
    qtbot.waitUntil(lambda: panel.entries["gone"].error is not None, timeout=20_000)
    assert "/no/such/folder" in panel.status.text() and "could not be read" in panel.status.text()
    # the folder's model live on Fashion-MNIST: its layers do not take 28x28 grey pictures
    panel.update_live("TinyVGG", trainer.model)
    panel.select_run(LIVE + "TinyVGG")  # (the finished run stays shown until one asks)
    qtbot.waitUntil(lambda: panel.entries[panel.current].error is not None, timeout=20_000)
    assert "does not take this data set's 28x28 pictures" in panel.status.text()
    # a folder of four classes: three outputs cannot be scored on it
    panel.set_data(folder_data(trainer, ["a", "b", "c", "d"]), workflow="folder")
    qtbot.waitUntil(lambda: panel.entries[panel.current].error is not None, timeout=20_000)
    assert "3 outputs, but the data set has 4 classes" in panel.status.text()
    panel.update_live("TinyVGG", trainer.model, classes=CLASSES)
    qtbot.waitUntil(lambda: panel.entries[panel.current].error is not None, timeout=20_000)
    assert "trained on the classes Bag, T-shirt, Trouser" in panel.status.text()
    assert panel.states["confusion"].is_empty  # a message in place of a wrong matrix


def test_model_from_weights_builds_a_folder_model(folder_run):
    from gui.tool_tabs import model_from_weights
    from gui.training.worker_messages import ModelWeights
    _, trainer, _, _ = folder_run
    arrays = {k: v.detach().contiguous().numpy().copy() for k, v in trainer.model.state_dict().items()}
    w = ModelWeights("TinyVGG", "tinyvgg", 10, CLASSES, arrays, 2, (3, 32, 32), trainer.input_recipe)
    x = trainer.data.test_x[:4].cpu().float() / 255
    with torch.inference_mode():
        assert torch.allclose(model_from_weights(w)(x), trainer.model(x), atol=1e-6)


@pytest.fixture
def canvas(qtbot):
    p = make_panel(qtbot)
    yield p
    p.close()
    assert not running_threads()


def test_draw_tab_classifies_a_dropped_photo_in_colour(qtbot, canvas, folder_run):
    written, _, path, _ = folder_run
    assert canvas.load_checkpoint(str(path))
    photo = written.files[5].path
    drop(canvas, photo)
    p = wait_for_revision(qtbot, canvas)
    assert p.photo and p.seen[0].shape == (3, 32, 32)
    np.testing.assert_allclose(p.seen[0], load_photo(photo, 32) / 255.0, atol=1e-6)  # the file itself
    np.testing.assert_allclose(p.probs[0], predict_image(load(path), photo), atol=1e-5)  # as `predict`
    assert [name for name, _ in canvas.bars.values()] == CLASSES
    assert sum(v for _, v in canvas.bars.values()) == pytest.approx(1.0, abs=1e-4)
    image = canvas.sees._images[0]
    assert (image.width(), image.height()) == (32, 32) and image.format() == QImage.Format.Format_RGB888
    assert "32×32, colour" in canvas.sees_label.text() and canvas.note.isHidden()
    # Grad-CAM over the photo: a heat map at the model's size, and its two conv blocks' maps
    qtbot.waitUntil(lambda: "Grad-CAM" in canvas.maps.heading.text(), timeout=10_000)
    heat = canvas.maps.heat._images[0]
    assert (heat.width(), heat.height()) == (32, 32)
    assert "feature maps, 16×16" in canvas.maps._block_labels[0].text()

    # drawn on: the photo model sees the drawing, dark on white, and the tab says so
    canvas.surface.clear()
    stroke(canvas.surface, [(140, 40), (140, 240)])
    p = wait_for_revision(qtbot, canvas)
    assert not p.photo and p.seen[0][:, 0, 0].tolist() == [1.0, 1.0, 1.0] and p.seen[0][:, 16, 16].max() < 0.2
    assert sum(p.probs[0]) == pytest.approx(1.0, abs=1e-4) and not canvas.note.isHidden()
    # undone back to the photo as opened: the file again
    canvas.surface.undo_stack.undo()
    canvas.surface.undo_stack.undo()
    p = wait_for_revision(qtbot, canvas)
    assert p.photo and canvas.note.isHidden()


def test_fashion_and_folder_models_side_by_side(qtbot, canvas, folder_run, fashion_run, fashion_small):
    written, _, path, _ = folder_run
    fashion_trainer = fashion_run[0]
    canvas.add_model("fashion-v0", fashion_trainer.model, fashion_small.classes)
    assert canvas.load_checkpoint(str(path))
    photo = written.files[50].path
    assert canvas.open_image(str(photo))
    p = wait_for_revision(qtbot, canvas)
    assert [len(x) for x in p.probs] == [10, 3]
    assert p.seen[0] is p.image28 and p.seen[0].shape == (28, 28)  # Fashion-MNIST's framing, as before
    assert p.seen[1].shape == (3, 32, 32)
    with torch.inference_mode():
        v0 = torch.softmax(fashion_trainer.model(torch.from_numpy(p.image28)[None, None]), 1)[0]
    np.testing.assert_allclose(p.probs[0], v0.numpy(), atol=1e-5)
    np.testing.assert_allclose(p.probs[1], predict_image(load(path), photo), atol=1e-5)
    cards = canvas.grid.cards
    assert {n for n, _ in cards[0].bars.values()} <= set(fashion_small.classes)
    assert {n for n, _ in cards[1].bars.values()} == set(CLASSES)
    assert "28×28" in canvas.sees_label.text() and "colour" not in canvas.sees_label.text()
    canvas.select_model(1)
    assert "32×32, colour" in canvas.sees_label.text()
    assert [n for n, _ in canvas.bars.values()] == CLASSES
