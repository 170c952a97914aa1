"""The window as a desktop citizen: thinned markers, light and dark, copy and save, keyboard and
screen readers, the menus and the note when a run ends in the background (issue 29)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget


def _epochs(n: int) -> list[dict]:
    return [{"epoch": e, "train_loss": 1 / e, "train_acc": 50 + e % 40, "test_loss": 1.1 / e,
             "test_acc": 49 + e % 40, "lr": 0.1} for e in range(1, n + 1)]


def _row(run_id: str, title: str):
    return SimpleNamespace(run_id=run_id, title=title)


def _accessible(widget):
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None and iface.isValid()
    return (iface.text(QAccessible.Text.Name), iface.text(QAccessible.Text.Description))


@pytest.fixture
def themed():
    from gui.shared import theme
    yield theme
    theme.apply_choice("system")  # the next test sees the platform's palette


def test_markers_thin_out_with_many_epochs_and_keep_the_runs_colour(qtbot):
    from gui.runs.run_curves import RunCurves, color_of
    from gui.training.plots import TrainingPlots

    curves = RunCurves()
    qtbot.addWidget(curves)
    curves.set_runs([(_row("few", "few epochs"), [], _epochs(10)),
                     (_row("many", "line stack"), [], _epochs(1000))])
    few, many = curves.items["few"]["test_acc"], curves.items["many"]["test_acc"]
    assert few.opts["symbol"] == "o" and few.opts["symbolSize"] == 9
    assert many.opts["symbol"] is None  # a thousand dots were a black smear
    assert many.opts["pen"].color().name() == color_of(1)  # a dashed line in the run's colour
    # The legend is a column of its own beside the plots, with every run's name whole.
    assert curves.legend not in curves.plots["loss"].items
    assert [label.text for _, label in curves.legend.items] == ["few epochs", "line stack"]

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    for row in _epochs(3):
        plots.add_epoch(SimpleNamespace(**row))
    plots.refresh()
    assert plots.curves["test_acc"].opts["symbol"] == "s"
    for row in _epochs(10_000)[3:]:
        plots.add_epoch(SimpleNamespace(**row))
    plots.refresh()
    assert plots.curves["test_acc"].opts["symbol"] is None
    assert len(plots.points("test_acc")[0]) == 10_000  # every epoch still there, drawn thinned
    assert plots.plots["acc"].getPlotItem().ctrl.downsampleCheck.isChecked()


def test_theme_switching_changes_every_plots_background(qtbot, themed):
    from gui.runs.run_curves import RunCurves
    from gui.training.plots import TrainingPlots

    curves, plots = RunCurves(), TrainingPlots()
    for w in (curves, plots):
        qtbot.addWidget(w)

    def lightness():
        return [curves.view.backgroundBrush().color().lightness(),
                plots.plots["loss"].backgroundBrush().color().lightness()]

    themed.apply_choice("dark")
    themed.restyle()
    plots.apply_theme(themed.plot_colors())
    assert themed.is_dark() and all(v < 80 for v in lightness())
    assert QApplication.palette().color(QApplication.palette().ColorRole.Window).lightness() < 128
    themed.apply_choice("light")
    themed.restyle()
    plots.apply_theme(themed.plot_colors())
    assert not themed.is_dark() and all(v > 200 for v in lightness())


def test_ctrl_c_on_a_table_copies_the_selected_rows_as_tsv(qtbot):
    from gui.evaluate.widgets import NumberTable
    from gui.shared.copy_save import install_all

    table = NumberTable([("class", "class"), ("precision", "precision"), ("support", "support")])
    qtbot.addWidget(table)
    table.set_rows([{"class": "T-shirt", "precision": 0.912, "support": 1000},
                    {"class": "Trouser", "precision": 0.987, "support": 1000},
                    {"class": "Bag", "precision": 0.95, "support": 1000}], {"precision": "{:.3f}"})
    assert install_all(table) == 1
    table.show()
    table.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.selectRow(0)
    table.selectionModel().select(table.model().index(2, 0), table.selectionModel().SelectionFlag.Select
                                  | table.selectionModel().SelectionFlag.Rows)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == ("class\tprecision\tsupport\n"
                                                  "T-shirt\t0.912\t1000\nBag\t0.950\t1000\n")


def test_a_plot_copies_as_an_image_with_its_data_and_saves_as_png_svg_csv(qtbot, tmp_path):
    from gui.runs.run_curves import RunCurves
    from gui.shared import copy_save

    curves = RunCurves()
    qtbot.addWidget(curves)
    curves.resize(900, 400)
    curves.set_runs([(_row("a", "alpha"), [], _epochs(5))])
    curves.show()
    mime = copy_save.copy_view(curves.view)
    assert not mime.imageData().isNull()
    lines = mime.text().splitlines()
    assert lines[0] == "plot\tseries\tx\ty" and len(lines) > 10
    assert copy_save.save_png(curves.view, tmp_path / "c.png").stat().st_size > 1000
    assert "<svg" in copy_save.save_svg(curves.view, tmp_path / "c.svg").read_text()
    text = copy_save.save_csv(curves.view, tmp_path / "c.csv").read_text()
    assert text.startswith("plot,series,x,y\n") and "alpha" in text
    menu = copy_save.view_menu(curves.view, "curves")
    assert [a.text() for a in menu.actions()] == ["&Copy image", "Save as &PNG\u2026",
                                                 "Save as &SVG\u2026", "Save &data as CSV\u2026"]


def test_screen_readers_read_the_canvas_cards_matrix_and_plot_summary(qtbot):
    from core.evaluation.explain import Verdict
    from core.evaluation.report import EvalReport
    from gui.draw.draw_surface import DrawSurface
    from gui.draw.model_grid import ModelCard
    from gui.evaluate.confusion_view import ConfusionView
    from gui.training.plots import TrainingPlots

    surface = DrawSurface()
    qtbot.addWidget(surface)
    assert _accessible(surface)[0] == "Drawing canvas"
    assert _accessible(surface)[1].startswith("Blank")

    card = ModelCard("fashion-v2", ["T-shirt/top", "Trouser", "Bag"])
    qtbot.addWidget(card)
    card.show_verdict(np.array([0.7, 0.2, 0.1]),
                      Verdict([("T-shirt/top", 0.7), ("Trouser", 0.2), ("Bag", 0.1)], False, "sure"))
    assert _accessible(card) == ("Model fashion-v2",
                                 "Top answers: T-shirt/top 70%, Trouser 20%, Bag 10%")
    assert card.focusPolicy() == Qt.FocusPolicy.StrongFocus

    view = ConfusionView()
    qtbot.addWidget(view)
    y_true = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 1, 2, 2, 2, 0]].astype(np.float32)
    view.show_report(EvalReport(probs, y_true.astype(np.int64), ("T-shirt/top", "Trouser", "Bag")), "model")
    assert _accessible(view.canvas)[0] == "Confusion matrix"
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Right)
    assert "true T-shirt/top, predicted Trouser: 1 picture, 50.0% of the row" in _accessible(view.canvas)[1]
    with qtbot.waitSignal(view.cell_clicked) as opened:
        qtbot.keyClick(view.canvas, Qt.Key.Key_Return)
    assert opened.args == [0, 1]

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    for e, acc in ((1, 80.0), (2, 85.5), (3, 88.0)):
        plots.add_epoch(SimpleNamespace(epoch=e, train_loss=0.5, test_loss=0.4, train_acc=acc,
                                        test_acc=acc))
    assert _accessible(plots)[1] == "test accuracy 88.0% after 3 epochs"
    assert _accessible(plots.plots["acc"]) == ("Accuracy plot", "test accuracy 88.0% after 3 epochs")


def test_the_training_box_is_tabbed_through_in_reading_order(qtbot):
    from gui.shared.tab_order import reading_order
    from gui.training.setup_panel import SetupPanel

    panel = SetupPanel()
    reading_order(panel)  # as the window does once its forms are whole
    qtbot.addWidget(panel)
    panel.resize(340, 1400)
    panel.show()
    box = panel.hyper
    controls = [w for w in box.findChildren(QWidget)
                if w.isVisibleTo(panel) and w.isEnabled()
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None]
    assert len(controls) >= 4
    order, w = [], controls[0]
    while True:  # the focus chain, as Tab follows it, from the box's first control
        if w in controls and w not in order:
            order.append(w)
        w = w.nextInFocusChain()
        if w is controls[0] or len(order) == len(controls):
            break
    reading = sorted(controls, key=lambda c: (c.mapTo(box, c.rect().topLeft()).y() // 8,
                                              c.mapTo(box, c.rect().topLeft()).x()))
    assert [c.accessibleName() or c.objectName() or type(c).__name__ for c in order] == \
           [c.accessibleName() or c.objectName() or type(c).__name__ for c in reading]
    assert order == reading


def test_menus_shortcuts_theme_setting_and_the_note(qtbot, window, settings, themed):
    from gui.window_desktop import ended_words

    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[:2] == ["&File", "&Run"] and titles[-2:] == ["&View", "&Help"]
    file_items = [a.text() for a in window.menus.file.actions() if not a.isSeparator()]
    assert file_items[-1] == "&Quit" and len(file_items) == 4
    rows = dict((text, keys) for keys, text in window.menus.shortcut_rows())
    assert rows["Start"] == "Ctrl+R, F5" and rows["Quit"] == "Ctrl+Q"
    assert "Sweep" in rows and "Keyboard shortcuts" in rows and rows["Eraser"] == "E"
    dialog = window.menus.show_shortcuts()
    assert dialog.table.rowCount() == len(rows)
    dialog.close()
    every = [k.toString() for a in window.findChildren(type(window.start_action)) for k in a.shortcuts()]
    assert len(every) == len(set(every)), sorted(every)  # no key does two things

    def icon_ink(action):  # the lightness of the icon's drawn (opaque) pixels
        image = action.icon().pixmap(32, 32).toImage()
        ink = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
               if image.pixelColor(x, y).alpha() > 200]
        return sum(c.lightness() for c in ink) / len(ink)

    window.menus.set_theme("dark")
    assert settings.value("view/theme") == "dark"
    assert window.plots.plots["loss"].backgroundBrush().color().lightness() < 80
    assert icon_ink(window.start_action) > 150  # light icons on the dark toolbar
    window.menus.set_theme("light")
    assert icon_ink(window.start_action) < 100
    window.menus.set_theme("system")

    window.menus.show_log.trigger()
    assert not window.log_view.isVisible() and settings.value("view/log") in (False, "false")

    # The note says how the run ended; none while the window is active or notes are off.
    result = SimpleNamespace(status="finished", model_name="fashion-v0", model_acc=88.0,
                             model_loss=0.3, epochs_done=3, error=None)
    assert ended_words(result) == ("fashion-v0 finished", "test accuracy 88.0% after 3 epochs")
    window.menus.notify.setChecked(False)
    assert window.note("x", "y") == ""
    # a teaching step's end is watched as well (the Draw tab's teach bar)
    assert window._teaching_watched


SCALED = r"""
import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gui.draw.draw_surface import DrawSurface

