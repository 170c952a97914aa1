"""Every model TrainDesk can train, in one place, with the seed notebooks' names and shapes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
    task: str  # "fashion", "line" or "circles": which data set and loss the model goes with
    description: str
    build: Callable[[int], nn.Module]
    uses_hidden_units: bool = False
    channels_last: bool = False  # the trainer keeps weights and batches channels-last (faster convs)


def _fashion(cls, input_shape: int):
    return lambda hidden: cls(input_shape=input_shape, hidden_units=hidden,
                              output_shape=FASHION_CLASSES)


MODELS: dict[str, ModelSpec] = {s.id: s for s in [
    ModelSpec("fashion-v0", "FashionMNISTModelV0", "fashion",
              "Flatten + two linear layers: the linear baseline (seed: 83.4%).",
              _fashion(FashionMNISTModelV0, FASHION_INPUT), True),
    ModelSpec("fashion-v1", "FashionMNISTModelV1", "fashion",
              "Two linear layers with ReLU, final ReLU kept as in the seed (seed: 75.0%).",
              _fashion(FashionMNISTModelV1, FASHION_INPUT), True),
    ModelSpec("fashion-v2", "FashionMNISTModelV2", "fashion",
              "TinyVGG: two conv blocks and a linear classifier (seed: 88.6%).",
              _fashion(FashionMNISTModelV2, 1), True, channels_last=True),
    ModelSpec("fashion-best", "FashionBest", "fashion",
              "TrainDesk's own small, fast CNN with batch norm and a recipe of its own (one-cycle, "
              "label smoothing, bfloat16): over 92% in about a minute on two CPU cores.",
              lambda hidden: FashionBest(input_shape=1, output_shape=FASHION_CLASSES),
              channels_last=True),
    ModelSpec("line", "LinearRegressionModel", "line",
              "One weight and one bias fitting a straight line (notebook 01).",
              lambda hidden: LinearRegressionModel()),
    ModelSpec("line-stack", "LineStackModel", "line",
              "Linear 1->10->10->1, no activation: can a stack fit a straight line? (notebook 02).",
              lambda hidden: LineStackModel()),
    ModelSpec("circles-v0", "CircleModelV0", "circles",
              "Linear 2->5->1: a straight decision boundary (notebook 02).",
              lambda hidden: CircleModelV0()),
    ModelSpec("circles-v1", "CircleModelV1", "circles",
              "Linear 2->10->10->1 without activations: still a straight boundary.",
              lambda hidden: CircleModelV1()),
    ModelSpec("circles-v2", "CircleModelV2", "circles",
              "Linear 2->10->10->1 with ReLU: the missing piece, the boundary bends.",
              lambda hidden: CircleModelV2()),
]}


def get_spec(model_id: str) -> ModelSpec:
    try:
        return MODELS[model_id]
    except KeyError:
        raise ValueError(f"unknown model {model_id!r}; choose one of: {', '.join(MODELS)}") from None


def build_model(model_id: str, hidden_units: int = 10) -> nn.Module:
    if hidden_units < 1:
        raise ValueError("hidden units must be at least 1")
    return get_spec(model_id).build(hidden_units)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
