"""The line's and the circles' data settings are declared once (core/data/toy_settings.py), like a
run's: defaults, flags, checks and restored values all come from that declaration; so do the
sweep's sweepable settings and the exported script's constants (core/config.py)."""
import inspect
from dataclasses import dataclass, fields

import pytest

from core.cli.common import CIRCLES_FLAGS, LINE_FLAGS, given
from core.cli.dispatch import build_parser, main
from core.config import SETTINGS, TrainConfig
from core.data.toy import make_circles, make_line
from core.data.toy_settings import CirclesData, LineData, toy_data
from core.export.script_constants import constants_block
from core.settings_spec import setting, settings_of
from core.sweep import plan as sweep


def test_the_defaults_are_the_seeds_and_the_data_makers_read_them():
    assert LineData() == LineData(weight=0.7, bias=0.3, start=0.0, end=1.0, step=0.01,
                                  train_fraction=0.8)
    assert CirclesData() == CirclesData(n_samples=1000, noise=0.03, factor=0.8, seed=42)
    for maker, cls in ((make_line, LineData), (make_circles, CirclesData)):
        defaults = {k: p.default for k, p in inspect.signature(maker).parameters.items()}
        assert {f.name: defaults[f.name] for f in fields(cls)} == vars(cls())
    LineData().validate()
    CirclesData().validate()
    # each declaration says everything a flag, a check and a panel row need
    for spec in (*LINE_FLAGS, *CIRCLES_FLAGS):
        assert spec.label and spec.help and spec.kind in (int, float)
        assert spec.low is not None and spec.high is not None and spec.step is not None
        spec.check(spec.default)


def test_flags_keep_their_names_and_destinations():
    assert [s.flag for s in LINE_FLAGS] == ["--line-weight", "--line-bias", "--line-start",
                                            "--line-end", "--line-step", "--line-train-fraction"]
    assert [s.flag for s in CIRCLES_FLAGS] == ["--circles-samples", "--circles-noise",
                                               "--circles-factor", "--circles-seed"]
    assert [s.dest for s in CIRCLES_FLAGS] == ["circles_n_samples", "circles_noise",
                                               "circles_factor", "circles_seed"]
    unset = build_parser().parse_args(["train", "--model", "circles-v0"])
    assert all(getattr(unset, s.dest) is None for s in (*LINE_FLAGS, *CIRCLES_FLAGS))
    assert given(unset, LINE_FLAGS) == given(unset, CIRCLES_FLAGS) == {}  # the defaults stay
    args = build_parser().parse_args(["train", "--circles-samples", "200", "--circles-noise",
                                      "0.1", "--line-train-fraction", "0.5"])
    assert given(args, CIRCLES_FLAGS) == {"n_samples": 200, "noise": 0.1}
    assert given(args, LINE_FLAGS) == {"train_fraction": 0.5}


