"""`main.py export`: TorchScript, ONNX and a standalone training script, from real checkpoints trained
on the real Fashion-MNIST, each read back the way someone outside TrainDesk would read it."""
import importlib.util
import json
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

from core.data import fashion_mnist as data
from core.train import schedules
from core.cli.dispatch import main
from core.config import TrainConfig
from core.evaluation.evaluate import fashion_logits
from core.export.formats import ExportError, export
from core.export.script import build_script
from core.models import build_model
from core.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
CPU = torch.device("cpu")


def _train(folder: Path, name: str, data_set, **settings) -> Path:
    trainer = Trainer(TrainConfig(threads=2, **settings), data=data_set)
    list(trainer.run())
    assert trainer.error is None
    return trainer.save(folder / name)


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory, fashion, fashion_small):
    """Real checkpoints: fashion-v0 for one epoch on the full set with the notebook's settings
    (the script must reproduce it), TinyVGG on the first 6,000 images, and a toy circles model."""
    folder = tmp_path_factory.mktemp("export-ckpts")
    return {"v0": _train(folder, "v0", fashion, model="fashion-v0", epochs=1),
            "v2": _train(folder, "v2", fashion_small, model="fashion-v2", epochs=1, hidden_units=8),
            "circles": _train(folder, "circles", None, model="circles-v0", epochs=5)}


def _reference(ckpt_path: Path, images_u8: torch.Tensor) -> torch.Tensor:
    """TrainDesk's own prediction path: the checkpoint's model on uint8 / 255."""
    from core import checkpoint
    return fashion_logits(checkpoint.load(ckpt_path).model, images_u8, CPU)


# -- TorchScript and ONNX: the files, read back without TrainDesk ---------------------------------

@pytest.mark.parametrize("which", ["v0", "v2"])
def test_torchscript_round_trip_takes_raw_pixels(which, ckpts, fashion, tmp_path):
    out = tmp_path / "model.pt"
    report = export(ckpts[which], "torchscript", out, test_images=fashion.test_x)
    assert report.path == out and report.size_bytes == out.stat().st_size
    assert report.checked_on == "test images" and report.images_checked == 500
    assert report.max_abs_diff <= 1e-4 and report.predictions_agree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated upstream
        loaded = torch.jit.load(str(out))
    images = fashion.test_x[:1000]
    with torch.inference_mode():  # any batch size, raw 0..255 floats in
        logits = torch.cat([loaded(images[:1].unsqueeze(1).float()),
                            loaded(images[1:].unsqueeze(1).float())])
    reference = _reference(ckpts[which], images)
    assert (logits - reference).abs().max().item() < 1e-4
    assert torch.equal(logits.argmax(1), reference.argmax(1))


@pytest.mark.parametrize("which", ["v0", "v2"])
def test_onnx_round_trip_in_onnxruntime(which, ckpts, fashion, tmp_path):
    import onnx
    import onnxruntime

    out = tmp_path / "model.onnx"
    report = export(ckpts[which], "onnx", out, test_images=fashion.test_x)
    assert report.max_abs_diff <= 1e-4 and report.predictions_agree
    onnx.checker.check_model(str(out))  # one self-contained file, a valid model
    assert list(tmp_path.iterdir()) == [out]
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (inp,), (outp,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.shape[1:], outp.name) == ("pixels", [1, 28, 28], "logits")
    images = fashion.test_x[:1000]
    pixels = images.unsqueeze(1).float().numpy()
    logits = torch.cat([torch.from_numpy(session.run(None, {"pixels": pixels[:1]})[0]),
                        torch.from_numpy(session.run(None, {"pixels": pixels[1:]})[0])])
    reference = _reference(ckpts[which], images)
    print(f"{which} onnx: largest logit difference {(logits - reference).abs().max().item():.2g}")
    assert (logits - reference).abs().max().item() < 1e-4
    assert torch.equal(logits.argmax(1), reference.argmax(1))


def test_cli_prints_json_and_one_summary_line(ckpts, tmp_path, capsys):
    out = tmp_path / "v0.onnx"
    assert main(["export", "--checkpoint", str(ckpts["v0"]), "--format", "onnx",
                 "--out", str(out), "--check-images", "300"]) == 0
    captured = capsys.readouterr()
    (line,) = captured.out.strip().splitlines()
    result = json.loads(line)["export"]
    assert result["format"] == "onnx" and result["path"] == str(out) and out.is_file()
    assert result["bytes"] == out.stat().st_size and result["checked_images"] == 300
    assert result["checked_on"] == "test images" and result["predictions_agree"] is True
    assert 0 <= result["max_abs_diff"] <= 1e-4
    assert f"Exported {out}" in captured.err and "all predictions agree" in captured.err
    print(captured.err)


def test_default_out_is_beside_the_checkpoint(ckpts, fashion):
    report = export(ckpts["v0"], "torchscript", test_images=fashion.test_x, images=50)
    try:
        assert report.path == ckpts["v0"].with_name("v0.pt") and report.images_checked == 50
    finally:
        report.path.unlink()