def mouse(w, kind, p):
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    QApplication.sendEvent(w, QMouseEvent(kind, p, w.mapToGlobal(p), button, held,
                                          Qt.KeyboardModifier.NoModifier))

s = DrawSurface()
s.resize(300, 340)
s.show()
app.processEvents()
r = s.rect()  # the pointer's place in the widget, in logical pixels, from its own geometry
side = min(r.width(), r.height())
x0, y0 = (r.width() - side) / 2, (r.height() - side) / 2
for fx, fy in ((0.25, 0.75), (0.8, 0.2)):
    s.clear()
    p = QPointF(x0 + side * fx, y0 + side * fy)
    mouse(s, QEvent.Type.MouseButtonPress, p)
    mouse(s, QEvent.Type.MouseMove, p + QPointF(1, 0))
    mouse(s, QEvent.Type.MouseButtonRelease, p + QPointF(1, 0))
    app.processEvents()
    ink = s.ink()
    ys, xs = np.nonzero(ink)
    print(s.devicePixelRatioF(), round(xs.mean() / ink.shape[1], 3), round(ys.mean() / ink.shape[0], 3))
"""


@pytest.mark.parametrize("scale", ["1.25", "1.5", "2"])
def test_a_stroke_lands_where_the_pointer_is_at_high_dpi(scale, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale,
               PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", SCALED], env=env, cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [line.split() for line in out.stdout.splitlines()]
    assert float(lines[0][0]) == pytest.approx(float(scale))  # really drawn at that scale
    assert [float(v) for v in lines[0][1:]] == pytest.approx([0.25, 0.75], abs=0.02)
    assert [float(v) for v in lines[1][1:]] == pytest.approx([0.8, 0.2], abs=0.02)


def test_the_canvas_copies_as_a_picture_and_notes_say_how_a_run_ended(qtbot):
    from gui.draw.draw_surface import DrawSurface
    from gui.shared.copy_save import install_all, view_menu
    from gui.training.worker_messages import Failure
    from gui.window_desktop import ended_words

    surface = DrawSurface()
    qtbot.addWidget(surface)
    surface.resize(200, 200)
    assert install_all(surface) == 1
    mime = __import__("gui.shared.copy_save", fromlist=["copy_view"]).copy_view(surface)
    assert mime.imageData().width() >= 200 and not mime.hasText()  # a picture, no data table
    assert [a.text() for a in view_menu(surface, "canvas").actions()] == [
        "&Copy image", "Save as &PNG\u2026", "Save as &SVG\u2026"]

    def result(status, error=None):
        return SimpleNamespace(status=status, model_name="circles-v2", model_acc=86.5,
                               model_loss=0.57, epochs_done=400, error=error)
    assert ended_words(result("stopped")) == ("circles-v2 stopped",
                                              "Stopped after 400 epochs; test accuracy 86.5%")
    assert ended_words(result("diverged", "the loss grew 100-fold in 20 epochs")) == (
        "circles-v2 diverged", "the loss grew 100-fold in 20 epochs")
    assert ended_words(Failure("Fashion-MNIST is missing")) == ("A run failed",
                                                                "Fashion-MNIST is missing")


def test_a_process_that_copied_a_view_exits_cleanly():
    """The clipboard deletes what it still holds as the process exits, after Python has finished:
    a QMimeData made from Python made that exit a crash (SIGSEGV, exit code 139)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("from PySide6.QtWidgets import QApplication, QLabel\n"
            "app = QApplication([])\n"
            "from gui.shared.copy_save import copy_view\n"
            "label = QLabel('loss 0.25')\n"
            "copy_view(label, lambda: (['epoch', 'loss'], [[1, 0.25]]))\n"
            "print(QApplication.clipboard().text(), end='')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=120, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert out.stdout == "epoch\tloss\n1\t0.25\n"


def test_the_hand_over_at_exit_keeps_what_was_copied(qtbot):
    import shiboken6
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel
    from gui.shared.copy_save import copy_view, hand_over_clipboard

    label = QLabel("accuracy")
    qtbot.addWidget(label)
    label.resize(120, 40)
    copy_view(label, lambda: (["epoch", "acc"], [[3, 88.0]]))
    clipboard = QGuiApplication.clipboard()
    assert shiboken6.createdByPython(clipboard.mimeData())
    hand_over_clipboard()
    held = clipboard.mimeData()
    assert not shiboken6.createdByPython(held)  # Qt's own: nothing calls back after Python ends
    assert held.text() == "epoch\tacc\n3\t88.0\n" and held.imageData().width() == 120


def test_tab_leaves_a_table_instead_of_walking_its_cells(qtbot):
    """A keyboard user gets past a read-only table with one Tab; the arrow keys move within it."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget
    from gui.shared.row_tables import read_only_rows

    box = QWidget()
    qtbot.addWidget(box)
    table, after = QTableWidget(3, 3), QLineEdit()
    for r in range(3):
        for c in range(3):
            table.setItem(r, c, QTableWidgetItem(f"{r},{c}"))
    lay = QVBoxLayout(box)
    lay.addWidget(table)
    lay.addWidget(after)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    read_only_rows(table)
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert table.currentColumn() == 1 and box.focusWidget() is table
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert box.focusWidget() is after and table.currentColumn() == 1


def test_the_windows_tables_let_tab_through(window):
    from PySide6.QtWidgets import QAbstractItemView
    tables = [t for t in window.findChildren(QAbstractItemView) if t.metaObject().className()
              in ("QTableView", "QTableWidget", "RecordsTable", "NumberTable")]
    assert len(tables) >= 4  # the Runs table, the comparisons, Evaluate's per-class figures
    assert not [t for t in tables if t.tabKeyNavigation()]
