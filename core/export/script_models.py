"""The model classes as the exported training script writes them: the seed notebook's own code for
V0, V1 and TinyVGG, and fashion-best's layers (the copy must build the same layers in the same
order as core/models.py and core/models_best.py, so a checkpoint's weights load into it; the
export tests check that)."""

# The models' first argument: pixels for the linear models, channels for TinyVGG.
INPUT_SHAPE = {"fashion-v0": "28 * 28", "fashion-v1": "28 * 28", "fashion-v2": "1",
               "fashion-best": "1"}
# How build_model() makes each model: the seeds take the run's hidden units, fashion-best has its
# own fixed widths (core/models_best.py; the copy below must build the same layers in the same order).
BUILD = {"fashion-best": "FashionBest(input_shape=1, output_shape=len(CLASS_NAMES))"}
SEED_BUILD = "$class_name(input_shape=$input_shape, hidden_units=HIDDEN_UNITS,\n" \
             "                       output_shape=len(CLASS_NAMES))"

MODEL_CLASSES = {
    "fashion-v0": '''
class FashionMNISTModelV0(nn.Module):
    """Notebook 03's baseline: flatten, then two linear layers, no non-linearity."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.layer_stack = nn.Sequential(
            nn.Flatten(),  # [N, 1, 28, 28] -> [N, 784]
            nn.Linear(in_features=input_shape, out_features=hidden_units),
            nn.Linear(in_features=hidden_units, out_features=output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_stack(x)
''',
    "fashion-v1": '''
class FashionMNISTModelV1(nn.Module):
    """Notebook 03's model 1: two linear layers with ReLU (the final ReLU too, as in the notebook)."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.layer_stack = nn.Sequential(
            nn.Flatten(),  # [N, 1, 28, 28] -> [N, 784]
            nn.Linear(in_features=input_shape, out_features=hidden_units),
            nn.ReLU(),
            nn.Linear(in_features=hidden_units, out_features=output_shape),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_stack(x)
''',
    "fashion-v2": '''
class FashionMNISTModelV2(nn.Module):
    """TinyVGG from the CNN Explainer (notebook 03's model 2): two conv blocks, one classifier."""

    def __init__(self, input_shape: int, hidden_units: int, output_shape: int):
        super().__init__()
        self.conv_block_1 = nn.Sequential(
            nn.Conv2d(in_channels=input_shape, out_channels=hidden_units, kernel_size=3, stride=1,
                      padding=1),
            nn.ReLU(),
            nn.Conv2d(in_channels=hidden_units, out_channels=hidden_units, kernel_size=3, stride=1,
                      padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2),  # 28x28 -> 14x14
        )
        self.conv_block_2 = nn.Sequential(
            nn.Conv2d(in_channels=hidden_units, out_channels=hidden_units, kernel_size=3, stride=1,
                      padding=1),
            nn.ReLU(),
            nn.Conv2d(in_channels=hidden_units, out_channels=hidden_units, kernel_size=3, stride=1,
                      padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2),  # 14x14 -> 7x7
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_features=hidden_units * 7 * 7, out_features=output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.conv_block_2(self.conv_block_1(x)))
''',
    "fashion-best": '''
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
    """TrainDesk's fashion-best: block 1, 28x28 -> 14x14 (stride-2 stem, residual); block 2,
    14x14 -> 7x7 (max pool, wider conv, residual); a linear layer over the 7x7 maps."""

    def __init__(self, input_shape: int = 1, output_shape: int = 10, widths: tuple = $widths):
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
            nn.Linear(w2 * 7 * 7, output_shape),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.block_2(self.block_1(x)))
''',
}
