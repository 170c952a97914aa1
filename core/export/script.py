"""The standalone training script `export --format script` writes: one readable Python file in the
seed notebook's style (plain PyTorch, the run's model class, its settings filled in) that trains
the run again from the Fashion-MNIST files, with no TrainDesk installed.

It follows the notebook step for step so that it gives the run TrainDesk gives: torch.manual_seed,
build the model, seed again, then shuffled DataLoaders; TrainDesk's batch order reproduces exactly
that (core/train/sampling.py, notebook_order). Its lr_at() is core/train/schedules.py's formula, copied; the
tests check that both give the same rates, and that the class here loads the checkpoint's weights
and gives TrainDesk's logits (core/export/formats.py checks that again on every export).
"""
from __future__ import annotations

from string import Template

from core.export.script_constants import constants_block
from core.export.script_models import BUILD, INPUT_SHAPE, MODEL_CLASSES, SEED_BUILD
from core.pictures.recipe import FASHION, InputRecipe
from core.train import schedules
from core.models_best import WIDTHS
from core.version import __version__

OPTIMIZERS = {
    "sgd": "torch.optim.SGD(params=model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,\n"
           "                                weight_decay=WEIGHT_DECAY)",
    "adam": "torch.optim.Adam(params=model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)",
    "adamw": "torch.optim.AdamW(params=model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)",
}

# The pixels as the model sees them: the notebook's ToTensor() (x / 255), or the recipe's to_input.
PLAIN_INPUT = "images.unsqueeze(1).float() / 255"
RECIPE_INPUT = "(images.unsqueeze(1).float() $scaled - $mean) / $std"

