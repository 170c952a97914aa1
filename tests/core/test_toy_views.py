"""The toy views' numbers: closed-form least squares, learned line, decision-boundary grid."""
import numpy as np
import pytest
import torch

from core.data import toy_views as tv
from core.models import build_model
from core.data.toy import make_circles, make_line


def test_least_squares_recovers_a_noisy_line():
    x = np.linspace(0, 1, 50)
    y = 0.7 * x + 0.3 + np.random.RandomState(0).normal(scale=0.01, size=50)
    w, b = tv.least_squares_line(x, y)
    assert w == pytest.approx(0.7, abs=0.02) and b == pytest.approx(0.3, abs=0.01)
    assert (w, b) == pytest.approx(tuple(np.polyfit(x, y, 1)))


@pytest.mark.parametrize("model_id", ["line", "line-stack"])
def test_learned_line_reads_any_affine_model(model_id):
    torch.manual_seed(0)
    model = build_model(model_id)
    w, b = tv.learned_line(model)
    x = torch.linspace(-2, 2, 9).unsqueeze(1)
    assert np.allclose(tv.predict(model, x), w * x.ravel().numpy() + b, atol=1e-5)
    lin = model.linear_layer  # what Trainer.result() reports as "learned"
    assert (lin.weight.item(), lin.bias.item()) == pytest.approx((w, b), abs=1e-6)


def test_grid_covers_both_sets_and_lines_up_with_probabilities():
    d = make_circles()
    grid = tv.boundary_grid(d.train_x, d.test_x, steps=21)
    everything = torch.cat([d.train_x, d.test_x])
    assert grid.x0 < everything[:, 0].min() and grid.x0 + grid.width > everything[:, 0].max()
    assert grid.y0 < everything[:, 1].min() and grid.y0 + grid.height > everything[:, 1].max()

    class XOnly(torch.nn.Module):  # logit = x: probability grows along the image's first axis
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.tensor([1.0, 0.0]))

        def forward(self, p):
            return (p @ self.w).unsqueeze(1)

    prob = tv.probabilities(XOnly(), grid)
    assert prob.shape == (21, 21) and prob.dtype == np.float32
    assert np.all(np.diff(prob, axis=0) > 0) and np.allclose(np.diff(prob, axis=1), 0)


def test_predict_leaves_the_training_mode_alone():
    model = build_model("circles-v2")
    model.train()
    tv.predict(model, make_line().train_x.repeat(1, 2))
    assert model.training