def test_help_shows_each_flags_range_and_default(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ("--circles-seed CIRCLES_SEED draws the points' noise and order and the train/test "
            "split (random_state) [between 0 and 2147483647; default: 42; Two circles only]") in text
    assert "--line-step LINE_STEP the distance between two points' x [between 0.001 and 10; " \
           "default: 0.01; Straight line only]" in text


@pytest.mark.parametrize("values, message", [
    (dict(circles={"seed": 3_000_000_000}),
     "seed (--circles-seed) must be between 0 and 2147483647, not 3000000000"),
    (dict(circles={"n_samples": -5}), "samples (--circles-samples) must be between 10 and 100000"),
    (dict(circles={"n_samples": 200.5}), "samples (--circles-samples) must be a whole number"),
    (dict(circles={"noise": float("nan")}), "noise (--circles-noise) must be a finite number"),
    (dict(circles={"factor": "big"}), "factor (--circles-factor) must be a number, not 'big'"),
    (dict(line={"weight": 1e6}), "weight (--line-weight) must be between -100 and 100"),
    (dict(line={"step": 0.0}), "step (--line-step) must be between 0.001 and 10, not 0"),
    (dict(line={"train_fraction": 1.0}), "train fraction (--line-train-fraction) must be"),
    (dict(line={"end": -1.0}), "the line needs start < end (--line-start 0, --line-end -1)"),
    (dict(line={"step": 1.0}), "the line has too few points to split into train and test"),
    (dict(line={"slope": 2.0}), "the line data have no setting 'slope'"),
    (dict(circles=[1000]), "the circles data settings must be a mapping"),
])
def test_a_runs_toy_data_are_checked_with_one_message_naming_the_flag(values, message):
    with pytest.raises(ValueError) as e:
        TrainConfig(**values).validate()
    assert str(e.value).startswith(message)


def test_the_data_makers_refuse_what_the_declarations_refuse():
    with pytest.raises(ValueError, match=r"--circles-seed"):
        make_circles(seed=3_000_000_000)  # numpy's own limit is 2**32 - 1: one clear message first
    with pytest.raises(ValueError, match=r"--line-step"):
        make_line(step=0)
    assert toy_data("line", {"weight": 0.3}) == LineData(weight=0.3)


def test_restored_values_are_converted_and_clamped():
    s = {x.name: x for x in settings_of(CirclesData)}
    assert s["seed"].restore(3_000_000_000, 42) == 2**31 - 1
    assert s["n_samples"].restore(-5, 1000) == 10
    assert s["n_samples"].restore("300", 1000) == 300
    assert s["noise"].restore(float("nan"), 0.03) == 0.03
    assert s["noise"].restore("lots", 0.03) == 0.03 and s["noise"].restore([1], 0.03) == 0.03
    assert s["factor"].restore(1e400, 0.8) == 0.8  # inf: not a number a form can hold
    line = {x.name: x for x in settings_of(LineData)}
    assert line["step"].restore(0, 0.01) == 0.001 and line["weight"].restore(-1e9, 0.7) == -100


@pytest.mark.parametrize("argv, message", [
    (["--model", "circles-v0", "--circles-seed", "3000000000"],
     "error: seed (--circles-seed) must be between 0 and 2147483647, not 3000000000"),
    (["--model", "circles-v0", "--circles-samples", "-5"],
     "error: samples (--circles-samples) must be between 10 and 100000, not -5"),
    (["--model", "line", "--line-step", "0"],
     "error: step (--line-step) must be between 0.001 and 10, not 0"),
    (["--model", "line", "--line-start", "2"],
     "error: the line needs start < end (--line-start 2, --line-end 1)"),
    (["--model", "fashion-v0", "--line-weight", "nan"],
     "error: weight (--line-weight) must be a finite number, not nan"),
])
def test_out_of_range_flags_give_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    out = tmp_path / "runs"
    assert main(["train", *argv, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() == message
    assert not out.exists()  # nothing started, nothing written


def test_the_sweep_reads_what_it_varies_and_their_short_names_from_the_declarations():
    # the same grid order and names as the hand-written lists had
    assert sweep.SWEPT == ("lr", "batch_size", "hidden_units", "optimizer", "momentum",
                           "weight_decay", "schedule")
    assert sweep.SHORT == {"lr": "lr", "batch_size": "batch", "hidden_units": "hidden",
                           "optimizer": "opt", "momentum": "momentum", "weight_decay": "wd",
                           "schedule": "schedule"}
    assert set(sweep.PASSED) == {"epochs", "seed", "device", "threads", "data_dir",
                                 "image_folder", "image_size", "test_fraction", "split_seed"}
    assert set(sweep.SWEPT) == {s.name for s in SETTINGS if s.sweep}
    assert sweep.describe({"lr": 0.1, "batch_size": 32}) == "lr 0.1 batch 32"
    flags = {a.dest: a for a in _subparser("sweep")._actions}
    assert all(name in flags for name in (*sweep.SWEPT, *sweep.PASSED))


def _subparser(name):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sub.choices[name]


@dataclass
class WithDropout(TrainConfig):
    dropout: float = setting(0.2, "Dropout", "share of hidden units switched off", "Model",
                             low=0, high=0.9, script="DROPOUT")


def test_the_exported_scripts_constants_come_from_the_declarations():
    config = TrainConfig(seed=3, lr=0.003, schedule="onecycle", flip=True, shift=2)
    block = constants_block(config, hidden_units=16).splitlines()
    assert [line.split(" = ")[0] for line in block] == [s.script for s in SETTINGS if s.script]
    values = {line.split(" = ")[0]: line.split(" = ", 1)[1].split("  # ")[0] for line in block}
    assert values == {"EPOCHS": "3", "BATCH_SIZE": "32", "LEARNING_RATE": "0.003",
                      "WEIGHT_DECAY": "0.0", "MOMENTUM": "0.0", "LABEL_SMOOTHING": "0.0",
                      "LR_SCHEDULE": '"onecycle"', "STEP_EPOCHS": "1", "WARMUP_EPOCHS": "0.0",
                      "HIDDEN_UNITS": "16", "SEED": "3", "FLIP": "True", "SHIFT": "2"}
    assert "EPOCHS = 3  # --epochs changes it" in block  # the script's notes stay beside them
    # a new setting declared with a constant name is in the script with no other change
    assert "DROPOUT = 0.2" in constants_block(WithDropout(), hidden_units=10).splitlines()
