"""Per-class table, random predictions, data explorer, comparison and export, with a real model."""
import csv

import numpy as np
import pytest
from eval_fixtures import panel, trained_run, wait_evaluated  # noqa: F401 - fixtures

import dataclasses



@pytest.fixture
def evaluated(qtbot, panel, trained_run):
    record, model = trained_run
    panel.add_run(record, model)
    return panel, wait_evaluated(qtbot, panel)


def test_class_table_matches_a_direct_count(evaluated, fashion):
    panel, report = evaluated
    table = panel.class_table.classes
    assert table.rowCount() == 11  # ten classes and the macro average
    y, pred = fashion.test_y.numpy(), report.y_pred
    for c in range(10):
        tp = ((y == c) & (pred == c)).sum()
        precision, recall = tp / max((pred == c).sum(), 1), tp / (y == c).sum()
        assert table.item(c, 0).text() == fashion.classes[c]
        assert float(table.item(c, 1).text()) == pytest.approx(precision, abs=5e-4)
        assert float(table.item(c, 2).text()) == pytest.approx(recall, abs=5e-4)
        assert int(table.item(c, 4).text()) == (y == c).sum() == 1000
    assert f"{100 * (y == pred).mean():.2f}%" in panel.class_table.summary.text()
    pairs = panel.class_table.pairs
    top = int(pairs.item(0, 2).text())
    off = report.confusion.copy()
    np.fill_diagonal(off, 0)
    assert top == off.max() and pairs.rowCount() <= 10


def test_prediction_grid_titles_and_colours(evaluated, fashion):
    panel, report = evaluated
    grid = panel.predictions
    before = grid.indices.copy()
    assert len(before) == 9 and len(set(before)) == 9
    for tile, i in zip(grid.tiles, before):
        t, p = fashion.classes[fashion.test_y[i]], fashion.classes[report.y_pred[i]]
        assert tile.caption.text() == f"Pred: {p} | Truth: {t}"
        assert ("#1a7f37" if t == p else "#cf222e") in tile.caption.styleSheet()
    grid.reshuffle.click()
    assert not np.array_equal(grid.indices, before)


def test_data_explorer_grid_and_facts(panel, fashion):
    ex = panel.explorer
    assert len(ex.tiles) == 16 and len(set(ex.indices)) == 16
    for tile, i in zip(ex.tiles, ex.indices):
        assert tile.caption.text() == fashion.classes[fashion.train_y[i]]
        assert tile.image.pixmap().width() == 84
    text = ex.info.text()
    assert "60,000" in text and "10,000" in text and "28 x 28" in text and "Ankle boot" in text
    before = ex.indices.copy()
    ex.reshuffle.click()
    assert not np.array_equal(ex.indices, before)


def test_comparison_table_bars_and_selection(qtbot, evaluated):
    panel, _ = evaluated
    first = panel.records[0]
    other = dataclasses.replace(first, run_id="other", model_acc=50.0, model_name="FashionMNISTModelV0")
    panel.add_run(other, None)  # checkpoint points at the TinyVGG file: loads, evaluates
    view = panel.comparison
    assert view.table.rowCount() == 2
    assert [view.table.horizontalHeaderItem(c).text() for c in range(7)] == [
        "model_name", "model_loss", "model_acc", "training_time", "epochs", "device", "optimizer"]
    assert view.table.item(1, 2).text() == "50.00"
    assert list(view.bars.opts["width"]) == [pytest.approx(first.model_acc), 50.0]
    assert view.current_run() == "other"  # the newest run is selected
    with qtbot.waitSignal(panel.run_selected):
        view.table.selectRow(0)
    assert panel.current == first.run_id
    assert view.bars.opts["brushes"][0] != view.bars.opts["brushes"][1]
    wait_evaluated(qtbot, panel)


def test_export_png_and_csv(qtbot, evaluated, tmp_path):
    panel, report = evaluated
    panel.show()
    for tab in range(panel.tabs.count()):
        panel.tabs.setCurrentIndex(tab)
        png = panel.export_png(tmp_path / f"view{tab}")
        assert png.suffix == ".png" and png.read_bytes()[:4] == b"\x89PNG"
    panel.tabs.setCurrentIndex(0)
    [cm_csv] = panel.export_csv(tmp_path / "cm.csv")
    rows = list(csv.reader(open(cm_csv)))
    assert rows[0][1:] == list(report.classes)
    assert np.array([[int(v) for v in r[1:]] for r in rows[1:]]).tolist() == report.confusion.tolist()
    panel.tabs.setCurrentIndex(1)
    paths = panel.export_csv(tmp_path / "classes.csv")
    assert [p.name for p in paths] == ["classes.csv", "classes-confused-pairs.csv"]
    assert list(csv.reader(open(paths[0])))[0] == ["class", "precision", "recall", "F1", "support"]
    panel.tabs.setCurrentIndex(list(panel.states).index("data"))  # the data explorer has no table
    assert not panel.csv_button.isEnabled()
