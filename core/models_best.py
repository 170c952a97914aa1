"""fashion-best: a small, fast CNN of TrainDesk's own, beyond the seed notebooks' models.

Built for two CPU cores: the expensive part of a CNN on 28x28 images is whatever runs at full
resolution, so the first layer already steps down to 14x14 (a 4x4 convolution with stride 2);
then a residual block, a max pool to 7x7, a wider convolution and a second residual block, and one
linear layer over the 7x7 maps. Every convolution is followed by batch norm, which lets a
one-cycle schedule train it with a high learning rate. Its recipe (SGD with momentum and weight
decay, one-cycle, label smoothing, bfloat16 mixed precision where the CPU has it, 8 epochs of batch
128) is in core/config.py (per_model={BEST: ...}); what it reaches, and what was tried, is in the
README ("Speed") and benchmarks/bench_best.py.

Plain modules only, so TorchScript and ONNX export it as they do the seeds, and the standalone
training script (core/export/script.py) carries a copy of these classes.
"""
from __future__ import annotations

import torch
from torch import nn

# Channels at 14x14 and at 7x7. 24/48 rather than 32/64: in float32 on an AVX2-only CPU (no
# bfloat16) 32/64 took 161 s for its 8 epochs; 24/48 costs 0.63x the step time there and about
# 0.15 points of accuracy, less than cutting 32/64 to 6 epochs does (README, "Speed").
WIDTHS = (24, 48)


def conv_bn(in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1,
            padding: int = 1) -> nn.Sequential:
    """Convolution (no bias: the batch norm has one), batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(),
    )


class Residual(nn.Module):
    """x + conv_bn(x): the block learns a correction to what comes in."""

    def __init__(self, channels: int):
        super().__init__()
        self.block = conv_bn(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class FashionBest(nn.Module):
    """Two blocks and a linear classifier, as TinyVGG, but built for speed and batch norm:
    block 1, 28x28 -> 14x14: stride-2 stem, residual; block 2, 14x14 -> 7x7: max pool, wider conv,
    residual; then every position of the 7x7 maps into the classifier (where a feature is matters
    on Fashion-MNIST: a global pool instead lost 0.7-0.9 points)."""

    def __init__(self, input_shape: int = 1, output_shape: int = 10, widths: tuple = WIDTHS,
                 image_size: int = 28):
        super().__init__()
        w1, w2 = widths
        self.block_1 = nn.Sequential(
            conv_bn(input_shape, w1, kernel_size=4, stride=2, padding=1),  # 28x28 -> 14x14
            Residual(w1),
        )
        self.block_2 = nn.Sequential(
            nn.MaxPool2d(kernel_size=2),                                     # 14x14 -> 7x7
            conv_bn(w1, w2),
            Residual(w2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(w2 * (image_size // 4) ** 2, output_shape),  # 7x7 maps for 28x28
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.block_2(self.block_1(x)))