def test_without_data_the_check_runs_on_random_pixels(ckpts, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(tmp_path / "home"))
    out = tmp_path / "v0.pt"
    assert main(["export", "--checkpoint", str(ckpts["v0"]), "--format", "torchscript",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)["export"]
    assert result["checked_on"] == "random pixels" and result["predictions_agree"] and out.is_file()
    assert "random pixels" in result["notes"][0] and "Note: Fashion-MNIST was not found" in captured.err
    # A folder the user names must hold the data: no silent fallback then.
    assert main(["export", "--checkpoint", str(ckpts["v0"]), "--format", "torchscript",
                 "--out", str(tmp_path / "x.pt"), "--data-dir", str(tmp_path)]) == 1
    assert "does not hold the four Fashion-MNIST files" in capsys.readouterr().err
    assert not (tmp_path / "x.pt").exists()


# -- refusals: one line, exit 1 (2 for usage), nothing written -----------------------------------

def _refused(argv, capsys, code=1) -> str:
    assert main(argv) == code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and lines[-1].startswith("error: ") and "Traceback" not in captured.err
    return lines[-1]


def test_refuses_files_that_are_not_checkpoints(ckpts, tmp_path, capsys):
    text = tmp_path / "notes.safetensors"
    text.write_text("not a checkpoint")
    pickle = tmp_path / "model.pt"
    torch.save(build_model("fashion-v0").state_dict(), pickle)
    out = tmp_path / "out.onnx"
    err = _refused(["export", "--checkpoint", str(text), "--format", "onnx", "--out", str(out)], capsys)
    assert "is not a usable TrainDesk checkpoint" in err
    err = _refused(["export", "--checkpoint", str(pickle), "--format", "torchscript", "--out",
                    str(out)], capsys)
    assert "pickle" in err and "never unpickles" in err
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["torchscript", "onnx", "script"])
def test_refuses_a_toy_model(fmt, ckpts, tmp_path, capsys):
    out = tmp_path / "toy.out"
    err = _refused(["export", "--checkpoint", str(ckpts["circles"]), "--format", fmt,
                    "--out", str(out)], capsys)
    assert err == (f"error: {ckpts['circles']} holds a circles-v0 model; export works on the "
                   "image models")
    assert not out.exists()


