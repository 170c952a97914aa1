"""`main.py replay`: the notebooks' steps, their models trained with the notebooks' settings as
ordinary runs in the history, and notebook 03's comparison beside the notebook's own figures."""
import json

import pytest

from core.cli.dispatch import main
from core.runs.store import RunStore


def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_notebook01_fits_the_line_and_reloads_identically(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    assert main(["replay", "notebook01", "--out", str(tmp_path / "runs")]) == 0
    rows = _rows(capsys.readouterr().out)
    steps = [r["title"] for r in rows if "step" in r]
    assert steps == ["Make the data", "Train the linear model", "Compare the fit", "Save and load"]
    findings = {r["finding"]: r for r in rows if "finding" in r}
    assert (findings["data"]["train"], findings["data"]["test"]) == (80, 20)
    assert findings["fit"]["learned"]["weight"] == pytest.approx(0.7, abs=0.02)
    assert findings["fit"]["learned"]["bias"] == pytest.approx(0.3, abs=0.02)
    assert findings["reload"]["identical"] is True and findings["reload"]["max_difference"] == 0.0
    epochs = [r for r in rows if "epoch" in r and "run" in r]
    assert len(epochs) == 300 and epochs[-1]["epochs"] == 300  # the notebook's 300 epochs
    (run,) = RunStore().runs()
    assert run.model_id == "line" and run.source == "replay" and run.sweep == rows[0]["id"]


def test_notebook02_linear_fails_relu_succeeds(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    assert main(["replay", "notebook02", "--out", str(tmp_path / "runs")]) == 0
    results = {r["result"]["model_name"]: r["result"] for r in _rows(capsys.readouterr().out)
               if "result" in r}
    assert 40 <= results["CircleModelV1"]["model_acc"] <= 60  # a straight boundary: about chance
    assert results["LineStackModel"]["model_loss"] < 0.1      # the stack fits the line
    assert results["CircleModelV2"]["model_acc"] == pytest.approx(86.5, abs=1.5)  # 1000 epochs
    assert {r.model_name for r in RunStore().runs()} == set(results)


def test_notebook03_compares_with_the_notebook(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    assert main(["replay", "notebook03", "--out", str(tmp_path / "runs")]) == 0
    rows = _rows(capsys.readouterr().out)
    (compare,) = [r for r in rows if "compare" in r]
    table = {r["model_name"]: r for r in compare["compare"]}
    assert list(table) == ["FashionMNISTModelV0", "FashionMNISTModelV1", "FashionMNISTModelV2"]
    assert all({"model_name", "model_loss", "model_acc", "training_time"} <= set(r)
               for r in table.values())
    # the notebook's own figures beside TrainDesk's, which land near them
    assert table["FashionMNISTModelV0"]["notebook_acc"] == 83.43
    assert abs(table["FashionMNISTModelV0"]["model_acc"] - 83.43) < 1.0
    assert abs(table["FashionMNISTModelV2"]["model_acc"] - 88.57) < 1.5
    assert abs(table["FashionMNISTModelV1"]["model_acc"] - 75.02) < 2.0
    assert compare["best"] == table["FashionMNISTModelV2"]["run_id"] and "GPU" in compare["note"]
    # each run's own JSON stream came first: three epochs each
    assert sum(1 for r in rows if "epoch" in r and "run" in r) == 9
    assert len(RunStore().runs()) == 3


def test_a_stopped_replay_says_where(tmp_path):
    from core.train.replay import replay
    from core.train.trainer import Control

    control = Control()
    rows = []
    for row in replay("notebook02", tmp_path / "runs", control=control):
        rows.append(row)
        if row.get("step") == 2:
            control.stop()
    assert rows[-1] == {"stopped": True, "at_step": 2}


def test_an_unknown_notebook_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["replay", "notebook09"])
    assert "invalid choice" in capsys.readouterr().err
