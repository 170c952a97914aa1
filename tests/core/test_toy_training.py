"""The seed toy runs learn what the notebooks show (full default runs: about a second each)."""
import pytest

from core.config import NOTEBOOK_CIRCLES_EPOCHS, WORKFLOW_DEFAULTS, TrainConfig
from core.data.toy_views import least_squares_line
from core.train.trainer import Trainer


def _train(model, epochs, lr, **kw):
    t = Trainer(TrainConfig(model=model, epochs=epochs, lr=lr, **kw))
    for _ in t.run():
        pass
    return t


def test_line_learns_the_true_line_and_the_least_squares_fit():
    t = _train("line", 300, 0.01)
    learned = t.result().extra["learned"]
    assert learned["weight"] == pytest.approx(0.7, abs=0.02)  # seeds: 0.6954
    assert learned["bias"] == pytest.approx(0.3, abs=0.02)    # seeds: 0.3085
    ls_w, ls_b = least_squares_line(t.data.train_x.cpu(), t.data.train_y.cpu())
    assert (ls_w, ls_b) == pytest.approx((0.7, 0.3), abs=1e-5)  # the data has no noise
    assert learned["weight"] == pytest.approx(ls_w, abs=0.02)
    assert learned["bias"] == pytest.approx(ls_b, abs=0.02)


def test_line_follows_the_data_panel_values():
    t = _train("line", 300, 0.01, line={"weight": 0.3, "bias": 0.9})
    learned = t.result().extra["learned"]
    assert learned["weight"] == pytest.approx(0.3, abs=0.05)
    assert learned["bias"] == pytest.approx(0.9, abs=0.05)


def test_line_stack_reports_its_collapsed_line():
    # Notebook 02's sanity check; 300 epochs at lr 0.01 leave it short of the line (0.653, 0.297).
    learned = _train("line-stack", 300, 0.01).result().extra["learned"]
    assert learned["weight"] == pytest.approx(0.7, abs=0.1)
    assert learned["bias"] == pytest.approx(0.3, abs=0.05)


def test_linear_circle_models_stay_near_chance():
    for model in ("circles-v0", "circles-v1"):
        acc = _train(model, 1000, 0.1).result().model_acc
        assert 40 <= acc <= 60, (model, acc)  # seeds: 46.0% for both


def test_relu_model_bends_the_boundary_with_the_defaults():
    """The notebook's 1000 epochs reach 86.5% here, as the notebook prints; the default 1500, 99.0%.

    The ReLU net starts in a flat region: the loss stays near 0.69 for ~600 epochs before the
    boundary bends. Measured with seed 42: >= 97% first at epoch 1319, 100% at epoch 2000.
    """
    defaults = WORKFLOW_DEFAULTS["circles"]
    assert defaults["lr"] == 0.1  # the seed's SGD learning rate; only the epochs differ
    t = _train("circles-v2", defaults["epochs"], defaults["lr"])
    at_notebook_end = t.history[NOTEBOOK_CIRCLES_EPOCHS - 1].test_acc
    assert at_notebook_end == pytest.approx(86.5, abs=3)
    assert t.result().model_acc >= 97