def test_refuses_outs_it_cannot_write(ckpts, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file in the way")
    cases = {tmp_path / "missing" / "m.onnx": "the folder", blocker / "m.onnx": "is a file, not a folder",
             tmp_path: "it is a folder", ckpts["v0"]: "that is the checkpoint itself",
             Path("/proc/traindesk-export.onnx"): "cannot write"}
    for out, why in cases.items():
        err = _refused(["export", "--checkpoint", str(ckpts["v0"]), "--format", "onnx", "--out",
                        str(out), "--check-images", "20"], capsys)
        assert err.startswith(f"error: cannot write {out}") and why in err, err
    assert blocker.read_text() == "a file in the way" and ckpts["v0"].stat().st_size > 0
    with pytest.raises(SystemExit) as e:
        main(["export", "--checkpoint", str(ckpts["v0"]), "--format", "tflite"])
    assert e.value.code == 2 and "invalid choice: 'tflite'" in capsys.readouterr().err


def test_a_failed_check_writes_nothing(ckpts, fashion, tmp_path, monkeypatch):
    out = tmp_path / "model.onnx"
    out.write_bytes(b"an earlier export")
    monkeypatch.setattr("core.export.formats.TOLERANCE", -1.0)  # no difference can pass
    with pytest.raises(ExportError, match="does not reproduce TrainDesk's predictions.*nothing was written"):
        export(ckpts["v0"], "onnx", out, test_images=fashion.test_x, images=20)
    assert out.read_bytes() == b"an earlier export" and list(tmp_path.iterdir()) == [out]


# -- the standalone training script --------------------------------------------------------------

# Runs the script with every TrainDesk module unimportable (the editable install would otherwise
# put `core` on any path), so it proves the script needs nothing from TrainDesk.
BLOCKED_RUN = r"""
import importlib.abc, runpy, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('core', 'gui', 'main', 'traindesk', 'resources'):
            raise ImportError('TrainDesk is blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def test_script_trains_the_run_again_without_traindesk(ckpts, fashion_files, tmp_path, capsys):
    from core import checkpoint

    script = tmp_path / "train_v0.py"
    assert main(["export", "--checkpoint", str(ckpts["v0"]), "--format", "script",
                 "--out", str(script)]) == 0
    assert json.loads(capsys.readouterr().out)["export"]["max_abs_diff"] == 0.0
    text = script.read_text()
    assert not re.search(r"^\s*(from|import)\s+(core|gui|traindesk)\b", text, re.M | re.I)
    assert "class FashionMNISTModelV0(nn.Module)" in text and "SEED = 42" in text
    compile(text, str(script), "exec")
    data_dir = fashion_files["t10k-images-idx3-ubyte"].parent  # .gz in the Debian package
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", BLOCKED_RUN, str(script), "--epochs", "1",
                           "--data-dir", str(data_dir)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    traindesk = checkpoint.load(ckpts["v0"]).meta["metrics"]
    gap = abs(result["test_acc"] - traindesk["model_acc"])
    print(f"script test_acc {result['test_acc']:.2f}% vs TrainDesk {traindesk['model_acc']:.2f}% "
          f"(difference {gap:.3f} points, test loss {result['test_loss']:.5f} vs "
          f"{traindesk['model_loss']:.5f}) in {time.perf_counter() - t0:.1f} s")
    assert result["epochs"] == 1 and result["model_name"] == "FashionMNISTModelV0"
    assert gap <= 1.0
    assert "Epoch: 1 | Train loss:" in proc.stderr
    # Its own refusal of a folder without the data: one line, no traceback.
    bad = subprocess.run([sys.executable, str(script), "--data-dir", str(tmp_path)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "holds no train-images-idx3-ubyte" in bad.stderr
    assert "Traceback" not in bad.stderr


def _script_module(tmp_path: Path, meta: dict, name: str = "exported"):
    path = tmp_path / f"{name}.py"
    path.write_text(build_script(meta, "test"))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines only: main() runs under __main__
    return module


def _meta(model_id="fashion-v0", **config):
    return {"model_id": model_id, "hidden_units": config.get("hidden_units", 10),
            "classes": list(data.CLASS_NAMES), "config": {"model": model_id, **config}}


@pytest.mark.parametrize("model_id", ["fashion-v0", "fashion-v1", "fashion-v2"])
def test_script_model_class_starts_from_traindesks_weights(model_id, tmp_path):
    """Same layers built in the same order: the same seed gives the same initial weights."""
    module = _script_module(tmp_path, _meta(model_id, hidden_units=6))
    torch.manual_seed(7)
    ours = module.build_model()
    torch.manual_seed(7)
    theirs = build_model(model_id, 6)
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    x = torch.rand(3, 1, 28, 28)
    assert torch.equal(ours(x), theirs(x))


def test_script_schedule_is_core_schedules_formula(tmp_path):
    for i, (schedule, warmup, step_epochs) in enumerate([
            ("constant", 0.0, 1), ("constant", 0.5, 1), ("step", 0.0, 2), ("step", 1.5, 1),
            ("cosine", 0.0, 1), ("cosine", 0.25, 1), ("onecycle", 0.0, 1), ("onecycle", 2.0, 1)]):
        module = _script_module(tmp_path, _meta(lr=0.05, schedule=schedule, warmup_epochs=warmup,
                                                step_epochs=step_epochs), f"sched{i}")
        assert (module.LR_SCHEDULE, module.WARMUP_EPOCHS, module.STEP_EPOCHS) == (
            schedule, warmup, step_epochs)
        for steps_per_epoch, epochs in [(1875, 3), (7, 5), (1, 1)]:
            for step in sorted({0, 1, 2, steps_per_epoch - 1, steps_per_epoch, steps_per_epoch * 2 + 3,
                                steps_per_epoch * epochs // 3, steps_per_epoch * epochs - 1,
                                steps_per_epoch * epochs}):
                assert module.lr_at(step, steps_per_epoch, epochs) == schedules.lr_at(
                    step, 0.05, schedule, steps_per_epoch, epochs, step_epochs, warmup), \
                    (schedule, warmup, step, steps_per_epoch, epochs)


@pytest.mark.parametrize("optimizer,expected", [
    ("sgd", "torch.optim.SGD(params=model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,"),
    ("adam", "torch.optim.Adam(params=model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)"),
    ("adamw", "torch.optim.AdamW(params=model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)"),
])
def test_script_fills_in_the_runs_settings(optimizer, expected, tmp_path):
    meta = _meta("fashion-v2", hidden_units=16, optimizer=optimizer, lr=0.003, momentum=0.9,
                 weight_decay=0.01, batch_size=128, seed=3, epochs=4, augment="sketch")
    text = build_script(meta, "runs/x/last.safetensors")
    assert expected in text
    for line in ("SEED = 3", "EPOCHS = 4", "BATCH_SIZE = 128", "HIDDEN_UNITS = 16",
                 "LEARNING_RATE = 0.003", "MOMENTUM = 0.9", "WEIGHT_DECAY = 0.01"):
        assert f"\n{line}" in text, line
    assert "# Note: the run mixed drawing-like images" in text  # what the script leaves out
    assert "from runs/x/last.safetensors" in text


def test_script_refuses_damaged_settings_and_keeps_names_in_comments():
    with pytest.raises(ExportError, match=r"settings are damaged: learning rate \(--lr\)"):
        build_script(_meta(lr="0.1; import os"), "x")
    text = build_script(_meta(), 'evil\nimport os\r"""')
    assert "\nimport os\n" not in text and "# Exported by TrainDesk" in text
    compile(text, "x", "exec")
