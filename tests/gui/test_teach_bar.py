"""Teaching from the Draw tab: the class buttons, the fine-tune in its job thread, before -> after,
Undo and Redo through the taught versions, the personal set view, a taught run that survives a
restart, and a training run's latest epoch shown as a model. Real checkpoints, real files."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1] / "core"),
                str(Path(__file__).resolve().parents[2] / "benchmarks")]
from canvas_helpers import make_panel, wait_for_revision  # noqa: E402
from teach_fixture import trained_checkpoint, write_drawings  # noqa: E402


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    return trained_checkpoint(tmp_path_factory.mktemp("parent-runs"))["result"]


def _panel_with(qtbot, parent):
    from core import checkpoint
    ckpt = checkpoint.load(parent["checkpoint"])
    panel = make_panel(qtbot)
    panel.add_model("v0", ckpt.model, ckpt.meta["classes"], ckpt.meta["input"],
                    {"checkpoint": parent["checkpoint"], "run_id": parent["run_id"], "title": "v0"})
    return panel


def _draw_a_bag(qtbot, panel):
    from drawings import draw
    panel.surface.load_gray(draw(8, "outline", np.random.default_rng(5), 12))
    return wait_for_revision(qtbot, panel)


def test_teach_undo_redo_and_the_taught_run_after_a_restart(qtbot, parent):
    from core import checkpoint
    from core.runs.store import RunStore
    panel = _panel_with(qtbot, parent)
    bar = panel.teach
    assert [b.text() for b in bar.buttons][8] == "8 Bag" and len(bar.buttons) == 10
    p = _draw_a_bag(qtbot, panel)
    answer = p.verdicts[0].top[0][0]
    label = 8 if answer != "Bag" or p.verdicts[0].unsure else 3  # a correction either way
    assert all(b.isEnabled() for b in bar.buttons)
    shown, replace = [], panel.replace_model
    panel.replace_model = lambda i, name, model, source=None: (shown.append(name),
                                                               replace(i, name, model, source))
    with qtbot.waitSignal(bar.finished, timeout=120000) as taught:
        assert bar.pick(label)
        assert bar.progress.isVisible()  # the canvas keeps answering meanwhile
        assert not any(b.isEnabled() for b in bar.buttons)
    t = taught.args[0]
    # the instant answer (weight imprinting) first, then the fine-tuned model in its place
    assert shown[0] == "v0, instant answer (teaching…)" and shown[-1].startswith("v0, taught")
    assert t is not None and t.drawings == 1 and t.probs_after is not None
    assert "→" in bar.result.text() and "Test accuracy" in bar.result.text()
    assert "the original:" in bar.result.text() and t.test_acc_original > 50
    assert panel.models[0][0].startswith("v0, taught (1 drawing)")
    assert panel.sources[0]["run_id"] == t.run_id
    assert bar.undo_button.isEnabled() and not bar.redo_button.isEnabled()
    assert bar.step(-1) and panel.models[0][0] == "v0" and panel.sources[0]["run_id"] == parent["run_id"]
    assert bar.redo_button.isEnabled()
    assert bar.step(1) and panel.models[0][0].startswith("v0, taught")
    assert not bar.step(1)  # nothing further to redo
    # a restart: a fresh history reader and a fresh panel open the taught run from the history
    row = RunStore().get(t.run_id)
    assert row.name.startswith("taught from") and row.config["teach"]["from_run"] == parent["run_id"]
    reopened = make_panel(qtbot)
    assert reopened.load_checkpoint(row.checkpoint)
    assert checkpoint.load(row.checkpoint).meta["taught"]["drawings"] == 1


def test_a_right_answer_teaches_nothing_and_an_unsaved_model_cannot_be_taught(qtbot, parent):
    from core import checkpoint
    panel = _panel_with(qtbot, parent)
    p = _draw_a_bag(qtbot, panel)
    if not p.verdicts[0].unsure:
        right = panel.models[0][1].index(p.verdicts[0].top[0][0])
        assert not panel.teach.pick(right) and "nothing to teach" in panel.teach.result.text()
    ckpt = checkpoint.load(parent["checkpoint"])
    panel.add_model("live", ckpt.model, ckpt.meta["classes"], ckpt.meta["input"])  # no file
    panel.select_model(1)
    wait_for_revision(qtbot, panel)
    assert not panel.teach.pick(0) and "once its run is saved" in panel.teach.result.text()


def test_the_personal_set_view_lists_relabels_and_shares_drawings(qtbot, parent, tmp_path):
    from gui.draw.personal_view import PersonalSetView
    panel = _panel_with(qtbot, parent)
    shared = tmp_path / "shared"
    write_drawings(shared, {"Bag": 8, "Sneaker": 7}, per_class=2)
    view = PersonalSetView(panel.teach, 0)
    qtbot.addWidget(view)
    start = view.list.count()
    assert view.import_folder(shared) == (4, [])
    assert view.list.count() == start + 4 and not view.list.item(0).icon().isNull()
    view.list.item(view.list.count() - 1).setSelected(True)
    view.relabel_to.setCurrentIndex(5)
    view.relabel()
    assert "Sandal" in view.summary.text()
    out = tmp_path / "out"
    assert view.export_folder(out) == start + 4
    assert {p.name for p in out.iterdir()} >= {"Bag", "Sandal"}
    (shared / "shoes").mkdir()
    n, problems = view.import_folder(shared)
    assert n == 0 and "shoes" in problems[0] and "Nothing imported" in view.summary.text()
    with qtbot.waitSignal(panel.teach.finished, timeout=120000) as taught:
        view.teach_again()  # the original, taught the set as it is now
    assert taught.args[0].drawings == start + 4 and taught.args[0].probs_after is None
    assert panel.models[0][0] == f"v0, taught ({start + 4} drawings)"


def test_a_training_runs_latest_epoch_is_a_model_on_the_canvas(qtbot, parent):
    from core import checkpoint
    ckpt = checkpoint.load(parent["checkpoint"])
    panel = make_panel(qtbot)
    assert "No model yet" in panel.grid._empty.text()
    for epoch in (1, 2):
        panel.show_live(f"run (training, epoch {epoch})", ckpt.model, ckpt.meta["classes"], None)
    assert [n for n, _ in panel.models] == ["run (training, epoch 2)"]
    assert panel.grid.cards[0].name == "run (training, epoch 2)"
    _draw_a_bag(qtbot, panel)
    assert panel.last_prediction.probs and len(panel.last_prediction.probs[0]) == 10
    panel.end_live()
    assert panel.models == []


def test_the_draw_tab_follows_a_training_run_epoch_by_epoch(qtbot, parent):
    """ToolTabs gets the worker's weights after each epoch: the Draw tab answers with them, and
    the run's saved checkpoint takes their place when it ends."""
    from PySide6.QtWidgets import QTabWidget

    from core import checkpoint
    from core.runs.store import RunStore
    from gui.tool_tabs import ToolTabs
    from gui.training.worker_messages import ModelWeights
    ckpt = checkpoint.load(parent["checkpoint"])
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tools = ToolTabs(tabs, None)
    tools.build()
    try:
        arrays = {k: v.numpy() for k, v in ckpt.model.state_dict().items()}
        for epoch in (1, 2):
            tools.epoch_weights(ModelWeights("FashionMNISTModelV0", "fashion-v0", 10,
                                             list(ckpt.meta["classes"]), arrays, epoch))
        canvas = tools.canvas
        assert [n for n, _ in canvas.models] == ["FashionMNISTModelV0 (training, epoch 2)"]
        assert canvas.sources == [None]  # not on disk yet: not taught until saved
        tools.run_saved(RunStore().get(parent["run_id"]))
        assert [s and s["run_id"] for s in canvas.sources] == [parent["run_id"]]
        assert not any("training" in n for n, _ in canvas.models)
    finally:
        tools.shutdown()


