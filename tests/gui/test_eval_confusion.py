"""The confusion matrix with a real trained model: rows are the true class, a clicked cell opens
the gallery of exactly its test images, and an image opens its probability bars."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from eval_fixtures import panel, trained_run, wait_evaluated  # noqa: F401 - fixtures


@pytest.fixture
def evaluated(qtbot, panel, trained_run):
    record, model = trained_run
    panel.add_run(record, model)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, wait_evaluated(qtbot, panel)


def _busiest_off_diagonal(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)
    return np.unravel_index(off.argmax(), off.shape)


def test_rows_are_true_class_in_image_and_text(evaluated, fashion):
    panel, report = evaluated
    view = panel.confusion
    t, p = _busiest_off_diagonal(report.confusion)
    y, pred = fashion.test_y.numpy(), report.y_pred
    direct = int(((y == t) & (pred == p)).sum())
    assert report.confusion[t, p] == direct
    assert view.image.image[t, p] == direct  # row-major: image[row, col] is [true, predicted]
    assert view.texts[t * 10 + p].toPlainText() == str(direct)
    # image pixel [t, p] is drawn at view x = predicted, y = true: where a click on (t, p) lands
    centre = view.image.mapToView(pg.Point(p + 0.5, t + 0.5))
    assert (centre.x(), centre.y()) == (p + 0.5, t + 0.5)
    assert view.cell_at(view.canvas.mapToScene(view.cell_centre(t, p))) == (t, p)
    assert view.plot.getAxis("left")._tickLevels[0][t][1] == fashion.classes[t]


def test_modes_normalise_rows_and_columns(evaluated):
    panel, _ = evaluated
    view = panel.confusion
    view.set_mode("recall")
    assert np.allclose(view.image.image.sum(axis=1), 1)
    assert "." in view.texts[0].toPlainText()
    view.set_mode("precision")
    assert np.allclose(view.image.image.sum(axis=0)[view.report.confusion.sum(axis=0) > 0], 1)
    view.set_mode("counts")
    assert view.image.image.sum() == 10_000


def test_clicking_an_off_diagonal_cell_opens_exactly_its_images(qtbot, evaluated, fashion):
    panel, report = evaluated
    t, p = _busiest_off_diagonal(report.confusion)
    assert t != p and report.confusion[t, p] > 0
    assert panel.gallery.state.is_empty  # before any click: it says to click a cell
    with qtbot.waitSignal(panel.confusion.cell_clicked) as sig:
        qtbot.mouseClick(panel.confusion.canvas.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.confusion.cell_centre(t, p))
    assert sig.args == [t, p]
    shown = panel.gallery.shown_indices()
    y = fashion.test_y.numpy()
    expected = np.flatnonzero((y == t) & (report.y_pred == p))
    assert sorted(shown) == expected.tolist()  # exactly those images, each once
    conf = report.confidence[shown]
    assert (np.diff(conf) <= 0).all()  # most confident first
    assert f"{len(expected)} misclassified" in panel.gallery.heading.text()
    first = panel.gallery.list.item(0).text()
    assert fashion.classes[t] in first and fashion.classes[p] in first and "%" in first

    # click the first image: its probability bars, true class green, the wrong guess red
    lst = panel.gallery.list
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton,
                     pos=lst.visualItemRect(lst.item(0)).center())
    assert not panel.gallery.bars_state.is_empty
    assert np.allclose(panel.gallery.bars.probs, report.probs[shown[0]])
    brushes = panel.gallery.bars.bars.opts["brushes"]
    assert brushes[t] == "#1a7f37" and brushes[p] == "#cf222e"


def test_diagonal_cell_lists_the_correct_ones(evaluated, fashion):
    panel, report = evaluated
    panel.confusion.cell_clicked.emit(3, 3)
    y = fashion.test_y.numpy()
    assert sorted(panel.gallery.shown_indices()) == np.flatnonzero((y == 3) & (report.y_pred == 3)).tolist()
    assert "correct" in panel.gallery.heading.text()


def test_column_names_shorten_to_fit_and_never_overlap(qtbot, evaluated, fashion):
    from PySide6.QtGui import QFontMetrics
    panel, _ = evaluated
    view = panel.confusion
    metrics = QFontMetrics(view.tick_font)

    def column_px():
        return view.plot.vb.width() / len(fashion.classes)

    names = list(fashion.classes)
    assert panel.minimumSizeHint().width() < 700  # long titles wrap instead of widening the tab
    panel.resize(480, 600)
    qtbot.waitUntil(lambda: view.x_labels() != names, timeout=3000)
    shortened = view.x_labels()  # each one its name's start and an ellipsis, or empty if too tight
    assert all(metrics.horizontalAdvance(label) < column_px() for label in shortened)
    assert all(name.startswith(lab.removesuffix("\u2026")) for name, lab in zip(names, shortened))
    assert all(lab in (name, "") or lab.endswith("\u2026") for name, lab in zip(names, shortened))
    assert view.plot.getAxis("left")._tickLevels[0][0][1] == fashion.classes[0]  # rows stay whole

    panel.resize(2400, 1400)
    qtbot.waitUntil(lambda: view.x_labels() == names, timeout=3000)
    assert max(metrics.horizontalAdvance(n) for n in names) < column_px()
