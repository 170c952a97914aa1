"""Every model builds, has the seed's shape, and gives outputs of the right shape."""
import pytest
import torch

from core.models import MODELS, build_model, get_spec, parameter_count

INPUTS = {"fashion": (torch.rand(4, 1, 28, 28), (4, 10)),
          "line": (torch.rand(4, 1), (4, 1)),
          "circles": (torch.rand(4, 2), (4, 1))}


@pytest.mark.parametrize("model_id", list(MODELS))
def test_output_shape(model_id):
    spec = get_spec(model_id)
    x, shape = INPUTS[spec.task]
    model = build_model(model_id)
    assert type(model).__name__ == spec.class_name
    assert model(x).shape == shape
    assert spec.description and parameter_count(model) > 0


def test_seed_sizes():
    # Counts follow from the seed's layer sizes with hidden_units=10.
    assert parameter_count(build_model("fashion-v0")) == 784 * 10 + 10 + 10 * 10 + 10
    assert parameter_count(build_model("fashion-v1")) == 784 * 10 + 10 + 10 * 10 + 10
    assert parameter_count(build_model("fashion-v2")) == 7740  # TinyVGG(10), as the design notes say
    assert parameter_count(build_model("line")) == 2
    assert parameter_count(build_model("circles-v0")) == 2 * 5 + 5 + 5 + 1
    assert parameter_count(build_model("circles-v1")) == 2 * 10 + 10 + 10 * 10 + 10 + 10 + 1


def test_hidden_units_change_width():
    m = build_model("fashion-v2", hidden_units=16)
    assert m.classifier[1].in_features == 16 * 7 * 7
    assert m(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_v1_keeps_final_relu_and_v2_bends_circles():
    assert isinstance(build_model("fashion-v1").layer_stack[-1], torch.nn.ReLU)
    assert isinstance(build_model("circles-v2").act, torch.nn.ReLU)
    assert isinstance(build_model("circles-v1").act, torch.nn.Identity)


def test_unknown_model_and_bad_width():
    with pytest.raises(ValueError, match="unknown model 'fashion-v9'"):
        build_model("fashion-v9")
    with pytest.raises(ValueError, match="hidden units"):
        build_model("fashion-v0", hidden_units=0)
