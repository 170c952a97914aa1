"""The setup panel's form is built from the settings' declarations, and one new declaration is
all a setting needs to reach `train --help`, the panel, validation and the saved settings."""
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox

from core.config import MODEL_DEFAULTS, SETTINGS, TrainConfig
from core.settings_spec import setting
from gui.training.setup_panel import SetupPanel


@dataclass
class WithDropout(TrainConfig):
    # The one declaration a new setting needs (its use in the trainer aside).
    dropout: float = setting(0.2, "Dropout", "share of hidden units switched off at each step",
                             "Model", low=0, high=0.9)


def rows(form: QFormLayout) -> list:
    """(label text, field widget, visible) per row; a check box row has its text as the label."""
    out = []
    for i in range(form.rowCount()):
        label = form.itemAt(i, QFormLayout.ItemRole.LabelRole)
        item = form.itemAt(i, QFormLayout.ItemRole.FieldRole) or form.itemAt(
            i, QFormLayout.ItemRole.SpanningRole)
        widget = item.widget() or item.layout().itemAt(0).widget()
        text = label.widget().text() if label else (
            widget.text() if isinstance(widget, QCheckBox) else None)
        out.append((text, widget, form.isRowVisible(i)))
    return out


@pytest.fixture
def panel(qtbot):
    p = SetupPanel()
    qtbot.addWidget(p)
    return p


def test_rows_labels_and_order_are_as_before(panel):
    labelled = [[text for text, _, _ in rows(box.layout()) if text] for box in panel.groups]
    assert [box.title() for box in panel.groups] == ["Experiment", "Training", "Hardware and data"]
    assert labelled == [["Workflow", "Model", "Image folder"],
                        ["Let the data choose epochs and augmentation", "Epochs", "Batch size", "Learning rate", "Optimizer", "Weight decay",
                         "Momentum", "Label smoothing", "LR schedule", "Step every (epochs)",
                         "Warm-up (epochs)", "Best epoch by", "Early stopping patience",
                         "Hidden units", "Seed", "Mix in drawings (sketch)",
                         "Random flips", "Random shift (pixels)", "TrivialAugment"],
                        ["Device", "Data folder", "Write TensorBoard logs",
                         "Mixed precision (bfloat16)", "Image size (pixels)", "Test fraction",
                         "Split seed"]]
    assert len(rows(panel.groups[0].layout())) == 7 and len(rows(panel.groups[2].layout())) == 9
    assert (panel.epochs.minimum(), panel.epochs.maximum()) == (1, 1_000_000)
    assert (panel.batch_size.minimum(), panel.batch_size.maximum()) == (1, 60_000)
    assert (panel.lr.minimum(), panel.lr.maximum(), panel.lr.decimals()) == (1e-8, 100.0, 8)
    assert (panel.weight_decay.minimum(), panel.weight_decay.maximum()) == (0.0, 10.0)
    assert (panel.hidden.minimum(), panel.hidden.maximum()) == (1, 4096)
    assert (panel.seed.minimum(), panel.seed.maximum()) == (0, 2**31 - 1)
    assert [panel.optimizer.itemText(i) for i in range(panel.optimizer.count())] == [
        "SGD", "Adam", "AdamW"]
    assert [panel.device.itemData(i) for i in range(panel.device.count())] == [
        "auto", "cpu", "cuda", "mps"]


def test_each_widget_suits_its_setting_and_explains_it(panel):
    kinds = {int: QSpinBox, float: QDoubleSpinBox}
    for s in SETTINGS:
        if s.box is None:
            assert s.name not in panel.widgets  # --threads, --sketch-fraction: command line only
            continue
        w = panel.widgets[s.name]
        assert s.help[1:] in w.toolTip() and s.flag in w.toolTip()
        if s.widget == "check":
            assert isinstance(w, QCheckBox)
        elif s.options(resolve=False) is not None or s.widget in ("model", "device"):
            assert isinstance(w, QComboBox)
        elif s.kind in kinds:
            assert isinstance(w, kinds[s.kind])


def test_rows_a_workflow_does_not_use_are_hidden(panel):
    def shown():
        return [text for box in panel.groups for text, _, visible in rows(box.layout())
                if text and visible]
    fashion = shown()
    panel.workflow.setCurrentIndex(panel.workflow.findData("line"))
    assert shown() == ["Workflow", "Model", "Epochs", "Learning rate", "Optimizer",
                       "Weight decay", "Momentum", "LR schedule", "Step every (epochs)",
                       "Warm-up (epochs)", "Best epoch by", "Early stopping patience", "Seed",
                       "Device", "Write TensorBoard logs"]
    assert not panel.batch_size.isEnabled() and not panel.sketch.isEnabled()
    assert (panel.epochs.value(), panel.lr.value()) == (300, 0.01)  # the line's own defaults
    assert panel.config().data_dir is None and panel.config().augment == ""
    panel.workflow.setCurrentIndex(panel.workflow.findData("fashion"))
    assert shown() == fashion and panel.batch_size.isEnabled()
    assert (panel.epochs.value(), panel.lr.value()) == (3, 0.1)


