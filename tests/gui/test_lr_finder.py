"""The Training box's "Find learning rate" in a real window: the range test runs in the worker's
job thread on the panel's settings, the dialog draws its curve on a log axis with the suggestion
marked, "Use this rate" puts it in the panel, and the last run's model is left alone."""
from __future__ import annotations

import math

from PySide6.QtWidgets import QDialogButtonBox


def test_find_learning_rate_and_use_it(window, qtbot):
    panel = window.panel
    assert panel.find_lr.text() == "Find learning rate" and panel.find_lr.isEnabled()
    panel.set_config({"model": "fashion-v0", "lr": 0.1, "batch_size": 32, "seed": 42})
    panel.find_lr.click()
    dialog = window.lr_finder.dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.suggested is not None or "No suggestion" in dialog.words.text(),
                    timeout=120000)
    assert dialog.suggested is not None, dialog.words.text()
    assert 1e-4 < dialog.suggested < 5
    xs, ys = dialog.curve.getData()
    assert len(xs) == len(dialog.points) >= 20
    assert dialog.plot.getPlotItem().ctrl.logXCheck.isChecked()  # the rate on a log axis
    mark_x, _ = dialog.mark.getData()
    assert math.isclose(10 ** mark_x[0], dialog.suggested, rel_tol=1e-6)  # stored as log10 in log mode
    assert math.isclose(10 ** dialog.line.value(), dialog.suggested, rel_tol=1e-6)
    assert "Suggested learning rate" in dialog.words.text()
    use = next(b for b in dialog.buttons.buttons() if b.text() == "Use this rate")
    assert use.isEnabled()
    use.click()
    assert not dialog.isVisible()
    assert math.isclose(panel.lr.value(), dialog.suggested, rel_tol=1e-3)
    assert window.session.can_start  # nothing was left running


def test_closing_the_dialog_stops_the_test(window, qtbot):
    window.panel.set_config({"model": "fashion-v0"})
    window.panel.find_lr.click()
    dialog = window.lr_finder.dialog
    qtbot.waitUntil(lambda: len(dialog.points) >= 3, timeout=60000)
    control = window.lr_finder._control
    dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()
    assert control.stopped and not dialog.isVisible()
    before = window.panel.lr.value()
    qtbot.wait(200)
    assert window.panel.lr.value() == before