TEMPLATE = Template('''\
#!/usr/bin/env python3
"""Train $class_name on Fashion-MNIST with the settings of a TrainDesk run.

Standalone: it needs only PyTorch. Give it the folder holding the four Fashion-MNIST files
(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
.gz or not), e.g. the Debian package dataset-fashion-mnist's:

    python this_script.py --data-dir /usr/share/datasets/fashion-mnist [--epochs N]

It follows notebook 03 of "Learn PyTorch for Deep Learning": seed, build the model, seed again,
then train with shuffled DataLoaders. Progress goes to stderr; the result is one JSON line on stdout.
"""
# Exported by TrainDesk $version from $source
$notes
import argparse
import gzip
import json
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# The run's settings, as TrainDesk saved them in the checkpoint.
$constants
CLASS_NAMES = $classes

FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def read_idx(path: Path) -> torch.Tensor:
    """An IDX file (MNIST's format) as a uint8 tensor: 2 zero bytes, a type byte, the number of
    dimensions, one 4-byte big-endian size per dimension, then the values."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion_mnist(data_dir: Path) -> list[torch.Tensor]:
    """Train images, train labels, test images, test labels (images uint8 [N, 28, 28])."""
    tensors = []
    for name in FILES:
        found = [data_dir / n for n in (name, name + ".gz") if (data_dir / n).is_file()]
        if not found:
            sys.exit(f"error: {data_dir} holds no {name} (or {name}.gz); --data-dir must name "
                     "the folder holding the four Fashion-MNIST files")
        tensors.append(read_idx(found[0]))
    return tensors


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 images [N, 28, 28] -> float [N, 1, 28, 28], as the model was trained on them."""
    return $to_input

$model_class

def build_model() -> nn.Module:
    return $build


def lr_at(step: int, steps_per_epoch: int, epochs: int) -> float:
    """The learning rate for optimiser step `step` (0-based) of a run of `epochs` epochs."""
    total = max(1, steps_per_epoch * epochs)
    t = min(step, total - 1) / max(1, total - 1)  # 0 at the first step, 1 at the last
    if LR_SCHEDULE == "step":  # x$step_gamma every STEP_EPOCHS epochs
        lr = LEARNING_RATE * $step_gamma ** (step // max(1, STEP_EPOCHS * steps_per_epoch))
    elif LR_SCHEDULE == "cosine":  # from LEARNING_RATE down to 0 along half a cosine
        lr = LEARNING_RATE * 0.5 * (1.0 + math.cos(math.pi * t))
    elif LR_SCHEDULE == "onecycle":  # up from lr / $div for the first $pct_start of the run, then down
        start, end = LEARNING_RATE / $div, LEARNING_RATE / $div / $final_div
        if t <= $pct_start:
            lr = cos_between(start, LEARNING_RATE, t / $pct_start)
        else:
            lr = cos_between(LEARNING_RATE, end, (t - $pct_start) / (1 - $pct_start))
    else:  # constant
        lr = LEARNING_RATE
    warm = WARMUP_EPOCHS * steps_per_epoch
    if warm > 0 and step < warm:
        lr *= (step + 1) / (warm + 1)
    return lr


def cos_between(a: float, b: float, frac: float) -> float:
    """From a (frac 0) to b (frac 1) along half a cosine."""
    return b + (a - b) * 0.5 * (1.0 + math.cos(math.pi * frac))


def augment(X: torch.Tensor) -> torch.Tensor:
    """Random flips and shifts of a training batch [N, 1, 28, 28] (FLIP, SHIFT)."""
    n = len(X)
    if FLIP:
        mirrored = (torch.rand(n) < 0.5).view(n, 1, 1, 1)
        X = torch.where(mirrored, X.flip(-1), X)
    if SHIFT:
        padded = nn.functional.pad(X, (SHIFT, SHIFT, SHIFT, SHIFT))
        offset = torch.randint(0, 2 * SHIFT + 1, (n, 2))
        X = torch.stack([padded[i, :, dy:dy + 28, dx:dx + 28] for i, (dy, dx) in enumerate(offset.tolist())])
    return X


def train_step(model, data_loader, loss_fn, optimizer, device, step: int, epochs: int):
    """One pass over the training data; returns (loss, accuracy %, optimiser steps taken so far)."""
    model.train()
    train_loss, correct, seen = 0.0, 0, 0
    for X, y in data_loader:
        if FLIP or SHIFT:
            X = augment(X)
        X, y = X.to(device), y.to(device)
        if LR_SCHEDULE != "constant" or WARMUP_EPOCHS > 0:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, len(data_loader), epochs)
        y_pred = model(X)               # 1. forward pass
        loss = loss_fn(y_pred, y)       # 2. loss
        optimizer.zero_grad()           # 3. zero the gradients
        loss.backward()                 # 4. backpropagation
        optimizer.step()                # 5. update the weights
        step += 1
        train_loss += loss.item() * len(y)
        correct += (y_pred.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return train_loss / seen, 100 * correct / seen, step


def test_step(model, data_loader, loss_fn, device):
    """Loss and accuracy (%) over the whole test set."""
    model.eval()
    test_loss, correct, seen = 0.0, 0, 0
    with torch.inference_mode():
        for X, y in data_loader:
            X, y = X.to(device), y.to(device)
            y_pred = model(X)
            test_loss += loss_fn(y_pred, y).item() * len(y)
            correct += (y_pred.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return test_loss / seen, 100 * correct / seen


def main() -> None:
    parser = argparse.ArgumentParser(description="Train $class_name on Fashion-MNIST.")
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="the folder holding the four Fashion-MNIST files (.gz or not)")
    parser.add_argument("--epochs", type=int, default=EPOCHS,
                        help=f"passes over the training set (default: {EPOCHS}, the run's)")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_images, train_labels, test_images, test_labels = load_fashion_mnist(args.data_dir)
    train_data = TensorDataset(to_input(train_images), train_labels.long())
    test_data = TensorDataset(to_input(test_images), test_labels.long())
    train_dataloader = DataLoader(train_data, batch_size=BATCH_SIZE, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=BATCH_SIZE, shuffle=False)

    torch.manual_seed(SEED)
    model = build_model().to(device)
    loss_fn = nn.CrossEntropyLoss()  # the test loss: plain cross-entropy
    train_loss_fn = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    optimizer = $optimizer

    # As in the notebook, seed again just before the loop: this fixes every epoch's shuffle.
    torch.manual_seed(SEED)
    print(f"Training {type(model).__name__} on {device}, epochs: {args.epochs}", file=sys.stderr)
    start, step = time.perf_counter(), 0
    for epoch in range(1, args.epochs + 1):
        train_loss, train_acc, step = train_step(model, train_dataloader, train_loss_fn, optimizer,
                                                 device, step, args.epochs)
        test_loss, test_acc = test_step(model, test_dataloader, loss_fn, device)
        print(f"Epoch: {epoch} | Train loss: {train_loss:.5f} | Train acc: {train_acc:.2f}% | "
              f"Test loss: {test_loss:.5f} | Test acc: {test_acc:.2f}%", file=sys.stderr)
    print(json.dumps({"model_name": type(model).__name__, "test_acc": test_acc,
                      "test_loss": test_loss, "train_loss": train_loss, "epochs": args.epochs,
                      "seconds": round(time.perf_counter() - start, 1), "device": device}))


if __name__ == "__main__":
    main()
''')


