"""Fashion-MNIST (notebook 03): 70,000 greyscale 28x28 clothing images in 10 classes."""
from __future__ import annotations

from core.pictures.recipe import FASHION
from core.workflows.base import IMAGES, VIEW_CANVAS, VIEW_CONFUSION, VIEW_CURVES, Workflow


def _load(config, progress=None):
    from core.data.fashion_mnist import load_fashion_mnist
    return load_fashion_mnist(config.data_dir)


WORKFLOW = Workflow(
    id="fashion", name="Fashion-MNIST",
    blurb="70,000 greyscale 28×28 clothing images, 10 classes (notebook 03).",
    kind=IMAGES, default_model="fashion-v2", views=(VIEW_CURVES, VIEW_CONFUSION, VIEW_CANVAS),
    load=_load, data_key=lambda config: ("fashion", config.data_dir or None), notebook="03",
    input_recipe=lambda data: FASHION)  # how its uint8 pixels become model inputs
