"""Export a checkpoint for use outside TrainDesk: TorchScript, ONNX, or a standalone training script.

The TorchScript and ONNX models take raw pixel values (float 0..255, [N, C, H, W], any N: a
Fashion-MNIST model [N, 1, 28, 28], an image-folder model [N, 3, S, S] RGB) and apply the
checkpoint's own normalisation inside, so whoever runs them needs no TrainDesk recipe.
Every export is checked before it is written: the exported model (or, for a script, the script's
model class and input recipe) runs on real test images next to TrainDesk's own prediction path,
and the file is written only if the logits match. The file is written whole or not at all.
"""
from __future__ import annotations

import io
import os
import time
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn

from core.export import ExportError  # noqa: F401 - callers catch it from here too
from core.kept_files import write_atomic
from core.pictures.recipe import InputRecipe, RecipeError

FORMATS = ("torchscript", "onnx", "script")
SUFFIXES = {"torchscript": ".pt", "onnx": ".onnx", "script": ".py"}
CHECK_IMAGES = 500
# float32 logits of these models differ by ~1e-6 between runtimes; 1e-4 is far above that noise
# and far below any difference that could change a prediction that is not a tie.
TOLERANCE = 1e-4
ONNX_PACKAGES = "onnx, onnxscript and onnxruntime"


@dataclass
class ExportReport:
    path: Path
    format: str
    size_bytes: int
    checked_on: str            # "test images" or "random pixels" (Fashion-MNIST was not found)
    images_checked: int
    max_abs_diff: float        # largest |exported logit - TrainDesk logit| over those images
    agreement: float           # share of images whose predicted class is the same (1.0 = all)
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def predictions_agree(self) -> bool:
        return self.agreement == 1.0