def _printable(text: str) -> str:
    """For a comment line: nothing that could end the comment and start code."""
    return "".join(c for c in str(text) if c.isprintable())


def _list_literal(items: list[str], width: int = 96) -> str:
    """A list of strings as Python, wrapped between items (never inside one) below `width`."""
    lines, line = [], "["
    for i, item in enumerate(items):
        piece = repr(item) + (", " if i < len(items) - 1 else "]")
        if len(line) + len(piece.rstrip()) > width - len("CLASS_NAMES = ") and line.strip() != "[":
            lines.append(line.rstrip())
            line = " "
        line += piece
    return f"\n{' ' * len('CLASS_NAMES = ')}".join(lines + [line if items else "[]"])


def script_notes(meta: dict) -> list[str]:
    """What the run did that the plain script does not."""
    config = meta.get("config") or {}
    notes = []
    if config.get("augment") == "sketch":
        notes.append("the run mixed drawing-like images into its batches (--augment sketch); the "
                     "script trains on the plain images, so its accuracy will differ a little")
    if config.get("mixed_precision") is True:
        notes.append("the run trained in bfloat16 mixed precision (--mixed-precision) where the "
                     "hardware had it; the script trains in float32: slower on a CPU, about as "
                     "accurate")
    if isinstance(config.get("patience"), int) and config["patience"] > 0:
        notes.append(f"the run could stop early (patience {config['patience']}); the script "
                     "trains every epoch")
    return notes


def build_script(meta: dict, source: str, recipe: InputRecipe = FASHION) -> str:
    """The script's text for the checkpoint `meta` (named `source` in a comment); `recipe` is its
    checked input recipe (grey: one mean, one std). Every value is checked and written as a literal."""
    from core.config import TrainConfig
    from core.export import ExportError

    model_id = meta.get("model_id")
    if model_id not in MODEL_CLASSES:
        raise ExportError(f"a training script can be made for the Fashion-MNIST models "
                          f"({', '.join(MODEL_CLASSES)}), not for {str(model_id)[:40]}")
    config = TrainConfig.from_dict({**(meta.get("config") or {}), "model": model_id})
    try:
        config.validate()
    except ValueError as e:
        raise ExportError(f"the checkpoint's settings are damaged: {e}") from None
    plain = recipe.plain and recipe.divisor == 255
    to_input = PLAIN_INPUT if plain else Template(RECIPE_INPUT).substitute(
        scaled=f"/ {recipe.divisor!r}" if recipe.divisor else f"* {recipe.scale!r}",
        mean=repr(recipe.mean[0]), std=repr(recipe.std[0]))
    notes = "".join(f"# Note: {_printable(n)}\n" for n in script_notes(meta))
    class_name = MODEL_CLASSES[model_id].split("class ")[-1].split("(")[0]  # the last class: the model
    model_class = Template(MODEL_CLASSES[model_id]).substitute(widths=repr(tuple(WIDTHS)))
    model_class = model_class.rstrip("\n") + "\n"
    return TEMPLATE.substitute(
        class_name=class_name,
        version=__version__, source=_printable(source), notes=notes,
        constants=constants_block(config, hidden_units=int(meta["hidden_units"])),
        classes=_list_literal([str(c) for c in meta["classes"]]),
        build=Template(BUILD.get(model_id, SEED_BUILD)).substitute(
            class_name=class_name, input_shape=INPUT_SHAPE[model_id]),
        to_input=to_input, model_class=model_class,
        input_shape=INPUT_SHAPE[model_id], optimizer=OPTIMIZERS[config.optimizer],
        step_gamma=repr(schedules.STEP_GAMMA), div=repr(schedules.ONECYCLE_DIV),
        final_div=repr(schedules.ONECYCLE_FINAL_DIV), pct_start=repr(schedules.ONECYCLE_PCT_START))
