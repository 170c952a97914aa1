"""fashion-best, TrainDesk's own model: its recipe reaches the command line (flags not given), its
augmentation and label smoothing do what they say, and the model works everywhere a model does:
checkpoints, evaluation, the Draw tab's prediction and explanation, export, and a bit-exact resume.
Its accuracy and speed are measured by benchmarks/bench_best.py, not here (README, "Speed")."""
import json

import pytest
import torch

from core import checkpoint
from core.train.augment_basic import flip_and_shift
from core.cli.common import config_from_args
from core.cli.dispatch import build_parser, main
from core.config import MODEL_DEFAULTS, TrainConfig
from core.models import MODELS, build_model, parameter_count
from core.train.trainer import Control, Trainer

RECIPE = MODEL_DEFAULTS["fashion-best"]


def _args(*flags):
    return build_parser().parse_args(["train", *flags])


# -- the model ---------------------------------------------------------------------------------

def test_model_is_small_and_rebuilt_from_its_id_whatever_the_hidden_units():
    spec = MODELS["fashion-best"]
    assert spec.task == "fashion" and spec.class_name == "FashionBest" and spec.channels_last
    assert not spec.uses_hidden_units
    model = build_model("fashion-best")
    assert 20_000 < parameter_count(model) < 200_000
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    torch.manual_seed(0)
    a = build_model("fashion-best", 10).state_dict()
    torch.manual_seed(0)
    b = build_model("fashion-best", 64).state_dict()  # hidden units do not change it
    assert all(torch.equal(a[k], b[k]) for k in a)


# -- its recipe on the command line ----------------------------------------------------------------

def test_flags_not_given_take_the_models_recipe():
    c = config_from_args(_args("--model", "fashion-best"), "fashion")
    assert {k: getattr(c, k) for k in RECIPE} == RECIPE
    assert (c.seed, c.hidden_units, c.augment) == (42, 10, "")  # not in the recipe: plain defaults
    # a flag given wins, the rest stay the recipe's
    c = config_from_args(_args("--model", "fashion-best", "--epochs", "2", "--no-mixed-precision",
                               "--label-smoothing", "0", "--optimizer", "adam", "--flip"), "fashion")
    assert (c.epochs, c.mixed_precision, c.label_smoothing, c.optimizer, c.flip) == (
        2, False, 0.0, "adam", True)
    assert (c.batch_size, c.schedule) == (RECIPE["batch_size"], RECIPE["schedule"])
    # the seeds keep the notebook's settings
    c = config_from_args(_args("--model", "fashion-v2"), "fashion")
    assert (c.epochs, c.batch_size, c.lr, c.momentum, c.schedule, c.label_smoothing, c.flip,
            c.shift, c.mixed_precision) == (3, 32, 0.1, 0.0, "constant", 0.0, False, 0, False)
    assert config_from_args(_args("--model", "fashion-v2", "--flip"), "fashion").flip is True


