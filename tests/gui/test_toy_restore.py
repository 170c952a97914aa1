"""The toy data panels' rows come from the declarations (core/data/toy_settings.py), and a damaged
settings file never stops the window: every remembered value is converted and clamped, or left
at its default."""
import math

import pytest
from PySide6.QtCore import QByteArray

from core.data.toy_settings import CirclesData, LineData
from core.settings_spec import settings_of
from gui.shared import settings as store
from gui.toy.data_panels import CirclesDataPanel, LineDataPanel


@pytest.mark.parametrize("panel_class, data, labels", [
    (LineDataPanel, LineData, ["Weight", "Bias", "From x", "To x", "Step", "Train fraction"]),
    (CirclesDataPanel, CirclesData, ["Samples", "Noise", "Inner/outer radius", "Seed"])])
def test_each_row_is_its_declaration(qtbot, panel_class, data, labels):
    panel = panel_class()
    qtbot.addWidget(panel)
    form = panel.layout()
    specs = settings_of(data)
    assert [form.labelForField(panel.fields[s.name]).text() for s in specs] == labels  # as before
    for spec in specs:
        box = panel.fields[spec.name]
        assert (box.minimum(), box.maximum()) == (spec.low, spec.high)
        assert box.singleStep() == spec.step and box.value() == spec.default
        assert box.toolTip().endswith(f"({spec.flag})")
    assert panel.values() == vars(data())


def test_remembered_values_are_clamped_or_left_at_their_defaults(qtbot):
    panel = CirclesDataPanel()
    qtbot.addWidget(panel)
    panel.set_values({"seed": 3_000_000_000, "n_samples": -5, "noise": float("nan"),
                      "factor": "big", "colour": "red"})
    assert panel.values() == {"n_samples": 10, "noise": 0.03, "factor": 0.8, "seed": 2**31 - 1}
    panel.set_values("not a mapping")
    assert panel.values() == vars(CirclesData())


def _damage(path):
    """A settings file as a broken disk or a careless hand leaves it: numbers past any range,
    NaN, text where numbers belong, negative counts, garbage geometry and splitters."""
    s = store.make_settings(path)
    s.setValue(store.EXPERIMENT, (
        '{"workflow": "circles", "model": "circles-v2", "epochs": 3000000000, "lr": NaN, '
        '"seed": -1, "batch_size": "lots", "device": 7, "hidden_units": [1], '
        '"circles": {"seed": 3000000000, "n_samples": -5, "noise": NaN, "factor": "big"}, '
        '"line": "a line", "threads": 1e400}'))
    s.setValue(store.GEOMETRY, QByteArray(b"\x01\xd9\xd0\xcb" + b"\xff" * 60))
    s.setValue(f"{store.SPLITTERS}/main", QByteArray(b"\x00\x00\x00\xff" * 9))
    s.setValue("sweep/dialog", '{"random": 3000000000, "parallel": -7, "lr": 5}')
    s.sync()


def test_a_damaged_settings_file_never_stops_the_window(qtbot, tmp_path):
    from gui.main_window import MainWindow
    from gui.sweep.sweep_dialog import SweepDialog
    path = tmp_path / "settings.ini"
    _damage(path)
    w = MainWindow(store.make_settings(path))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.ready, timeout=120000):
        w.show()
    qtbot.waitUntil(lambda: bool(w.panel.toy_data) and w.plots is not None, timeout=60000)
    config = w.panel.config()
    assert w.panel.task() == "circles" and config.model == "circles-v2"
    assert config.circles == {"n_samples": 10, "noise": 0.03, "factor": 0.8, "seed": 2**31 - 1}
    assert config.line == vars(LineData())
    assert (config.epochs, config.lr, config.seed, config.device) == (1_000_000, 0.1, 0, "auto")
    assert config.batch_size == 32 and config.hidden_units == 10 and config.threads == 0
    config.validate()
    # the untrained model of these settings is on show, ready to play, and nothing complains
    qtbot.waitUntil(lambda: w.last_frame is not None and w.last_frame.epoch == 0, timeout=60000)
    assert w.phase == "idle" and not w.message.isVisible()
    # the sweep dialog, opened from the same file, clamps what it remembers too
    dialog = SweepDialog(config, w.settings)
    qtbot.addWidget(dialog)
    assert (dialog.random.value(), dialog.parallel.value()) == (dialog.random.maximum(), 0)
    w.close()


def test_unreadable_remembered_settings_give_the_defaults(tmp_path):
    path = tmp_path / "settings.ini"
    s = store.make_settings(path)
    s.setValue(store.EXPERIMENT, "[" * 100_000)  # deeper than the JSON reader goes
    s.sync()
    assert store.load_experiment(store.make_settings(path)) == {}
    s.setValue(store.EXPERIMENT, '{"lr": Infinity}')
    s.sync()
    assert math.isinf(store.load_experiment(store.make_settings(path))["lr"])  # the panel clamps it
