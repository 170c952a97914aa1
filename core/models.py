"""Every model TrainDesk can train, in one place, with the seed notebooks' names and shapes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from core.models_best import FashionBest  # TrainDesk's own model, beyond the seeds

FASHION_INPUT = 28 * 28
FASHION_CLASSES = 10


class FashionMNISTModelV0(nn.Module):
    """Notebook 03 baseline: flatten, then two linear layers, no non-linearity."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.layer_stack = nn.Sequential(
            nn.Flatten(),
            nn.Linear(input_shape, hidden_units),
            nn.Linear(hidden_units, output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_stack(x)


class FashionMNISTModelV1(nn.Module):
    """Notebook 03 model 1: adds ReLU, including the final ReLU on the logits as the seed does."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.layer_stack = nn.Sequential(
            nn.Flatten(),
            nn.Linear(input_shape, hidden_units),
            nn.ReLU(),
            nn.Linear(hidden_units, output_shape),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_stack(x)


def _conv_block(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1, padding=1),
        nn.ReLU(),
        nn.Conv2d(out_ch, out_ch, kernel_size=3, stride=1, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2),
    )


class FashionMNISTModelV2(nn.Module):
    """TinyVGG from the CNN Explainer: two conv blocks, then one linear classifier."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.conv_block_1 = _conv_block(input_shape, hidden_units)
        self.conv_block_2 = _conv_block(hidden_units, hidden_units)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(hidden_units * 7 * 7, output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.conv_block_2(self.conv_block_1(x)))


class TinyVGG(nn.Module):
    """Notebook 04's TinyVGG for your own images: FashionMNISTModelV2's layers on 3-channel
    pictures of any size (64x64 in the notebook): two pools leave size // 4 on each side."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int, image_size: int = 64):
        super().__init__()
        self.conv_block_1 = _conv_block(input_shape, hidden_units)
        self.conv_block_2 = _conv_block(hidden_units, hidden_units)
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(hidden_units * side * side, output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.conv_block_2(self.conv_block_1(x)))


class LinearRegressionModel(nn.Module):
    """Notebook 01: y = weight * x + bias with one learnable weight and one bias."""

    def __init__(self):
        super().__init__()
        self.linear_layer = nn.Linear(in_features=1, out_features=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_layer(x)


class LineStackModel(nn.Module):
    """Notebook 02's sanity check: three linear layers (1 -> 10 -> 10 -> 1) fitting a straight line.

    With no activation the stack is still one straight line, so it must fit as well as `line` does.
    """

    def __init__(self):
        super().__init__()
        self.layer_stack = nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 10), nn.Linear(10, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_stack(x)

    @property
    def linear_layer(self) -> nn.Linear:
        """The one Linear(1, 1) the stack equals (no activations), so its learned weight and bias
        read like LinearRegressionModel's. A fresh copy: changing it does not train the stack."""
        with torch.no_grad():
            first = self.layer_stack[0]
            weight, bias = first.weight, first.bias
            for layer in self.layer_stack[1:]:
                weight, bias = layer.weight @ weight, layer.weight @ bias + layer.bias
            # skip_init: no random initialisation, so reading this never moves torch's RNG
            out = nn.utils.skip_init(nn.Linear, 1, 1, device=weight.device)
            out.weight.copy_(weight)
            out.bias.copy_(bias)
        return out


class CircleModelV0(nn.Module):
    """Notebook 02 first try: Linear(2, 5) -> Linear(5, 1)."""

    def __init__(self):
        super().__init__()
        self.layer_1 = nn.Linear(2, 5)
        self.layer_2 = nn.Linear(5, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_2(self.layer_1(x))


class CircleModelV1(nn.Module):
    """Notebook 02: three linear layers; with relu=True it is CircleModelV2, the one that bends."""

    def __init__(self, relu: bool = False):
        super().__init__()
        self.layer_1 = nn.Linear(2, 10)
        self.layer_2 = nn.Linear(10, 10)
        self.layer_3 = nn.Linear(10, 1)
        self.act = nn.ReLU() if relu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_3(self.act(self.layer_2(self.act(self.layer_1(x)))))


class CircleModelV2(CircleModelV1):
    def __init__(self):
        super().__init__(relu=True)


@dataclass(frozen=True)
class ModelSpec:
    id: str
    class_name: str
    task: str  # the workflow (core/workflows/): which data set and loss the model goes with
    description: str
    # (hidden units, input shape [C, H, W], classes) -> the model; the toy models ignore all three
    build: Callable[[int, tuple, int], nn.Module]
    uses_hidden_units: bool = False
    channels_last: bool = False  # the trainer keeps weights and batches channels-last (faster convs)


FASHION_SHAPE = (1, 28, 28)
# What an image-folder model is built for when nothing else is known (its parameter count in a
# list): notebook 04's 64x64 colour pictures of pizza, steak and sushi.
FOLDER_SHAPE, FOLDER_CLASSES = (3, 64, 64), 3


def _best(hidden, shape, classes):
    """fashion-best's CNN on any image (its widths are its own: hidden units do not apply)."""
    return FashionBest(shape[0], classes, image_size=shape[-1])


def _flat(cls):
    """The linear seeds (V0, V1) on any image: every pixel of every channel is an input."""
    return lambda hidden, shape, classes: cls(input_shape=shape[0] * shape[1] * shape[2],
                                              hidden_units=hidden, output_shape=classes)


MODELS: dict[str, ModelSpec] = {s.id: s for s in [
    ModelSpec("fashion-v0", "FashionMNISTModelV0", "fashion",
              "Flatten + two linear layers: the linear baseline (seed: 83.4%).",
              _flat(FashionMNISTModelV0), True),
    ModelSpec("fashion-v1", "FashionMNISTModelV1", "fashion",
              "Two linear layers with ReLU, final ReLU kept as in the seed (seed: 75.0%).",
              _flat(FashionMNISTModelV1), True),
    ModelSpec("fashion-v2", "FashionMNISTModelV2", "fashion",
              "TinyVGG: two conv blocks and a linear classifier (seed: 88.6%).",
              lambda hidden, shape, classes: FashionMNISTModelV2(shape[0], hidden, classes), True,
              channels_last=True),
    ModelSpec("fashion-best", "FashionBest", "fashion",
              "TrainDesk's own small, fast CNN with batch norm and a recipe of its own (one-cycle, "
              "label smoothing, bfloat16): over 92% in one to two minutes on two CPU cores.",
              _best,
              channels_last=True),
    ModelSpec("tinyvgg", "TinyVGG", "folder",
              "Notebook 04's TinyVGG: two conv blocks on 3-channel pictures, a linear classifier.",
              lambda hidden, shape, classes: TinyVGG(shape[0], hidden, classes, shape[-1]), True,
              channels_last=True),
    ModelSpec("folder-v0", "FashionMNISTModelV0", "folder",
              "Notebook 03's linear baseline on every pixel of the pictures: a yardstick.",
              _flat(FashionMNISTModelV0), True),
    ModelSpec("folder-v1", "FashionMNISTModelV1", "folder",
              "Notebook 03's V1 (linear layers with ReLU) on every pixel of the pictures.",
              _flat(FashionMNISTModelV1), True),
    ModelSpec("folder-best", "FashionBest", "folder",
              "TrainDesk's batch-norm CNN (fashion-best) sized to the pictures; use its own recipe "
              "with care on small folders.",
              _best,
              channels_last=True),
    ModelSpec("line", "LinearRegressionModel", "line",
              "One weight and one bias fitting a straight line (notebook 01).",
              lambda *_: LinearRegressionModel()),
    ModelSpec("line-stack", "LineStackModel", "line",
              "Linear 1->10->10->1, no activation: can a stack fit a straight line? (notebook 02).",
              lambda *_: LineStackModel()),
    ModelSpec("circles-v0", "CircleModelV0", "circles",
              "Linear 2->5->1: a straight decision boundary (notebook 02).",
              lambda *_: CircleModelV0()),
    ModelSpec("circles-v1", "CircleModelV1", "circles",
              "Linear 2->10->10->1 without activations: still a straight boundary.",
              lambda *_: CircleModelV1()),
    ModelSpec("circles-v2", "CircleModelV2", "circles",
              "Linear 2->10->10->1 with ReLU: the missing piece, the boundary bends.",
              lambda *_: CircleModelV2()),
]}


def get_spec(model_id: str) -> ModelSpec:
    try:
        return MODELS[model_id]
    except KeyError:
        raise ValueError(f"unknown model {model_id!r}; choose one of: {', '.join(MODELS)}") from None


def default_input(task: str) -> tuple[tuple, int]:
    """(input shape, classes) a model of `task` is built for when its data is not at hand."""
    return (FOLDER_SHAPE, FOLDER_CLASSES) if task == "folder" else (FASHION_SHAPE, FASHION_CLASSES)


def build_model(model_id: str, hidden_units: int = 10, input_shape: Optional[tuple] = None,
                classes: Optional[int] = None) -> nn.Module:
    """The model `model_id` for inputs of `input_shape` ([C, H, W]) and `classes` outputs; unset,
    its workflow's usual ones (Fashion-MNIST's 1x28x28 and 10)."""
    if hidden_units < 1:
        raise ValueError("hidden units must be at least 1")
    spec = get_spec(model_id)
    shape, count = default_input(spec.task)
    shape = tuple(int(v) for v in input_shape) if input_shape is not None else shape
    if len(shape) != 3 or shape[0] not in (1, 3) or not 8 <= shape[1] <= 512 or shape[1] != shape[2]:
        raise ValueError(f"input shape {list(shape)} is not [1 or 3, S, S] with S from 8 to 512")
    count = count if classes is None else int(classes)
    if count < 2:
        raise ValueError("an image model needs at least two classes")
    return spec.build(hidden_units, shape, count)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