def test_help_tells_the_recipe(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (f"default: 3 (Fashion-MNIST), 300 (line), 1500 (circles), 5 (folder); "
            f"{RECIPE['epochs']} for fashion-best") in text
    assert f"default: 32; {RECIPE['batch_size']} for fashion-best;" in text
    assert "default: constant; onecycle for fashion-best]" in text
    assert "--mixed-precision, --no-mixed-precision" in text
    assert "default: False; True for fashion-best; Fashion-MNIST and Image folder only]" in text
    assert "--flip, --no-flip" in text and "--shift SHIFT" in text


# -- augmentation and loss ---------------------------------------------------------------------------

def test_flip_and_shift_move_pixels_and_follow_the_generator():
    x = torch.arange(2 * 28 * 28, dtype=torch.float32).view(2, 1, 28, 28)
    assert flip_and_shift(x, torch.Generator(), False, 0) is x
    flipped = flip_and_shift(x, torch.Generator().manual_seed(0), True, 0)
    for i in range(2):  # each image either mirrored or untouched
        assert torch.equal(flipped[i], x[i].flip(-1)) or torch.equal(flipped[i], x[i])
    g = torch.Generator().manual_seed(3)
    shifted = flip_and_shift(x, g, False, 2)
    offsets = torch.randint(0, 5, (2, 2), generator=torch.Generator().manual_seed(3)) - 2
    for i, (dy, dx) in enumerate(offsets.tolist()):
        expected = torch.roll(x[i], shifts=(-dy, -dx), dims=(-2, -1))
        rows = slice(max(0, -dy), 28 - max(0, dy))
        cols = slice(max(0, -dx), 28 - max(0, dx))
        assert torch.equal(shifted[i][:, rows, cols], expected[:, rows, cols])
        assert shifted[i].count_nonzero() <= (28 - abs(dy)) * (28 - abs(dx))  # edge filled with 0
    again = flip_and_shift(x, torch.Generator().manual_seed(3), False, 2)
    assert torch.equal(shifted, again)
    big = torch.rand(64, 1, 28, 28)
    out = flip_and_shift(big, torch.Generator().manual_seed(1), True, 1)
    assert out.shape == big.shape and not torch.equal(out, big) and out.sum() <= big.sum()


def test_label_smoothing_trains_but_the_test_loss_stays_plain(fashion_small):
    t = Trainer(TrainConfig(model="fashion-v0", label_smoothing=0.2, threads=1), data=fashion_small)
    assert t.train_loss_fn.label_smoothing == 0.2 and t.loss_fn.label_smoothing == 0.0
    logits = t.predict_logits(fashion_small.test_x)
    plain = torch.nn.functional.cross_entropy(logits, fashion_small.test_y).item()
    assert t.evaluate()[0] == pytest.approx(plain)
    assert Trainer(TrainConfig(model="fashion-v0", threads=1),
                   data=fashion_small).train_loss_fn is not None


# -- a real run: checkpoint, evaluation, Draw tab, export, resume ---------------------------------------

def _best(**kw) -> TrainConfig:
    c = config_from_args(_args("--model", "fashion-best"), "fashion")
    c.threads = 2
    c.flip, c.shift = True, 1  # not its recipe, but their random numbers must resume exactly too
    # 6,000 images give 24 steps an epoch: too few for batch norm's running statistics to follow
    # the recipe's peak rate (the test loss after epoch 1 blows up and the doctor stops the run).
    c.lr = 0.02
    for k, v in kw.items():
        setattr(c, k, v)
    return c


@pytest.fixture(scope="module")
def best_ckpt(fashion_small, tmp_path_factory):
    t = Trainer(_best(epochs=2), data=fashion_small)
    events = list(t.run())
    assert t.error is None and len(t.history) == 2, t.error
    assert t.channels_last and next(t.model.parameters()).is_contiguous(
        memory_format=torch.channels_last)
    assert t.history[-1].test_acc > 60  # 6,000 images, 2 epochs: it learns
    return t, t.save(tmp_path_factory.mktemp("best") / "best"), events


def test_checkpoint_evaluate_and_predict(best_ckpt, fashion_small, fashion, tmp_path, capsys):
    from core.evaluation.evaluate import evaluate_model, predict_array
    from core.evaluation.explain import explain

    trainer, path, _ = best_ckpt
    ckpt = checkpoint.load(path)
    assert ckpt.meta["model_id"] == "fashion-best" and ckpt.meta["class_name"] == "FashionBest"
    assert ckpt.meta["config"]["flip"] is True and ckpt.meta["config"]["label_smoothing"] == 0.1
    report = evaluate_model(ckpt, fashion_small, "cpu")
    assert report["model_name"] == "FashionBest"
    assert report["model_acc"] == pytest.approx(trainer.history[-1].test_acc)  # batch-norm's eval stats
    # the canvas: one image in 0..1, probabilities, and the explanation with feature maps
    image = fashion.test_x[0].float() / 255
    probs = predict_array(ckpt.model, image)
    assert len(probs) == 10 and sum(probs) == pytest.approx(1.0, abs=1e-5)
    e = explain(ckpt.model, image.numpy())
    assert e.method == "grad-cam" and e.heat.shape == (28, 28) and len(e.blocks) >= 2
    # the command line
    assert main(["evaluate", "--checkpoint", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["model_name"] == "FashionBest"


@pytest.mark.parametrize("fmt", ["torchscript", "onnx", "script"])
def test_every_export_format_reproduces_it(best_ckpt, fashion, fmt, tmp_path):
    from core.export.formats import export

    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
        pytest.importorskip("onnxscript")
    report = export(best_ckpt[1], fmt, tmp_path / f"best.{fmt}", test_images=fashion.test_x,
                    images=200)
    assert report.max_abs_diff <= 1e-4 and report.predictions_agree
    if fmt == "script":
        text = report.path.read_text()
        assert "class FashionBest(nn.Module)" in text and "\nLABEL_SMOOTHING = 0.1" in text
        assert "\nFLIP = True" in text and "\nSHIFT = 1" in text
        assert "\nLR_SCHEDULE = \"onecycle\"" in text and "\nMOMENTUM = 0.9" in text


def test_script_model_class_is_the_same_network(tmp_path):
    from core.data.fashion_mnist import CLASS_NAMES
    from core.export.script import build_script

    meta = {"model_id": "fashion-best", "hidden_units": 10, "classes": list(CLASS_NAMES),
            "config": {"model": "fashion-best", **RECIPE}}
    namespace = {"__name__": "check"}
    exec(compile(build_script(meta, "x"), "script", "exec"), namespace)
    torch.manual_seed(5)
    ours = namespace["build_model"]()
    torch.manual_seed(5)
    theirs = build_model("fashion-best")
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    x = torch.rand(4, 1, 28, 28)
    assert torch.equal(ours.eval()(x), theirs.eval()(x))
    batch = namespace["augment"](x)
    assert batch.shape == x.shape


def test_stop_mid_epoch_then_resume_is_bit_identical(fashion_small, tmp_path):
    straight = Trainer(_best(epochs=2), data=fashion_small)
    list(straight.run())
    control = Control()
    t = Trainer(_best(epochs=2), data=fashion_small, control=control)
    for ev in t.run():
        if hasattr(ev, "batch") and ev.epoch == 2 and ev.batch >= 5:
            control.stop()
    assert t.stopped and t.progress["epoch"] == 2 and 5 <= t.progress["done"] < 24
    resumed = Trainer.from_checkpoint(t.save(tmp_path / "mid"), 2, data=fashion_small)
    list(resumed.run())
    sa, sb = resumed.model.state_dict(), straight.model.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)  # BN stats too
    assert [h.test_loss for h in resumed.history] == [h.test_loss for h in straight.history]


# -- bfloat16 only where oneDNN may run it natively ----------------------------------------------------

def test_an_isa_cap_below_bfloat16_trains_in_float32_and_says_so(monkeypatch, fashion_small):
    from core.train import precision

    cpu = torch.device("cpu")
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv("DNNL_MAX_CPU_ISA", raising=False)
    native = precision.native_bfloat16(cpu)  # whatever this CPU has
    for cap in ("AVX512_CORE_AMX", "avx512_core_bf16", "AVX10_1_512", "DEFAULT"):
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
        assert precision.native_bfloat16(cpu) == native, cap
    for cap in ("AVX2", "avx2", "AVX512_CORE", "AVX2_VNNI", "SSE41"):  # bfloat16 would be emulated
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
        assert precision.native_bfloat16(cpu) is False, cap
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    monkeypatch.setenv("DNNL_MAX_CPU_ISA", "AVX2")  # oneDNN's older name for the same cap
    assert precision.native_bfloat16(cpu) is False
    said = []
    t = Trainer(_best(epochs=1), data=fashion_small, log=said.append)
    assert t.config.mixed_precision and t.bfloat16 is False  # the recipe asks, the cap says no
    assert any("float32" in line for line in said), said
