"""Opening and dropping files on the canvas, loading checkpoints, models side by side."""
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from core.evaluation.evaluate import predict_array
from core.pictures.framing import read_image, to_model_input
from gui.jobs import running_threads

from canvas_helpers import make_panel, stroke, wait_for_revision


@pytest.fixture(scope="module")
def trainer_v0(fashion_small):
    from core.config import TrainConfig
    from core.train.trainer import Trainer
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1, batch_size=128, threads=1), data=fashion_small)
    list(t.run())
    return t


@pytest.fixture
def panel(qtbot, trainer_v0, fashion_small):
    p = make_panel(qtbot)
    p.add_model("fashion-v0", trainer_v0.model, fashion_small.classes)
    yield p
    p.close()
    assert not running_threads()


def drop(widget, path):
    """What a file manager's drag does: enter (which the panel must accept), then drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(20, 20), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(QPointF(20, 20), *args))


def bad_files(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("this is not a picture\n")
    Image.new("L", (64, 64), 200).save(tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:60])
    return {"empty.png": "is empty", "notes.png": "not an image", "cut.png": "truncated"}


def test_dropped_bad_files_show_an_error_and_change_nothing(qtbot, panel, tmp_path):
    stroke(panel.surface, [(140, 40), (140, 240)])
    before = panel.surface.ink()
    for name, says in bad_files(tmp_path).items():
        drop(panel, tmp_path / name)
        assert panel.message.isVisible() and says in panel.message.text(), name
        assert np.array_equal(panel.surface.ink(), before)


def test_awkward_but_valid_files_open(qtbot, panel, tmp_path):
    """16-bit, alpha and animated images are read (first frame, alpha as white paper)."""
    arr16 = np.zeros((40, 40), np.uint16)
    arr16[5:35, 15:25] = 60000
    Image.fromarray(arr16).save(tmp_path / "deep.png")
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (15, 5, 25, 35))
    rgba.save(tmp_path / "alpha.png")
    frames = [Image.new("L", (40, 40), 0), Image.new("L", (40, 40), 255)]
    frames[0].paste(255, (15, 5, 25, 35))
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    for name in ("deep.png", "alpha.png", "anim.gif"):
        assert panel.open_image(str(tmp_path / name)), panel.message.text()
        p = wait_for_revision(qtbot, panel)
        assert not p.blank and not panel.message.isVisible()
        assert p.image28[:, 14].mean() > 0.5 > p.image28[:, 0].max()  # a centred vertical bar


def test_dropped_test_image_is_classified_like_the_cli(qtbot, panel, tmp_path, trainer_v0, fashion_small):
    path = tmp_path / "item.png"
    Image.fromarray(fashion_small.test_x[0].numpy()).save(path)
    drop(panel, path)
    p = wait_for_revision(qtbot, panel)
    cli = to_model_input(read_image(path))   # what `traindesk predict` feeds the model
    assert np.abs(p.image28 - cli).mean() < 0.03
    assert np.argmax(p.probs[0]) == np.argmax(predict_array(trainer_v0.model.cpu(), cli))
    assert panel.surface.undo_stack.undoText() == "Open image"


def test_checkpoints_load_side_by_side_and_bad_ones_are_refused(qtbot, panel, tmp_path, trainer_v0):
    good = trainer_v0.save(tmp_path / "v0-run")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 100)
    assert not panel.load_checkpoint(str(tmp_path / "junk.safetensors"))
    assert "not a usable TrainDesk checkpoint" in panel.message.text()
    assert panel.load_checkpoint(str(good))
    assert len(panel.grid.cards) == 2
    stroke(panel.surface, [(100, 40), (100, 240)])
    p = wait_for_revision(qtbot, panel)
    assert len(p.probs) == 2
    np.testing.assert_allclose(p.probs[0], p.probs[1], atol=1e-5)  # the same weights, reloaded
    for card in panel.grid.cards:
        assert len(card.bars.values()) == 3
    panel.select_model(1)
    qtbot.waitUntil(lambda: panel.maps.heading.text().startswith("<b>v0-run"), timeout=10000)
    assert "saliency" in panel.maps.heading.text()  # a linear model: no feature maps, saliency
