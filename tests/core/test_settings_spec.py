"""Every training setting is declared once (core/config.py) and read from that declaration."""
from dataclasses import dataclass, fields

import pytest

from core.config import SKETCH_FRACTION, MODEL_DEFAULTS, SETTINGS, WORKFLOW_DEFAULTS, WORKFLOWS, TrainConfig
from core.settings_spec import BOXES, GROUPS, setting, settings_of


def test_every_setting_is_a_field_with_a_valid_default_and_a_place():
    names = [f.name for f in fields(TrainConfig)]
    assert [s.name for s in SETTINGS] == [n for n in names if n not in (
        "line", "circles", "log_interval_s", "from_data")]  # toy data dicts, the event rate
    # and the names of the settings a run left to its data are not flags
    TrainConfig().validate()
    for s in SETTINGS:
        s.check(s.default)
        for task, _, _ in WORKFLOWS:
            s.check(s.default_for(task))
            for model in s.per_model:
                s.check(s.default_for(task, model))
        assert s.group in GROUPS and (s.box is None or s.box in BOXES)
        assert s.label and s.help and s.flag == "--" + s.name.replace("_", "-")


def test_workflow_defaults_are_the_seeds():
    # notebook 04 trains TinyVGG on a folder with Adam at lr 0.001 for 5 epochs
    assert WORKFLOW_DEFAULTS == {"fashion": {"epochs": 3, "lr": 0.1, "optimizer": "sgd"},
                                 "line": {"epochs": 300, "lr": 0.01, "optimizer": "sgd"},
                                 "circles": {"epochs": 1500, "lr": 0.1, "optimizer": "sgd"},
                                 "folder": {"epochs": 5, "lr": 0.001, "optimizer": "adam"}}
    d = TrainConfig()
    assert (d.model, d.epochs, d.batch_size, d.lr, d.optimizer, d.weight_decay, d.hidden_units,
            d.seed, d.device, d.threads, d.data_dir, d.augment, d.sketch_fraction) == (
        "fashion-v2", 3, 32, 0.1, "sgd", 0.0, 10, 42, "auto", 0, None, "", SKETCH_FRACTION)
    assert TrainConfig.sketch_fraction == SKETCH_FRACTION  # a class attribute, as the benchmarks read it


@pytest.mark.parametrize("bad, message", [
    (dict(lr=0), "learning rate (--lr) must be above 0, not 0"),
    (dict(batch_size=0), "batch size (--batch-size) must be between 1 and 60000, not 0"),
    (dict(epochs=2.5), "epochs (--epochs) must be a whole number, not 2.5"),
    (dict(epochs=0), "epochs (--epochs) must be 1 or more, not 0"),
    (dict(weight_decay=-0.1), "weight decay (--weight-decay) must be between 0 and 10, not -0.1"),
    (dict(optimizer="rmsprop"), "optimizer (--optimizer) must be sgd, adam or adamw, not 'rmsprop'"),
    (dict(device="tpu"), "device (--device) must be auto, cpu, cuda or mps, not 'tpu'"),
    (dict(augment="cartoon"), "augment (--augment) must be none or sketch, not 'cartoon'"),
    (dict(sketch_fraction=0), "sketch fraction (--sketch-fraction) must be above 0 and at most 1"),
    (dict(lr=float("nan")), "learning rate (--lr) must be a finite number, not nan"),
    (dict(threads=-1), "CPU threads (--threads) must be between 0 and 1024, not -1"),
    (dict(data_dir=3), "data folder (--data-dir) must be text, not 3"),
    (dict(model="nope"), "model (--model) must be fashion-v0, fashion-v1, fashion-v2, fashion-best,"),
    (dict(label_smoothing=0.6), "label smoothing (--label-smoothing) must be between 0 and 0.5"),
    (dict(shift=9), "shift (--shift) must be between 0 and 8, not 9"),
    (dict(flip=1), "random flips (--flip) must be true or false, not 1"),
])
def test_one_message_names_the_flag(bad, message):
    with pytest.raises(ValueError) as e:
        TrainConfig(**bad).validate()
    assert str(e.value).startswith(message)