def test_saved_settings_keep_the_previous_versions_keys(panel):
    state = panel.state()
    assert set(state) == {"model", "epochs", "batch_size", "lr", "optimizer", "weight_decay",
                          "hidden_units", "seed", "device", "threads", "data_dir", "line",
                          "circles", "log_interval_s", "augment", "sketch_fraction", "workflow",
                          "momentum", "schedule", "step_epochs", "warmup_epochs", "best_by",
                          "patience", "tensorboard", "label_smoothing", "flip", "shift",
                          "mixed_precision", "image_folder", "image_size", "test_fraction",
                          "split_seed", "trivial_augment", "from_data", "data_chooses"}
    # A state written by the previous version, toy workflow included, restores as it was.
    old = {**state, "workflow": "circles", "model": "circles-v2", "epochs": 1000, "lr": 0.05,
           "optimizer": "adam", "seed": 7, "device": "cpu"}
    panel.set_config(old)
    c = panel.config()
    assert panel.task() == "circles" and (c.epochs, c.lr, c.optimizer, c.seed, c.device) == (
        1000, 0.05, "adam", 7, "cpu")
    # Missing values take the saved workflow's defaults.
    panel.set_config({"workflow": "line"})
    assert (panel.epochs.value(), panel.lr.value()) == (300, 0.01)


def test_one_declaration_reaches_help_panel_validation_and_saved_settings(
        qtbot, monkeypatch, tmp_path, capsys):
    from core.cli import common, dispatch as cli
    from core.cli.common import config_from_args
    from gui.training import setup_panel
    from gui.shared.settings import load_experiment, make_settings, save_experiment
    monkeypatch.setattr(cli, "TrainConfig", WithDropout)
    monkeypatch.setattr(common, "TrainConfig", WithDropout)  # the flags' values make the config
    monkeypatch.setattr(setup_panel, "TrainConfig", WithDropout)

    # train --help: in its group, with its range and default
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    model_help = " ".join(text[text.index("Model:"):text.index("Optimiser:")].split())
    assert ("--dropout DROPOUT share of hidden units switched off at each step "
            "[between 0 and 0.9; default: 0.2]") in model_help
    # validation: one line naming the flag, before any data is loaded
    assert cli.main(["train", "--dropout", "1.5", "--out", str(tmp_path / "runs")]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: dropout (--dropout) must be between 0 and 0.9, not 1.5")
    args = cli.build_parser().parse_args(["train", "--dropout", "0.5"])
    assert config_from_args(args, "fashion").dropout == 0.5

    # the setup panel: a row in the Training box with the right widget, range and tooltip
    panel = SetupPanel()
    qtbot.addWidget(panel)
    box = panel.widgets["dropout"]
    assert panel.dropout is box and isinstance(box, QDoubleSpinBox)
    assert (box.minimum(), box.maximum(), box.value()) == (0.0, 0.9, 0.2)
    assert box.toolTip() == "Share of hidden units switched off at each step (--dropout)"
    assert rows(panel.hyper.layout())[-1][:2] == ("Dropout", box)
    box.setValue(0.4)
    assert panel.config().dropout == 0.4

    # the saved settings: written, read back, and clamped into range when hand-edited
    store = make_settings(tmp_path / "settings.ini")
    save_experiment(store, panel.state())
    store.sync()
    again = SetupPanel()
    qtbot.addWidget(again)
    again.set_config(load_experiment(make_settings(tmp_path / "settings.ini")))
    assert again.config().dropout == 0.4
    again.set_config({**panel.state(), "dropout": 7})
    assert again.dropout.value() == 0.9
    again.set_config({**panel.state(), "dropout": "lots"})
    assert again.dropout.value() == 0.2


# -- a model with its own recipe ------------------------------------------------------------------

def _with_models(panel):
    from core.models import MODELS
    from gui.training.worker_messages import CoreInfo, ModelInfo
    panel.set_core_info(CoreInfo([ModelInfo(m.id, m.class_name, m.task, m.description,
                                            m.uses_hidden_units) for m in MODELS.values()],
                                 ["cpu"], "cpu", "test", 0.0))


def _recipe(panel):
    c = panel.config()
    return {name: getattr(c, name) for name in MODEL_DEFAULTS["fashion-best"]}


def test_picking_fashion_best_brings_its_recipe_and_leaving_it_the_seeds(panel):
    _with_models(panel)
    seeds = _recipe(panel)  # fashion-v2 with the notebook's settings
    assert seeds == {s.name: s.default_for("fashion") for s in SETTINGS
                     if s.name in MODEL_DEFAULTS["fashion-best"]}
    assert (seeds["epochs"], seeds["batch_size"], seeds["schedule"], seeds["mixed_precision"]) == (
        3, 32, "constant", False)
    panel.seed.setValue(7)  # the user's own choice, which no model has a value for
    panel.model.setCurrentIndex(panel.model.findData("fashion-best"))
    assert _recipe(panel) == MODEL_DEFAULTS["fashion-best"]
    assert panel.mixed_precision.isChecked() and panel.config().seed == 7
    panel.model.setCurrentIndex(panel.model.findData("fashion-v0"))
    assert _recipe(panel) == seeds and panel.config().seed == 7
    # Leaving it for another workflow: the toy model does not inherit momentum or one-cycle.
    panel.model.setCurrentIndex(panel.model.findData("fashion-best"))
    panel.workflow.setCurrentIndex(panel.workflow.findData("line"))
    c = panel.config()
    assert (c.epochs, c.lr, c.momentum, c.schedule, c.weight_decay) == (300, 0.01, 0.0,
                                                                        "constant", 0.0)


def test_a_saved_fashion_best_run_keeps_its_own_values(panel):
    _with_models(panel)
    panel.set_config({"workflow": "fashion", "model": "fashion-best", "epochs": 5, "lr": 0.3})
    _with_models(panel)  # core's list arriving after the saved settings changes nothing
    c = panel.config()
    assert (c.model, c.epochs, c.lr) == ("fashion-best", 5, 0.3)
    # what the saved settings lack starts from the model's recipe
    recipe = MODEL_DEFAULTS["fashion-best"]
    assert (c.batch_size, c.schedule, c.label_smoothing, c.mixed_precision) == (
        recipe["batch_size"], "onecycle", 0.1, True)
