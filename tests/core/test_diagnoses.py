"""The diagnoses (core/train/diagnoses.py) on real runs: each code found where the run shows it,
and none where nothing is wrong (the seeds' settings on slices of the real Fashion-MNIST where the
finding is the same as on the whole set; the full-data runs are in test_diagnoses_slow.py)."""
import json
import sys
from pathlib import Path

import pytest

from core.config import TrainConfig
from core.data.fashion_mnist import FashionData
from core.train.diagnoses import Diagnoses
from core.train.trainer import Trainer

sys.path.insert(0, str(Path(__file__).parent))
from image_folder_fixture import write_fashion_folder  # noqa: E402

KEYS = {"code", "says", "evidence", "try"}


def slice_of(fashion, train: int, test: int = 1000) -> FashionData:
    return FashionData(fashion.train_x[:train], fashion.train_y[:train], fashion.test_x[:test],
                       fashion.test_y[:test], f"first {train}/{test}")


def train(data=None, **settings):
    """A real run to its end; (trainer, result, the log's diagnosis lines)."""
    lines = []
    t = Trainer(TrainConfig(**settings), data=data, log=lines.append)
    for _ in t.run():
        pass
    result = t.result()
    assert all(set(d) == KEYS and all(isinstance(v, str) and v for v in d.values())
               for d in result.diagnoses)
    return t, result, [line for line in lines if line.startswith("Diagnosis (")]


def codes(result) -> list:
    return [d["code"] for d in result.diagnoses]


def by_code(result, code) -> dict:
    return next(d for d in result.diagnoses if d["code"] == code)


# -- no false alarms -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["fashion-v0", "fashion-v2"])
def test_the_seed_settings_find_nothing(fashion_small, model):
    t, result, said = train(fashion_small, model=model, epochs=3, batch_size=32, lr=0.1, seed=42)
    assert result.status == "finished" and result.model_acc > 78
    assert result.diagnoses == [] and said == []


def test_fashion_best_recipe_finds_nothing(fashion):
    # fashion-best's own recipe (core/config.py per_model) on 6,000 images: 8 epochs of 47 steps
    from core.config import MODEL_DEFAULTS
    t, result, said = train(slice_of(fashion, 6000), model="fashion-best", **MODEL_DEFAULTS["fashion-best"])
    assert result.status == "finished" and result.model_acc > 80
    assert result.diagnoses == [] and said == []


def test_the_line_and_the_circles_1500_epochs_find_nothing():
    _, line, said = train(model="line", epochs=300, lr=0.01)
    assert line.diagnoses == [] and said == []
    _, circles, said = train(model="circles-v2", epochs=1500, lr=0.1)
    assert circles.model_acc >= 95 and circles.diagnoses == [] and said == []


# -- each code on the run that shows it ------------------------------------------------------------
def test_v1_clips_its_outputs_and_never_predicts_dress(fashion_small):
    # notebook 03's V1, the seed's settings: its last ReLU gives whole rows of zeros
    t, result, said = train(fashion_small, model="fashion-v1", epochs=3, batch_size=32, lr=0.1, seed=42)
    assert result.status == "finished"
    assert sorted(codes(result)) == ["class-never-predicted", "clipped-outputs"]
    clipped = by_code(result, "clipped-outputs")
    assert "the last layer is a ReLU" in clipped["says"]
    assert "10.6% of the 1,000 test pictures (106)" in clipped["evidence"]
    assert "106 of them all zeros" in clipped["evidence"] and "remove the ReLU" in clipped["try"]
    never = by_code(result, "class-never-predicted")
    assert "Dress" in never["says"] and "0 of the 1,000 test pictures" in never["evidence"]
    # said in the log once each, as soon as found (after epoch 1 or 2), not only at the end
    assert sorted(line.split(")")[0] for line in said) == ["Diagnosis (class-never-predicted",
                                                           "Diagnosis (clipped-outputs"]


def test_a_rate_too_low_is_said_and_the_run_goes_on(fashion_small):
    # TinyVGG at SGD 1e-4: the loss stays at ln 10 and the model at chance. The doctor used to call
    # this divergence ("too high: try 1e-06"); below the default rate it is a rate too low.
    t, result, said = train(fashion_small, model="fashion-v2", epochs=2, batch_size=32, lr=1e-4, seed=42)
    assert result.status == "finished" and result.epochs_done == 2 and result.error is None
    low = by_code(result, "lr-too-low")
    assert "0.0001" in low["says"] and "after 376 optimiser steps" in low["evidence"]
    assert "100% of its start" in low["evidence"] and "lr-find" in low["try"]
    assert low["try"].endswith("or 0.1.")  # the model's default rate, higher than this one
    assert "lr-too-high" not in codes(result)