def test_the_command_line_may_go_past_the_panels_range():
    TrainConfig(epochs=10_000_000, lr=1e6).validate()  # "until I stop it"; a diverging run


def test_restoring_converts_and_clamps_into_the_widget_range():
    s = {x.name: x for x in SETTINGS}
    assert s["epochs"].restore(3_000_000_000, 3) == 1_000_000
    assert s["batch_size"].restore(-5, 32) == 1
    assert s["hidden_units"].restore(1e300, 10) == 4096
    assert s["lr"].restore(1e6, 0.1) == 100.0 and s["lr"].restore(0, 0.1) == 1e-8
    assert s["lr"].restore(float("nan"), 0.1) == 0.1 and s["lr"].restore("0.5", 0.1) == 0.5
    assert s["weight_decay"].restore("lots", 0.0) == 0.0
    assert s["seed"].restore([1], 42) == 42 and s["seed"].restore(None, 42) == 42
    assert s["data_dir"].restore(12, None) is None and s["data_dir"].restore(None, "x") is None
    assert s["optimizer"].restore("rmsprop", "sgd") == "sgd"
    assert s["model"].restore("fashion-v1", "fashion-v2") == "fashion-v1"  # core's list: later
    assert s["augment"].restore("sketch", "") == "sketch"


def test_workflows_that_use_each_setting():
    toy_only_unused = {s.name for s in SETTINGS if not s.used_in("circles")}
    assert toy_only_unused == {"batch_size", "hidden_units", "data_dir", "augment",
                               "sketch_fraction", "label_smoothing", "flip", "shift",
                               "mixed_precision", "image_folder", "image_size",
                               "test_fraction", "split_seed", "trivial_augment"}
    folder_only = {"image_folder", "image_size", "test_fraction", "split_seed", "trivial_augment"}
    assert {s.name for s in SETTINGS if not s.used_in("fashion")} == folder_only
    # an image folder reads the image settings, but not Fashion-MNIST's files or sketches
    assert {s.name for s in SETTINGS if not s.used_in("folder")} == {"data_dir", "augment",
                                                                    "sketch_fraction"}


def test_a_declaration_with_a_mistake_is_refused_when_read():
    @dataclass
    class Typo(TrainConfig):
        dropout: float = setting(0.1, "Dropout", "share of units dropped", "Regularisation")

    with pytest.raises(ValueError, match="group 'Regularisation'"):
        settings_of(Typo)


def test_a_model_default_wins_over_the_workflow_and_the_plain_one():
    s = {x.name: x for x in SETTINGS}
    assert s["epochs"].default_for("fashion") == 3 and s["epochs"].default_for("line") == 300
    assert s["epochs"].default_for("fashion", "fashion-v2") == 3  # no recipe of its own
    best = MODEL_DEFAULTS["fashion-best"]
    assert s["epochs"].default_for("fashion", "fashion-best") == best["epochs"]
    assert s["seed"].default_for("fashion", "fashion-best") == 42 and not s["seed"].varies
    assert s["epochs"].varies and s["momentum"].varies and not s["momentum"].per_workflow
    # The recipe: everything a fast run needs, and nothing that changes the seeds' own defaults.
    recipe = MODEL_DEFAULTS["fashion-best"]
    assert {"epochs", "batch_size", "lr", "momentum", "weight_decay", "schedule",
            "label_smoothing", "mixed_precision"} <= set(recipe)
    assert recipe["schedule"] == "onecycle" and recipe["label_smoothing"] == 0.1
    assert recipe["mixed_precision"] and "flip" not in recipe  # flips did not help in 8 epochs
    TrainConfig(model="fashion-best", **recipe).validate()
    d = TrainConfig()
    assert (d.label_smoothing, d.flip, d.shift, d.momentum, d.schedule, d.mixed_precision) == (
        0.0, False, 0, 0.0, "constant", False)