def test_a_photo_dropped_on_the_canvas_teaches_a_folder_model_in_colour(qtbot, tmp_path, fashion):
    from image_folder_fixture import trained_folder_run
    from core import checkpoint
    from core.teach.personal_set import PersonalSet
    written, _trainer, path = trained_folder_run(tmp_path, data=fashion)
    ckpt = checkpoint.load(path)
    panel = make_panel(qtbot)
    panel.add_model("folder", ckpt.model, ckpt.meta["classes"], ckpt.meta["input"],
                    {"checkpoint": str(path), "run_id": None, "title": "folder"})
    photo = written.files[0].path
    assert panel.open_image(str(photo))
    p = wait_for_revision(qtbot, panel)
    assert p.photo and p.seen[0].shape == (3, 32, 32)
    classes = ckpt.meta["classes"]
    label = next(k for k, c in enumerate(classes) if c != p.verdicts[0].top[0][0])
    with qtbot.waitSignal(panel.teach.finished, timeout=120000) as taught:
        assert panel.teach.pick(label)
    assert taught.args[0] is not None and taught.args[0].drawings == 1
    kept = PersonalSet.for_model(panel.teach.key_of(0), None, classes).drawings()
    assert [d.label for d in kept] == [label] and kept[0].pixels().shape == (3, 32, 32)
