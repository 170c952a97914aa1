"""The Workflow record every workflow module fills in (see core/workflows/__init__.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from core.pictures.recipe import InputRecipe

# What a workflow's models learn; the loss and the metrics follow from it (core/train/trainer.py).
IMAGES = "images"          # classify images: cross-entropy, accuracy, confusion matrix
REGRESSION = "regression"  # predict a number: L1 loss, no accuracy
BINARY = "binary"          # two classes from one logit: BCE-with-logits, accuracy at 0

# Live views the window can show beside the loss curves while a run trains (gui/training/).
VIEW_CURVES = "curves"        # loss, accuracy and learning rate, per batch and epoch
VIEW_CONFUSION = "confusion"  # the Evaluate tab: predictions, confusion matrix, per-class figures
VIEW_CANVAS = "canvas"        # the Draw tab: draw or drop a picture, see what the model thinks
VIEW_LINE_FIT = "line_fit"    # the line, its points and the model's predictions (notebook 01)
VIEW_BOUNDARY = "boundary"    # the decision boundary over train and test points (notebook 02)


@dataclass(frozen=True)
class Workflow:
    id: str
    name: str                   # as the window lists it
    blurb: str                  # one line under the picker
    kind: str                   # IMAGES, REGRESSION or BINARY
    default_model: str          # what a new run of this workflow trains
    views: tuple                # VIEW_* names, the live ones first
    # (config, progress) -> the data set, on the CPU, with train_x/train_y/test_x/test_y, source
    # and .to(device); progress(done, total) may be called while it loads (it may raise to cancel).
    load: Callable[..., Any]
    # What identifies the loaded data for a config, so a window can keep it between runs;
    # None: the data is made fresh each time (it costs nothing).
    data_key: Callable[[Any], Optional[tuple]] = lambda config: None
    notebook: str = ""          # the notebook it comes from, for captions
    # Epochs take milliseconds: the run controls offer play, step and a speed (TF Playground).
    paced: bool = False
    # The input recipe (core.pictures.recipe.InputRecipe) from the loaded data (images only): how
    # raw pixels become model inputs. The trainer converts every batch by it and the checkpoint
    # stores it, so `predict` on another machine needs nothing but the checkpoint.
    input_recipe: Callable[[Any], Optional[InputRecipe]] = lambda data: None
    # (config, training-set size, one step's seconds) -> ({setting: value}, why): the values of
    # the settings left to the data (config.from_data; their Setting's from_data names this
    # workflow) once it is loaded, and one sentence for the log saying why. None: no such settings.
    data_defaults: Optional[Callable[[Any, int, float], tuple]] = None
    extra: dict = field(default_factory=dict)

    @property
    def images(self) -> bool:
        return self.kind == IMAGES

    @property
    def minibatch(self) -> bool:
        """Trained in batches (images); the toy workflows take one full-batch step per epoch."""
        return self.kind == IMAGES

    @property
    def live_view(self) -> str:
        """The view the Training tab shows beside the curves while this workflow trains."""
        return next((v for v in self.views if v in (VIEW_LINE_FIT, VIEW_BOUNDARY)), VIEW_CURVES)