class RawPixels(nn.Module):
    """The checkpoint's model behind its input recipe: pixels 0..255 in, logits out. The recipe's
    own arithmetic (core.pictures.recipe.InputRecipe.to_input), in a form TorchScript and ONNX keep."""

    def __init__(self, model: nn.Module, recipe: InputRecipe):
        super().__init__()
        self.model = model
        self.divide = recipe.divisor is not None
        self.factor = float(recipe.divisor or recipe.scale)
        for name, values in (("mean", recipe.mean), ("std", recipe.std)):
            self.register_buffer(name, torch.tensor(values, dtype=torch.float32).reshape(-1, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = pixels / self.factor if self.divide else pixels * self.factor
        return self.model((x - self.mean) / self.std)


def default_out(checkpoint_path: str | Path, fmt: str) -> Path:
    """Beside the checkpoint, named after it: runs/fashion-v2-….safetensors -> …/fashion-v2-….onnx."""
    path = Path(checkpoint_path)
    stem = path.name[:-len(".safetensors")] if path.name.endswith(".safetensors") else path.stem
    return path.with_name(stem + SUFFIXES[fmt])


def check_out(out: Path, checkpoint_path: Path) -> None:
    """Refuse an --out that cannot be written, before any work is done."""
    folder = out.parent
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder (give a file name in it)")
    if out.exists() and out.resolve() == checkpoint_path.resolve():
        raise ExportError(f"cannot write {out}: that is the checkpoint itself (choose another --out)")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"cannot write {out}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ExportError(f"cannot write {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {out}: the folder {folder} is not writable")


def _input_recipe(meta: dict) -> InputRecipe:
    """The checkpoint's recipe, checked: a damaged header must not divide by 0."""
    try:
        return InputRecipe.from_meta(meta)
    except RecipeError as e:
        raise ExportError(f"the checkpoint cannot be exported: {e}") from None


def _as_batch(pixels_u8: torch.Tensor) -> torch.Tensor:
    """Fashion-MNIST's [N, 28, 28] as [N, 1, 28, 28]; an image folder's [N, C, H, W] as it is."""
    return pixels_u8.unsqueeze(1) if pixels_u8.dim() == 3 else pixels_u8


def _folder_pixels(meta: dict, count: int) -> tuple[torch.Tensor, str, list[str]]:
    """An image-folder model's check images: its folder's test pictures while the folder is there,
    else random pixels of its input shape, saying so."""
    from core import workflows
    from core.config import TrainConfig
    from core.data.fashion_mnist import DataError

    config = TrainConfig.from_dict(meta.get("config") or {})
    shape = _input_recipe(meta).shape
    try:
        data = workflows.get("folder").load(config)
        if tuple(data.test_x.shape[1:]) == shape:
            return data.test_x[:count], "test images", []
    except (DataError, ValueError, OSError, TypeError):
        pass
    pixels = torch.randint(0, 256, (count, *shape), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    return pixels, "random pixels", [f"the image folder {config.image_folder} could not be read, "
                                     "so the check ran on random pixels instead of its test images"]


def _check_pixels(data_dir, count: int) -> tuple[torch.Tensor, str, list[str]]:
    """uint8 [N, 28, 28] images to check on: the real test set, else random pixels, saying so.
    A --data-dir the user named must hold the data (DataError); only the search falls back."""
    from core.data.fashion_mnist import DataError, load_fashion_mnist

    try:
        return load_fashion_mnist(data_dir).test_x[:count], "test images", []
    except DataError:
        if data_dir:
            raise
    pixels = torch.randint(0, 256, (count, 28, 28), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(0))
    return pixels, "random pixels", ["Fashion-MNIST was not found, so the check ran on random "
                                     "pixels instead of test images"]


def compare(reference: torch.Tensor, exported: torch.Tensor) -> tuple[float, float]:
    """(largest absolute difference, share of images with the same predicted class). An image whose
    top two logits tie within TOLERANCE counts as agreeing whichever of them is picked."""
    diff = (reference - exported).abs().max().item() if reference.numel() else 0.0
    picked = exported.argmax(dim=1)
    top = reference.max(dim=1).values
    same = reference.gather(1, picked[:, None])[:, 0] >= top - TOLERANCE
    return diff, same.float().mean().item() if len(same) else 1.0


def _torchscript(wrapped: nn.Module) -> tuple[bytes, Callable]:
    with warnings.catch_warnings():  # torch.jit is deprecated upstream but still the format asked for
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(wrapped)
        buf = io.BytesIO()
        torch.jit.save(scripted, buf)
        data = buf.getvalue()
        loaded = torch.jit.load(io.BytesIO(data))  # check what was written, not what is in memory
    loaded.eval()

    @torch.inference_mode()
    def run(pixels_u8: torch.Tensor) -> torch.Tensor:
        return loaded(_as_batch(pixels_u8).float())
    return data, run


def _onnx(wrapped: nn.Module, shape: tuple) -> tuple[bytes, Callable]:
    import importlib

    try:  # torch.onnx needs onnx and onnxscript: say so here rather than fail deep inside it
        onnxruntime = [importlib.import_module(m) for m in ("onnx", "onnxscript", "onnxruntime")][-1]
    except ImportError as e:
        raise ExportError(f"ONNX export needs the packages {ONNX_PACKAGES} ({e.name} is missing): "
                          "pip install onnx onnxscript onnxruntime") from None
    example = torch.zeros(2, *shape)  # 2, not 1: a batch of 1 would be fixed into the graph
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()):  # keep stdout for our JSON
        warnings.simplefilter("ignore")
        try:
            program = torch.onnx.export(wrapped, (example,), None, dynamo=True, input_names=["pixels"],
                                        output_names=["logits"], external_data=False,
                                        dynamic_shapes=({0: torch.export.Dim("batch")},))
        except TypeError as e:  # an old PyTorch without the torch.export-based exporter's options
            raise ExportError(f"ONNX export needs PyTorch 2.6 or later (this is {torch.__version__}: "
                              f"{str(e)[:80]})") from None
    data = program.model_proto.SerializeToString()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: its warnings would land on the user's terminal
    session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])

    def run(pixels_u8: torch.Tensor) -> torch.Tensor:
        pixels = _as_batch(pixels_u8).float().numpy()
        return torch.from_numpy(session.run(None, {"pixels": pixels})[0])
    return data, run


def _script(ckpt, checkpoint_path: Path, recipe: InputRecipe) -> tuple[bytes, Callable]:
    """The training script, and its model class and input recipe loaded with the checkpoint's weights:
    if those give TrainDesk's logits, the script trains the same network on the same inputs."""
    from core.export.script import build_script

    source = f"{checkpoint_path.parent.name}/{checkpoint_path.name}".lstrip("/")  # runs/<run>/last...
    text = build_script(ckpt.meta, source, recipe)
    namespace = {"__name__": "traindesk_export_check"}  # our own text; main() does not run
    exec(compile(text, "exported training script", "exec"), namespace)
    model = namespace["build_model"]()
    try:
        model.load_state_dict(ckpt.model.state_dict())
    except RuntimeError as e:
        raise ExportError("the script's model class does not fit the checkpoint's weights "
                          f"({str(e).splitlines()[0][:120]})") from None
    model.eval()

    @torch.inference_mode()
    def run(pixels_u8: torch.Tensor) -> torch.Tensor:
        return model(namespace["to_input"](pixels_u8))
    return text.encode(), run


def export(checkpoint_path: str | Path, fmt: str, out_path: str | Path | None = None,
           data_dir: Optional[str] = None, images: int = CHECK_IMAGES,
           progress: Optional[Callable[[str], None]] = None,
           test_images: Optional[torch.Tensor] = None) -> ExportReport:
    """Export, check against TrainDesk's predictions, then write atomically. Raises ExportError,
    CheckpointError or DataError with one line; nothing is left at `out_path` on failure.
    `test_images` (uint8 [N, 28, 28]): the test set when the caller holds it already (the window
    does); otherwise it is loaded from `data_dir` or found as the app finds it."""
    from core import checkpoint, workflows
    from core.evaluation.evaluate import image_logits

    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    checkpoint_path = Path(checkpoint_path)
    out = Path(out_path) if out_path else default_out(checkpoint_path, fmt)
    check_out(out, checkpoint_path)
    ckpt = checkpoint.load(checkpoint_path)
    task = ckpt.meta.get("task")
    if task not in workflows.IMAGE_WORKFLOWS:
        raise ExportError(f"{checkpoint_path} holds a {ckpt.meta.get('model_id')} model; export works "
                          "on the image models")
    if task != "fashion" and fmt == "script":
        raise ExportError("the standalone training script covers the Fashion-MNIST models; an "
                          "image-folder model exports as torchscript or onnx")
    recipe = _input_recipe(ckpt.meta)
    shape = recipe.shape
    ckpt.model.eval()
    if test_images is not None and tuple(_as_batch(test_images).shape[1:]) == shape:
        # the check's images first: a wrong --data-dir fails before any work
        pixels_u8, checked_on, notes = test_images[:max(1, images)].cpu(), "test images", []
    elif task == "fashion":
        pixels_u8, checked_on, notes = _check_pixels(data_dir, max(1, images))
    else:
        pixels_u8, checked_on, notes = _folder_pixels(ckpt.meta, max(1, images))
    say(f"Exporting {ckpt.meta.get('class_name')} as {fmt} ...")
    if fmt == "script":
        data, run = _script(ckpt, checkpoint_path, recipe)
    else:
        wrapped = RawPixels(ckpt.model, recipe).eval()
        try:
            data, run = _onnx(wrapped, shape) if fmt == "onnx" else _torchscript(wrapped)
        except ExportError:
            raise
        except Exception as e:  # the exporters' own failures are long; the user gets one line
            first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
            raise ExportError(f"the {fmt} exporter failed: {first}") from e
    say(f"Checking on {len(pixels_u8)} {checked_on} ...")
    # TrainDesk's own path: uint8 -> the recipe -> model. The export gets the same pixels as floats.
    reference = image_logits(ckpt.model, pixels_u8, torch.device("cpu"), recipe)
    exported = run(pixels_u8).float()
    diff, agreement = compare(reference, exported)
    if not diff <= TOLERANCE or agreement < 1.0:  # "not <=": a NaN difference fails too
        raise ExportError(f"the {fmt} export does not reproduce TrainDesk's predictions (largest logit "
                          f"difference {diff:.3g}, {agreement:.1%} of {len(pixels_u8)} {checked_on} "
                          f"agree); nothing was written")
    if fmt == "script":
        from core.export.script import script_notes
        notes += script_notes(ckpt.meta)
    try:
        write_atomic(out, data)
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e.strerror or e}") from None
    return ExportReport(out, fmt, len(data), checked_on, len(pixels_u8), diff, agreement,
                        time.perf_counter() - t0, notes)
