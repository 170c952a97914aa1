"""What the window remembers, how it looks (light/dark), and what hovering a plot tells."""
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette

from core.config import BatchResult, EpochResult
from gui.main_window import MainWindow
from gui.shared.theme import plot_colors


def test_settings_geometry_and_splitters_persist(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.core_info is not None, timeout=60000)
    w.resize(760, 560)  # the offscreen screen is 800x600: stay inside it
    w.split.setSizes([300, 460])
    chosen = {"model": "fashion-v1", "epochs": 5, "batch_size": 128, "lr": 0.003,
              "optimizer": "adam", "weight_decay": 0.001, "hidden_units": 24, "seed": 7,
              "device": "cpu", "augment": "sketch"}
    w.panel.set_config(chosen)
    sizes = w.split.sizes()
    w.close()

    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.core_info is not None, timeout=60000)
    config = again.panel.config().to_dict()
    assert {k: config[k] for k in chosen} == chosen
    assert (again.size().width(), again.size().height()) == (760, 560)
    assert again.split.sizes() == sizes


def test_defaults_are_the_seeds(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    c = w.panel.config()
    assert (c.model, c.epochs, c.batch_size, c.optimizer, c.lr, c.hidden_units, c.seed) == (
        "fashion-v2", 3, 32, "sgd", 0.1, 10, 42)
    assert w.panel.task() == "fashion"
    assert [w.panel.workflow.itemText(i) for i in range(w.panel.workflow.count())] == [
        "Fashion-MNIST", "Straight line", "Two circles", "Image folder"]


def test_panel_shows_models_parameters_and_devices_from_core(window, qtbot):
    p = window.panel
    p.set_config({"model": "fashion-v2", "hidden_units": 10})
    qtbot.waitUntil(lambda: "Parameters: 7,960" not in p.model_params.text()
                    and "," in p.model_params.text(), timeout=10000)
    from core.models import build_model, parameter_count
    assert p.model_params.text() == f"Parameters: {parameter_count(build_model('fashion-v2', 10)):,}"
    assert "TinyVGG" in p.model_about.text()
    assert [p.model.itemData(i) for i in range(p.model.count())] == [
        "fashion-v0", "fashion-v1", "fashion-v2", "fashion-best"]
    assert "Found: CPU" in p.device_found.text() or "Found: CUDA" in p.device_found.text()
    # Switching workflow lists that workflow's models and its default settings.
    p.workflow.setCurrentIndex(p.workflow.findData("circles"))
    # the workflow's own starting model (core/workflows) and settings (core/config.py)
    assert p.model.currentData() == "circles-v2" and p.epochs.value() == 1500
    assert p.lr.value() == 0.1
    assert not p.hidden.isEnabled() and not p.batch_size.isEnabled()


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.Base, "#1f1f1f"),
                        (QPalette.ColorRole.Text, "#e0e0e0"),
                        (QPalette.ColorRole.WindowText, "#e0e0e0")):
        pal.setColor(role, QColor(color))
    return pal


def test_plot_colours_suit_each_scheme(qapp):
    assert QColor(plot_colors(dark=True).background).lightness() < 60
    assert QColor(plot_colors(dark=True).foreground).lightness() > 150
    assert QColor(plot_colors(dark=False).background).lightness() > 200


def test_plots_follow_the_system_going_dark(window, qtbot, qapp):
    """The offscreen platform cannot switch the colour scheme, so the system's switch is played
    as what reaches the app: a dark palette (Qt hands one out when the scheme turns dark)."""
    light = qapp.palette()
    try:
        qapp.setPalette(dark_palette())
        qtbot.waitUntil(lambda: QColor(window.plots.colors.background).lightness() < 60,
                        timeout=5000)
        axis = window.plots.plots["loss"].getPlotItem().getAxis("left")
        assert axis.textPen().color().lightness() > 150
        assert window.plots.plots["loss"].backgroundBrush().color().lightness() < 60
        for view in other_plots(window):  # evaluation and the line's and circles' plots follow too
            assert view.backgroundBrush().color().lightness() < 60
    finally:
        qapp.setPalette(light)
    qtbot.waitUntil(lambda: QColor(window.plots.colors.background).lightness() > 200, timeout=5000)
    for view in other_plots(window):
        assert view.backgroundBrush().color().lightness() > 200


def other_plots(window):
    tabs = window.tool_tabs
    tabs.build()
    return [tabs.evaluation.confusion.canvas, tabs.evaluation.comparison.chart,
            tabs.evaluation.gallery.bars.plot, window.live_views["line_fit"].fit,
            window.live_views["line_fit"].loss, window.live_views["boundary"].train]


