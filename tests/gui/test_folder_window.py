"""An image folder in the window: picked in the one workflow picker, looked at before loading
(classes, images, memory), read with a progress bar, trained, and handed to Evaluate and Draw."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from image_folder_fixture import write_fashion_folder  # noqa: E402


def _choose_folder(w, root, size, data_chooses=False):
    """The Image folder workflow on `root` at `size` pixels, as a user sets it in the panel
    (epochs and augmentation set by hand unless `data_chooses`)."""
    p = w.panel
    p.workflow.setCurrentIndex(p.workflow.findData("folder"))
    p.data_chooses.setChecked(data_chooses)
    p.image_folder.setText(str(root))
    p.image_folder.editingFinished.emit()
    p.image_size.setValue(size)
    return p


def test_a_folder_run_from_the_panel_to_the_tabs(qtbot, window, tmp_path, fashion):
    w = window
    root = tmp_path / "clothes"
    write_fashion_folder(root, per_class=120, formats=("png", "jpg"), size=32, data=fashion)
    (root / "T-shirt" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    p = w.panel
    p.workflow.setCurrentIndex(p.workflow.findData("folder"))
    # the folder's own rows and starting values (notebook 04), Fashion-MNIST's rows hidden
    config = p.config()
    assert (config.model, config.epochs, config.lr, config.optimizer) == ("tinyvgg", 5, 0.001, "adam")
    assert p.image_folder.isVisibleTo(p) and not p.data_dir.isVisibleTo(p)
    p.image_folder.setText(str(root))
    p.image_folder.editingFinished.emit()
    p.image_size.setValue(32)
    p.data_chooses.setChecked(False)  # the epochs set by hand
    assert p.epochs.isEnabled()
    p.epochs.setValue(4)
    qtbot.waitUntil(lambda: "3 classes" in p.image_folder_note.text(), timeout=30000)
    assert "at 32×32" in p.image_folder_note.text()  # the memory it will take, before loading
    from core.models import build_model, parameter_count
    sized = parameter_count(build_model("tinyvgg", 10, (3, 32, 32), 3))  # for 32x32 and 3 classes
    qtbot.waitUntil(lambda: p.model_params.text() == f"Parameters: {sized:,}", timeout=30000)
    progress = []
    w.session.data_progress.connect(lambda what, done, total: progress.append((done, total)))
    with qtbot.waitSignal(w.run_ended, timeout=180000) as ended:
        w.start()
    result = ended.args[0]
    assert result.error is None and result.epochs_done == 4 and result.model_acc > 60  # chance: 33
    assert progress and progress[-1][0] == progress[-1][1] == 361  # 360 pictures and the broken one
    assert "broken.jpg" in w.log_text()  # left out, and said
    assert w.live_stack.currentWidget() is w.plots
    tabs = w.tool_tabs
    qtbot.waitUntil(lambda: tabs.evaluation.data is not None
                    and list(tabs.evaluation.data.classes) == ["Bag", "T-shirt", "Trouser"],
                    timeout=30000)
    assert tabs.evaluation.data.test_x.shape[1:] == (3, 32, 32)


def test_the_data_chooses_a_small_folders_epochs_in_the_window(qtbot, window, settings, tmp_path,
                                                               fashion):
    """Ticked (the default), a folder's epochs and shift are greyed and left to the data, as
    `main.py train` leaves them when not given; the log says what was chosen and why."""
    from gui.main_window import MainWindow
    w = window
    root = tmp_path / "three"
    write_fashion_folder(root, classes=("Trouser", "Sneaker", "Bag"), per_class=40,
                         formats=("png",), size=16, data=fashion)
    p = _choose_folder(w, root, 16, data_chooses=True)
    assert p.data_chooses.isVisibleTo(p) and not p.epochs.isEnabled() and not p.shift.isEnabled()
    assert p.config().from_data == ("epochs", "flip", "shift")
    with qtbot.waitSignal(w.run_ended, timeout=180000) as ended:
        w.start()
    result = ended.args[0]
    log = w.log_text()
    assert "epochs from the data" in log and "Chosen from the data" in log
    chosen = int(log.split("Chosen from the data: ")[1].split(" epochs")[0])
    assert chosen > 5 and result.error is None and result.epochs_done == chosen  # 5: the default
    assert "random shifts of up to" in log and result.model_acc > 60  # chance: 33
    # Fashion-MNIST leaves nothing to the data: the box goes, its rows are the user's
    p.workflow.setCurrentIndex(p.workflow.findData("fashion"))
    assert not p.data_chooses.isVisibleTo(p) and p.epochs.isEnabled() and p.config().from_data == ()
    # unticked, it stays so after a restart
    p.workflow.setCurrentIndex(p.workflow.findData("folder"))
    p.data_chooses.setChecked(False)
    w.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.panel.task() == "folder" and not again.panel.data_chooses.isChecked()
    assert again.panel.epochs.isEnabled() and again.panel.config().from_data == ()


def test_a_folder_that_cannot_be_used_says_why(qtbot, window, tmp_path):
    w = window
    p = w.panel
    (tmp_path / "only-one" / "cats").mkdir(parents=True)
    p.workflow.setCurrentIndex(p.workflow.findData("folder"))
    p.image_folder.setText(str(tmp_path / "only-one"))
    p.image_folder.editingFinished.emit()
    qtbot.waitUntil(lambda: "two class" in p.image_folder_note.text(), timeout=30000)
    with qtbot.waitSignal(w.run_ended, timeout=60000) as ended:
        w.start()
    assert "two class" in ended.args[0].message and w.phase == "idle"
    assert "two class" in w.message.message()
    assert not w.message.download.isVisible()  # Fashion-MNIST's download is not the answer here


def test_a_remembered_folder_is_looked_at_when_the_window_opens(qtbot, settings, tmp_path, fashion):
    from gui.main_window import MainWindow
    from gui.shared import settings as store
    root = tmp_path / "pictures"
    write_fashion_folder(root, per_class=10, formats=("png",), size=16, data=fashion)
    store.save_experiment(settings, {"workflow": "folder", "model": "tinyvgg",
                                     "image_folder": str(root), "image_size": 16})
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "3 classes" in w.panel.image_folder_note.text(), timeout=60000)
    assert "at 16×16" in w.panel.image_folder_note.text()
    w.close()


def test_stop_while_a_folder_is_read_ends_the_run_at_once(qtbot, window, tmp_path, fashion):
    w = window
    root = tmp_path / "many"
    write_fashion_folder(root, per_class=800, formats=("png",), size=48, data=fashion)
    _choose_folder(w, root, 48)
    seen = []
    w.session.data_progress.connect(lambda what, done, total: seen.append(done))
    with qtbot.waitSignal(w.run_ended, timeout=120000) as ended:
        w.start()
        qtbot.waitUntil(lambda: bool(seen), timeout=60000)
        w.stop()
    outcome = ended.args[0]
    stopped_reading = "Stopped while reading image folder" in getattr(outcome, "message", "")
    # the read ends between files; on a fast disk it may have finished first: then the run stops
    # before its first epoch
    assert stopped_reading or (outcome.stopped and outcome.epochs_done == 0)
    assert w.phase == "idle" and not w.message.download.isVisible()


def _drop(w, path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    w.dropEvent(QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))


def test_a_folder_dropped_on_the_window_becomes_the_image_folder(qtbot, window, tmp_path, fashion):
    w = window
    root = tmp_path / "dropped"
    write_fashion_folder(root, per_class=10, formats=("jpg",), size=16, data=fashion)
    _drop(w, root)
    assert w.panel.task() == "folder" and w.panel.image_folder.text() == str(root)
    assert w.panel.config().model == "tinyvgg"
    qtbot.waitUntil(lambda: "3 classes" in w.panel.image_folder_note.text(), timeout=30000)


def test_a_dropped_archive_is_not_read_but_explained(window, tmp_path):
    w = window
    archive = tmp_path / "pizza_steak_sushi.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    _drop(w, archive)
    assert "pizza_steak_sushi.zip is an archive: unpack it" in w.message.message()
    assert w.panel.task() == "fashion"  # nothing changed


def test_a_kept_folder_run_continues_from_the_window(qtbot, window, tmp_path, fashion):
    w = window
    root = tmp_path / "kept"
    write_fashion_folder(root, per_class=60, formats=("png",), size=16, data=fashion)
    p = _choose_folder(w, root, 16)
    p.epochs.setValue(2)
    with qtbot.waitSignal(w.run_ended, timeout=120000) as ended:
        w.start()
    first = ended.args[0]
    assert first.epochs_done == 2 and first.checkpoint
    p.workflow.setCurrentIndex(p.workflow.findData("fashion"))  # the window has moved on
    with qtbot.waitSignal(w.run_ended, timeout=120000) as ended:
        w.continue_run(first.checkpoint, 3)  # the Runs tab's Continue…
    more = ended.args[0]
    assert more.error is None and more.epochs_done == 3 and more.model_name == "TinyVGG"
    from core import checkpoint
    meta = checkpoint.read_meta(more.checkpoint)
    assert meta["classes"] == ["Bag", "T-shirt", "Trouser"] and meta["input"]["shape"] == [3, 16, 16]