def test_a_rate_too_high_is_the_doctors_divergence():
    t, result, said = train(model="circles-v2", epochs=20, lr=1e6)
    assert result.status == "diverged"
    high = by_code(result, "lr-too-high")
    assert high["evidence"] == "the test loss reached 3.96e+10 (it started at 0.693) after epoch 1"
    assert "try 0.1" in high["try"] and said and said[0].startswith("Diagnosis (lr-too-high)")


def test_too_few_steps_on_a_small_folder(tmp_path, fashion):
    folder = write_fashion_folder(tmp_path / "things", classes=("Trouser", "Sneaker", "Bag"),
                                  per_class=40, data=fashion)
    t, result, said = train(model="tinyvgg", image_folder=str(folder.root), epochs=2, seed=1,
                            batch_size=32, lr=0.001, optimizer="adam")
    few = by_code(result, "too-few-steps")
    assert few["evidence"].startswith("2 epochs of 3 steps = 6 steps in all (fewer than 100)")
    assert "test accuracy 33.3%" in few["evidence"] and "smaller batch" in few["try"]
    # the same folder at enough steps learns, and is not flagged
    t, result, said = train(model="tinyvgg", image_folder=str(folder.root), epochs=40, seed=1,
                            batch_size=32, lr=0.001, optimizer="adam")
    assert "too-few-steps" not in codes(result) and result.model_acc > 90


def test_overfitting_on_300_pictures(fashion):
    # a wide linear model, Adam, 300 training pictures: training accuracy reaches 100% while the
    # test loss climbs from its best (epoch 8) on
    t, result, said = train(slice_of(fashion, 300), model="fashion-v0", epochs=12, hidden_units=256,
                            optimizer="adam", lr=3e-3, seed=42)
    over = by_code(result, "overfitting")
    assert over["evidence"].startswith("the test loss rose from 0.7165 (epoch 8, its best) to 0.8091 "
                                       "(epoch 11)")
    assert "use the best epoch (8)" in over["try"] and "weight decay" in over["try"]
    assert said[-1].startswith("Diagnosis (overfitting)")


def test_plateau_when_the_rate_has_decayed_away(fashion):
    # a step schedule dividing the rate by 10 every epoch: by epoch 4 nothing moves
    t, result, said = train(slice_of(fashion, 2000), model="fashion-v0", epochs=6, schedule="step",
                            step_epochs=1, seed=42)
    flat = by_code(result, "plateau")
    assert flat["says"] == "No progress for 3 epochs: the model has stopped improving."
    assert "from epoch 4 to 6" in flat["evidence"] and "learning rate now 1e-06" in flat["evidence"]
    assert flat["try"].startswith("a gentler schedule (cosine, or later steps): it has lowered the "
                                  "rate to 1e-06 from 0.1;")


def test_plateau_of_a_straight_boundary_on_the_circles():
    # notebook 02: circles-v0 cannot bend its boundary; flat at ln 2 for 1500 epochs
    t, result, said = train(model="circles-v0", epochs=1500, lr=0.1)
    assert codes(result) == ["plateau"] and "non-linear activation" in result.diagnoses[0]["try"]


# -- the pieces --------------------------------------------------------------------------------------
def test_a_state_that_comes_back_is_said_once():
    import torch
    lines = []
    d = Diagnoses(lines.append)
    y = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    only_zero = torch.tensor([[1.0, 0.0]] * 10)
    both = torch.tensor([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5)
    d._outputs(only_zero, y, ["a", "b"], False)
    assert list(d.found) == ["class-never-predicted"] and d.version == 1
    d._outputs(both, y, ["a", "b"], False)
    assert d.found == {} and d.version == 2
    d._outputs(only_zero, y, ["a", "b"], False)
    assert list(d.found) == ["class-never-predicted"] and len(lines) == 1


def test_the_cli_result_and_the_history_hold_the_diagnoses(tmp_path, capsys, monkeypatch):
    from core.cli.dispatch import main
    from core.runs.store import RunStore
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    assert main(["train", "--model", "circles-v0", "--epochs", "1500", "--threads", "1",
                 "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.splitlines()[-1])["result"]
    assert [d["code"] for d in result["diagnoses"]] == ["plateau"]
    assert set(result["diagnoses"][0]) == KEYS
    assert "Diagnosis (plateau): No progress for 150 epochs" in captured.err
    row = RunStore().get(result["run_id"])
    assert row.diagnoses == result["diagnoses"]  # kept for the Runs tab, after a restart too
