"""Every training setting is declared once (core/config.py) and read from that declaration."""
from dataclasses import dataclass, fields

import pytest

from core.config import SETTINGS, WORKFLOW_DEFAULTS, WORKFLOWS, TrainConfig
from core.settings_spec import BOXES, GROUPS, setting, settings_of


def test_every_setting_is_a_field_with_a_valid_default_and_a_place():
    names = [f.name for f in fields(TrainConfig)]
    assert [s.name for s in SETTINGS] == [n for n in names if n not in (
        "line", "circles", "log_interval_s")]  # toy data dicts and the event rate are not flags
    TrainConfig().validate()
    for s in SETTINGS:
        s.check(s.default)
        for task, _, _ in WORKFLOWS:
            s.check(s.default_for(task))
        assert s.group in GROUPS and (s.box is None or s.box in BOXES)
        assert s.label and s.help and s.flag == "--" + s.name.replace("_", "-")


def test_workflow_defaults_are_the_seeds():
    assert WORKFLOW_DEFAULTS == {"fashion": {"epochs": 3, "lr": 0.1},
                                 "line": {"epochs": 300, "lr": 0.01},
                                 "circles": {"epochs": 1500, "lr": 0.1}}
    d = TrainConfig()
    assert (d.model, d.epochs, d.batch_size, d.lr, d.optimizer, d.weight_decay, d.hidden_units,
            d.seed, d.device, d.threads, d.data_dir, d.augment, d.sketch_fraction) == (
        "fashion-v2", 3, 32, 0.1, "sgd", 0.0, 10, 42, "auto", 0, None, "", 0.35)
    assert TrainConfig.sketch_fraction == 0.35  # a class attribute still, as the benchmarks read it


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
    (dict(model="nope"), "model (--model) must be fashion-v0, fashion-v1, fashion-v2, line,"),
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
                               "sketch_fraction"}
    assert all(s.used_in("fashion") for s in SETTINGS)


def test_a_declaration_with_a_mistake_is_refused_when_read():
    @dataclass
    class Typo(TrainConfig):
        dropout: float = setting(0.1, "Dropout", "share of units dropped", "Regularisation")

    with pytest.raises(ValueError, match="group 'Regularisation'"):
        settings_of(Typo)
