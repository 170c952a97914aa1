"""The straight line and the circles, as notebooks 01 and 02 make them."""
import pytest
import torch

from core.data.toy import make_circles, make_line


def test_line_matches_notebook_01():
    d = make_line()
    assert d.train_x.shape == (80, 1) and d.test_x.shape == (20, 1)
    assert torch.allclose(d.train_y[:5].ravel(), torch.tensor([0.3, 0.307, 0.314, 0.321, 0.328]))
    assert torch.allclose(d.test_x[0], torch.tensor([0.8]))


def test_line_settings_and_errors():
    d = make_line(weight=0.3, bias=0.9, step=0.02, train_fraction=0.5)
    assert len(d.train_x) == len(d.test_x) == 25
    assert torch.allclose(d.train_y, 0.3 * d.train_x + 0.9)
    with pytest.raises(ValueError):
        make_line(step=0)
    with pytest.raises(ValueError):
        make_line(train_fraction=1.0)


def test_circles_reproduce_the_notebooks_first_rows():
    d = make_circles()
    assert d.train_x.shape == (800, 2) and d.test_x.shape == (200, 2)
    # X_train[:5] and y_train[:5] as notebook 02 prints them (scikit-learn's make_circles + split).
    expected = torch.tensor([[0.6579, -0.4651], [0.6319, -0.7347], [-1.0086, -0.1240],
                             [-0.9666, -0.2256], [-0.1666, 0.7994]])
    assert torch.allclose(d.train_x[:5], expected, atol=1e-4)
    assert d.train_y[:5].ravel().tolist() == [1, 0, 0, 0, 1]
    radius = d.train_x.norm(dim=1)
    assert radius[d.train_y.ravel() == 1].mean() == pytest.approx(0.8, abs=0.02)
    assert radius[d.train_y.ravel() == 0].mean() == pytest.approx(1.0, abs=0.02)
