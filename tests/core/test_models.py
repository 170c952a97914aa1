"""Every model builds, has the seed's shape, and gives outputs of the right shape."""
import pytest
import torch

from core.models import MODELS, build_model, get_spec, parameter_count

INPUTS = {"fashion": (torch.rand(4, 1, 28, 28), (4, 10)),
          "line": (torch.rand(4, 1), (4, 1)),
          "circles": (torch.rand(4, 2), (4, 1)),
          "folder": (torch.rand(4, 3, 64, 64), (4, 3))}  # notebook 04: pizza, steak, sushi


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


def test_tinyvgg_is_notebook_04s():
    # TinyVGG(input_shape=3, hidden_units=10, output_shape=3) on 64x64: the classifier sees
    # 10 x 16 x 16 features, as notebook 04's model_0 does.
    model = build_model("tinyvgg", 10, (3, 64, 64), 3)
    assert model.classifier[1].in_features == 10 * 16 * 16
    assert parameter_count(model) == (3 * 9 * 10 + 10) + 3 * (10 * 9 * 10 + 10) + (2560 * 3 + 3)


@pytest.mark.parametrize("model_id", ["tinyvgg", "folder-v0", "folder-v1", "folder-best"])
@pytest.mark.parametrize("shape,classes", [((3, 32, 32), 2), ((3, 96, 96), 7), ((1, 30, 30), 5)])
def test_folder_models_fit_the_pictures(model_id, shape, classes):
    model = build_model(model_id, 8, shape, classes)
    assert model(torch.rand(2, *shape)).shape == (2, classes)


def test_build_model_refuses_shapes_it_cannot_build():
    for shape in [(2, 64, 64), (3, 64, 32), (3, 4, 4)]:
        with pytest.raises(ValueError, match="input shape"):
            build_model("tinyvgg", 10, shape, 3)
    with pytest.raises(ValueError, match="two classes"):
        build_model("tinyvgg", 10, (3, 64, 64), 1)
