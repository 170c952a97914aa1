"""The headless commands: JSON lines on stdout, one clear line on stderr, meaningful exit codes."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.data import fashion_mnist as data
from core.cli.dispatch import main

ROOT = Path(__file__).resolve().parents[2]


def _lines(out):
    return [json.loads(line) for line in out.strip().splitlines()]


@pytest.mark.parametrize("argv", [
    ["train", "--model", "fashion-v9"],
    ["train", "--epochs", "many"],
    ["evaluate"],
    ["predict", "--checkpoint", "x.safetensors"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_models_lists_every_model_with_its_size(capsys):
    assert main(["models"]) == 0
    rows = {r["model"]: r for r in _lines(capsys.readouterr().out)}
    assert list(rows) == ["fashion-v0", "fashion-v1", "fashion-v2", "fashion-best", "tinyvgg",
                          "folder-v0", "folder-v1", "folder-best", "line", "line-stack",
                          "circles-v0", "circles-v1", "circles-v2"]
    assert rows["fashion-v2"]["parameters"] == 7740 and rows["fashion-v2"]["description"]


def test_bad_values_exit_2_with_one_line_naming_the_flag(capsys):
    assert main(["train", "--model", "line", "--lr", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: learning rate (--lr) must be above 0, not -1"
    assert main(["train", "--augment", "sketch", "--sketch-fraction", "1.5"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: sketch fraction (--sketch-fraction) must be above 0 and at most 1, not 1.5")
    assert main(["train", "--batch-size", "0"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: batch size (--batch-size) must be between 1 and 60000, not 0")


def test_train_help_is_grouped_by_the_declarations(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    heads = ["Model:", "Optimiser:", "Schedule:", "Data:", "Advanced:", "toy data"]
    assert [text.index(h) for h in heads] == sorted(text.index(h) for h in heads)
    schedule = text[text.index("Schedule:"):text.index("Data:")]
    assert "--epochs" in schedule and "--batch-size" in schedule
    assert "default: 3 (Fashion-MNIST), 300 (line), 1500 (circles)" in " ".join(schedule.split())
    # Every flag, default and choice the commands had before the declarations.
    for flag in ("--model", "--epochs", "--batch-size", "--lr", "--optimizer {sgd,adam,adamw}",
                 "--weight-decay", "--hidden-units", "--seed", "--device {auto,cpu,cuda,mps}",
                 "--threads", "--data-dir", "--augment {none,sketch}", "--sketch-fraction",
                 "--line-train-fraction", "--circles-samples", "--out"):
        assert flag in text, flag


def test_train_flags_reach_the_config_with_the_workflow_defaults():
    from core.cli.common import config_from_args
    from core.cli.dispatch import build_parser
    parser = build_parser()
    plain = config_from_args(parser.parse_args(["train", "--model", "line"]), "line")
    assert (plain.epochs, plain.lr, plain.batch_size, plain.augment, plain.device) == (
        300, 0.01, 32, "", "auto")
    args = parser.parse_args(["train", "--model", "circles-v2", "--epochs", "7", "--lr", "0.5",
                              "--optimizer", "adamw", "--weight-decay", "0.01", "--seed", "3",
                              "--threads", "2", "--augment", "sketch", "--sketch-fraction",
                              "0.5", "--data-dir", "/data", "--hidden-units", "12"])
    c = config_from_args(args, "circles")
    assert (c.model, c.epochs, c.lr, c.optimizer, c.weight_decay, c.seed, c.threads, c.augment,
            c.sketch_fraction, c.data_dir, c.hidden_units) == (
        "circles-v2", 7, 0.5, "adamw", 0.01, 3, 2, "sketch", 0.5, "/data", 12)


def test_no_data_anywhere_explains_and_exits_nonzero(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    assert main(["train", "--model", "fashion-v0", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert "three ways" in captured.err and "dataset-fashion-mnist" in captured.err


@pytest.fixture(scope="module")
def cli_checkpoint(tmp_path_factory):
    """Train through the real entry point once, as a user would from a shell."""
    out = tmp_path_factory.mktemp("cli")
    proc = subprocess.run([sys.executable, "main.py", "train", "--model", "fashion-v0", "--epochs", "1",
                           "--batch-size", "64", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc, out


def test_train_prints_epochs_then_result(cli_checkpoint):
    proc, out = cli_checkpoint
    lines = _lines(proc.stdout)
    assert set(lines[0]) == {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"}
    result = lines[-1]["result"]
    assert result["model_name"] == "FashionMNISTModelV0" and result["model_acc"] > 70
    # Each run in a folder of its own under --out, named by its run id
    ckpt = Path(result["checkpoint"])
    assert ckpt.parent.parent == out and ckpt.parent.name == result["run_id"] and ckpt.is_file()
    assert result["status"] == "finished" and "error" not in result
    assert "Train loss:" in proc.stderr and "Test acc:" in proc.stderr


def test_evaluate_gives_confusion_matrix(cli_checkpoint, capsys):
    ckpt = _lines(cli_checkpoint[0].stdout)[-1]["result"]["checkpoint"]
    assert main(["evaluate", "--checkpoint", ckpt]) == 0
    out = _lines(capsys.readouterr().out)[0]
    cm = np.array(out["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 10000 and (cm.sum(axis=1) == 1000).all()
    assert out["model_acc"] == pytest.approx(100 * np.trace(cm) / 10000)


def test_predict_mixes_good_and_bad_images(cli_checkpoint, fashion, tmp_path, capsys):
    ckpt = _lines(cli_checkpoint[0].stdout)[-1]["result"]["checkpoint"]
    trouser = int((fashion.test_y == 1).nonzero()[0])
    good = tmp_path / "trouser.png"
    # A dark-on-white photo of a trouser, bigger than 28x28: the preprocessing must frame it.
    Image.fromarray(255 - fashion.test_x[trouser].numpy()).resize((112, 112)).save(good)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["predict", "--checkpoint", ckpt, str(good), str(empty), str(text)]) == 1
    rows = _lines(capsys.readouterr().out)
    assert rows[0]["label"] == "Trouser" and rows[0]["index"] == 1
    assert sum(rows[0]["probabilities"]) == pytest.approx(1.0, abs=1e-5)
    assert "empty" in rows[1]["error"] and "not an image" in rows[2]["error"]


def test_predict_refuses_pickle_checkpoint(tmp_path, capsys):
    bad = tmp_path / "model.pth"
    bad.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)
    assert main(["predict", "--checkpoint", str(bad), "x.png"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never unpickles" in err[0]


def test_line_result_carries_learned_values(tmp_path, capsys):
    assert main(["train", "--model", "line", "--out", str(tmp_path)]) == 0
    result = _lines(capsys.readouterr().out)[-1]["result"]
    assert result["model_acc"] is None and result["model_loss"] < 0.05
    assert result["learned"]["weight"] == pytest.approx(0.7, abs=0.05)
    # The data panel's settings from the command line: notebook 01's exercise line.
    assert main(["train", "--model", "line", "--line-weight", "0.3", "--line-bias", "0.9",
                 "--epochs", "1000", "--out", str(tmp_path)]) == 0
    learned = _lines(capsys.readouterr().out)[-1]["result"]["learned"]
    assert learned["weight"] == pytest.approx(0.3, abs=0.05)
    assert learned["bias"] == pytest.approx(0.9, abs=0.05)


def test_circles_settings_reach_the_data(tmp_path, capsys):
    assert main(["train", "--model", "circles-v0", "--epochs", "5", "--circles-samples", "200",
                 "--circles-noise", "0.1", "--out", str(tmp_path)]) == 0
    ckpt = _lines(capsys.readouterr().out)[-1]["result"]["checkpoint"]
    from core.checkpoint import read
    assert read(ckpt)[1]["config"]["circles"] == {"n_samples": 200, "noise": 0.1}


def test_evaluate_refuses_a_toy_checkpoint(tmp_path, capsys):
    assert main(["train", "--model", "circles-v0", "--epochs", "2", "--out", str(tmp_path)]) == 0
    ckpt = _lines(capsys.readouterr().out)[-1]["result"]["checkpoint"]
    assert main(["evaluate", "--checkpoint", ckpt]) == 1
    assert "works on the image models" in capsys.readouterr().err


def test_diverged_run_exits_1_and_saves_nothing_untrained(tmp_path, capsys):
    assert main(["train", "--model", "circles-v2", "--lr", "1e6", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    result = _lines(captured.out)[-1]["result"]
    assert result["status"] == "diverged" and result["checkpoint"] is None
    assert "The learning rate 1e+06 is too high for this model: try 0.1." in result["error"]
    assert "Nothing saved" in captured.err and _no_weights_kept(tmp_path)


def test_nan_before_the_first_epoch_saves_nothing(tmp_path, capsys):
    # fashion-v0 at lr 1e4 turns NaN at batch 6, usually before the first log point (0.1 s);
    # on a machine loaded enough to reach a log point first, the blow-up is caught there instead
    assert main(["train", "--model", "fashion-v0", "--epochs", "1", "--lr", "1e4",
                 "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    result = _lines(captured.out)[-1]["result"]
    assert result["checkpoint"] is None and result["epochs"] == 0
    assert (result["status"] == "halted" and "nan" in result["error"]) or (
        result["status"] == "diverged" and "Training diverged" in result["error"])
    assert "Nothing saved: no epoch finished" in captured.err and _no_weights_kept(tmp_path)


def test_diverged_after_good_epochs_keeps_the_last_good_one(tmp_path, capsys):
    # circles-v2 at lr 10: five epochs pass, then it sits at 50% with a growing loss
    assert main(["train", "--model", "circles-v2", "--lr", "10", "--out", str(tmp_path)]) == 1
    result = _lines(capsys.readouterr().out)[-1]["result"]
    assert result["status"] == "diverged" and "stuck at chance" in result["error"]
    from core.checkpoint import read
    assert len(read(result["checkpoint"])[1]["history"]) == result["epochs"] > 0


@pytest.mark.parametrize("where", ["file", "under-file", "proc"])
def test_unwritable_out_fails_before_any_work(where, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file in the way")
    out = {"file": blocker, "under-file": blocker / "runs", "proc": Path("/proc/traindesk-runs")}[where]
    assert main(["train", "--model", "fashion-v2", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == "" and len(err) == 1 and err[0].startswith(f"error: cannot save checkpoints in {out}")
    assert blocker.read_text() == "a file in the way"


def test_runs_started_in_the_same_second_keep_their_own_files(tmp_path, capsys, monkeypatch):
    import core.cli.dispatch
    import core.runs.files
    monkeypatch.setattr(core.runs.files.time, "strftime", lambda fmt, *a: "20260101-120000")
    for _ in range(2):
        assert main(["train", "--model", "circles-v0", "--epochs", "2", "--out", str(tmp_path)]) == 0
    paths = [_lines(line)[0]["result"]["checkpoint"]
             for line in capsys.readouterr().out.splitlines() if '"result"' in line]
    assert len(set(paths)) == 2 and all(Path(p).is_file() for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).parent.name for p in paths)


def _no_weights_kept(out: Path) -> bool:
    """No checkpoint anywhere under `out`: only the run's folder, saying what the run was."""
    (folder,) = out.iterdir()
    return {p.name for p in folder.iterdir()} == {"run.json", "metrics.jsonl"}
