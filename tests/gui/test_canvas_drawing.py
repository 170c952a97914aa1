"""Drawing on the canvas with simulated mouse strokes: live answers, undo/redo, fill, eraser."""
import numpy as np
import pytest

from core.pictures.framing import to_model_input
from gui.draw.draw_surface import Tool
from gui.jobs import running_threads

from canvas_helpers import make_panel, stroke, wait_for_revision

TROUSERS = [[(110, 40), (100, 240)], [(170, 40), (180, 240)], [(110, 40), (170, 40)]]


@pytest.fixture(scope="module")
def trained_v2(fashion_small):
    from core.config import TrainConfig
    from core.train.trainer import Trainer
    t = Trainer(TrainConfig(model="fashion-v2", epochs=1, batch_size=128, threads=1), data=fashion_small)
    list(t.run())
    return t.model, fashion_small.classes


@pytest.fixture
def panel(qtbot, trained_v2):
    p = make_panel(qtbot)
    p.add_model("fashion-v2 (1 epoch)", *trained_v2)
    yield p
    p.close()
    assert not running_threads()


def test_strokes_update_the_prediction_live(qtbot, panel):
    stroke(panel.surface, TROUSERS[0])
    first = wait_for_revision(qtbot, panel)
    assert not first.blank and len(first.probs) == 1
    assert sum(first.probs[0]) == pytest.approx(1.0, abs=1e-4)
    assert [c for c, _ in panel.bars.values()] == panel.models[0][1]
    np.testing.assert_allclose(first.image28, to_model_input(panel.surface.model_gray()))
    for s in TROUSERS[1:]:
        stroke(panel.surface, s)
    second = wait_for_revision(qtbot, panel)
    assert second.revision > first.revision and second.probs[0] != first.probs[0]
    card = panel.grid.cards[0]
    assert len(card.bars.values()) == 3 and card.answer.text() not in ("", "—", "Draw something")
    qtbot.waitUntil(lambda: not panel.maps.heat._images == [], timeout=10000)  # Grad-CAM shown


def test_undo_restores_the_previous_image_and_redo_reapplies(qtbot, panel):
    stroke(panel.surface, TROUSERS[0])
    after_one = panel.surface.ink()
    stroke(panel.surface, TROUSERS[1])
    after_two = panel.surface.ink()
    assert (after_two != after_one).any()
    stack = panel.surface.undo_stack
    assert stack.count() == 2  # one stroke, one command, however many mouse moves it took
    stack.undo()
    assert np.array_equal(panel.surface.ink(), after_one)
    assert np.array_equal(wait_for_revision(qtbot, panel).image28,
                          to_model_input(after_one.astype(np.float32) / 255))
    stack.undo()
    assert not panel.surface.ink().any()
    assert wait_for_revision(qtbot, panel).blank and panel.bars.values() == []
    stack.redo()
    stack.redo()
    assert np.array_equal(panel.surface.ink(), after_two)


def test_undo_shortcut(qtbot, panel):
    from PySide6.QtCore import Qt
    stroke(panel.surface, TROUSERS[0])
    panel.surface.setFocus()
    qtbot.keyClick(panel.surface, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not panel.surface.ink().any()


def _touches(mask):
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def test_fill_fills_a_closed_outline_only(qtbot, panel):
    s = panel.surface
    s.brush_size = 8
    stroke(s, [(140, 40), (240, 140), (140, 240), (40, 140), (140, 40)])  # a diamond: soft edges
    outline = s.ink()
    s.tool = Tool.FILL
    stroke(s, [(140, 140)])  # a click inside
    filled = s.ink()
    assert filled[90:190, 120:160].min() == 255                 # inside: full ink
    assert filled[:30].max() == 0 and filled[:60, :60].max() == 0  # outside: untouched
    soft = (filled > 0) & (filled < 255)
    near_outside = _touches(_touches(filled == 0))  # the pen's soft edge is two pixels wide
    assert not (soft & ~near_outside).any()  # grey only on the outer edge: no seam inside
    assert s.undo_stack.count() == 2
    s.undo_stack.undo()
    assert np.array_equal(s.ink(), outline)


def test_eraser_clear_and_ink_colours(qtbot, panel):
    s = panel.surface
    stroke(s, TROUSERS[0])
    drawn = s.ink().astype(np.int64).sum()
    seen = wait_for_revision(qtbot, panel).image28
    panel.dark_on_light.setChecked(True)       # same drawing, shown dark on light
    assert s.model_gray().max() == 1.0 and s.model_gray()[0, 0] == 1.0
    # the same up to one 8-bit rounding step in the resampling
    np.testing.assert_allclose(wait_for_revision(qtbot, panel).image28, seen, atol=1.01 / 255)
    s.tool = Tool.ERASER
    s.brush_size = 60
    stroke(s, TROUSERS[0])
    assert s.ink().astype(np.int64).sum() < 0.02 * drawn
    s.clear()
    assert not s.ink().any() and wait_for_revision(qtbot, panel).blank


def test_close_stops_the_thread(qtbot, trained_v2):
    p = make_panel(qtbot)
    assert running_threads()
    p.close()
    assert not running_threads()
    p.shutdown()  # twice is fine


def test_a_removed_model_leaves_the_cards_and_the_answers(qtbot, panel, trained_v2):
    """The Draw tab forgets a model (its run was deleted): the others keep their own answers,
    numbered by the new list, even for a drawing predicted while the old list stood."""
    model, classes = trained_v2
    shouting = [c.upper() for c in classes]  # the same model under other names, to tell them apart
    panel.add_model("second", model, shouting)
    panel.add_model("third", model, classes)
    panel.select_model(1)
    stroke(panel.surface, TROUSERS[0])
    assert len(wait_for_revision(qtbot, panel).probs) == 3
    stroke(panel.surface, TROUSERS[1])
    panel.remove_model("fashion-v2 (1 epoch)")  # while that drawing may be predicted
    assert [n for n, _ in panel.models] == ["second", "third"] and len(panel.grid.cards) == 2
    assert panel.selected == 0  # still "second", one place up
    stroke(panel.surface, TROUSERS[2])
    answer = wait_for_revision(qtbot, panel)
    assert len(answer.probs) == 2
    assert [c for c, _ in panel.bars.values()] == shouting and panel.answer.text().startswith("second")
    panel.grid.cards[1].clicked.emit()  # the card that moved up selects its own model
    assert panel.selected == 1
    panel.remove_model("second")
    panel.remove_model("third")
    panel.remove_model("never added")  # nothing to do
    assert panel.models == [] and panel.grid.cards == [] and panel.grid._empty.isVisibleTo(panel.grid)
    stroke(panel.surface, TROUSERS[0])
    qtbot.waitUntil(lambda: panel.answer.text() == "Add or load a model", timeout=10000)