def test_hover_shows_the_exact_value(window, qtbot):
    plots = window.plots
    plots.clear()
    plots.set_epochs(2)
    plots.add_batch(BatchResult(1, 100, 200, 0.9, 70.0, 1000.0, 1.0))
    for e, test_loss in ((1, 0.61234), (2, 0.51234)):
        plots.add_epoch(EpochResult(e, 2, 0.7, 75.0, test_loss, 80.0 + e, 1.0, 1000.0))
    plots.refresh()
    widget = plots.plots["loss"]
    vb = widget.getPlotItem().getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(2, 0.51234))
    qtbot.mouseMove(widget.viewport(), widget.mapFromScene(scene_pos))
    qtbot.waitUntil(lambda: plots.hover_text("loss") != "", timeout=3000)
    assert plots.hover_text("loss") == "test loss\nepoch 2: 0.51234"
    # Away from every point (sent as the scene's own signal: offscreen, a second synthetic
    # mouse move is not always delivered as a hover move).
    widget.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(1.5, 0.85)))
    assert plots.hover_text("loss") == ""
    widget.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(1, 0.61234)))
    assert plots.hover_text("loss") == "test loss\nepoch 1: 0.61234"


def test_the_setup_panel_is_never_cut_off(window, qtbot):
    """Each workflow's form fits the panel beside it, at the window's first size and with the
    splitter pulled as far left as it goes: the folder's … button and every field stay in view."""
    w = window
    viewport = w.panel_scroll.viewport()
    for sizes in (None, [0, 2000]):  # as it opens; squeezed
        if sizes:
            w.split.setSizes(sizes)
        for task in ("fashion", "line", "circles", "folder"):
            w.panel.workflow.setCurrentIndex(w.panel.workflow.findData(task))
            qtbot.waitUntil(lambda: w.panel.width() <= viewport.width(), timeout=5000)
            button = w.panel._browse_buttons["image_folder"]
            if task == "folder":
                right = button.mapTo(w.panel, button.rect().topRight()).x()
                assert right < viewport.width()


# Pane sizes 575 and 2,016,620,544, then the rest of the state shifted by one byte.
FUZZED = bytes.fromhex("000000ff00000001 00000002 0000023f 78333000 0000b401ffffffff010000000200")


def _state(splitter, sizes=None) -> bytes:
    raw = bytearray(splitter.saveState().data())
    for i, size in enumerate(sizes or ()):
        raw[12 + 4 * i:16 + 4 * i] = size.to_bytes(4, "big", signed=True)
    return bytes(raw)


def test_a_damaged_splitter_state_is_not_restored(qtbot, settings):
    """A settings file damaged by a fuzzer crashed the window (a segmentation fault while it laid
    itself out): one broken escape in the ini text turned the log splitter's state into FUZZED."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtWidgets import QSplitter, QWidget

    from gui.shared.settings import SPLITTERS, splitter_state_fits
    pair = QSplitter(Qt.Orientation.Vertical)
    qtbot.addWidget(pair)
    for _ in range(2):
        pair.addWidget(QWidget())
    vertical = Qt.Orientation.Vertical.value
    assert splitter_state_fits(_state(pair), 2, vertical)
    assert splitter_state_fits(_state(pair, [560, 180]), 2, vertical)
    for bad, panes, orientation in ((_state(pair, [0x23F, 0x78333000]), 2, vertical),
                                    (_state(pair, [-5, 100]), 2, vertical),
                                    (_state(pair), 3, vertical),  # another splitter's state
                                    (_state(pair), 2, Qt.Orientation.Horizontal.value),
                                    (_state(pair)[:-3], 2, vertical),  # cut short
                                    # handle width 2**31 - 1
                                    (_state(pair)[:21] + b"\x7f" + _state(pair)[22:], 2, vertical)):
        assert not splitter_state_fits(bad, panes, orientation)
    assert not splitter_state_fits(FUZZED, 2, vertical)

    w = MainWindow(settings)
    qtbot.addWidget(w)
    right, main = FUZZED, _state(w.split, [320, 900])  # main still fits
    w.close()  # (closing saves the window's own states: the damaged ones go in after)
    settings.setValue(f"{SPLITTERS}/right", QByteArray(right))
    settings.setValue(f"{SPLITTERS}/main", QByteArray(main))
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.core_info is not None, timeout=60000)
    for i in range(again.tab_widget.count()):  # lay out and paint every tab, as a user would
        again.tab_widget.setCurrentIndex(i)
        assert not again.grab().isNull()
    assert max(again.right.sizes()) < 5000  # Qt's own layout, not the damaged size
    assert again.split.sizes()[0] > 0
