"""Run a loaded checkpoint over the test set or over image files."""
from __future__ import annotations

import torch

from core.checkpoint import Checkpoint
from core.device import pick_device
from core.pictures.model_input import photo_input
from core.pictures.recipe import STRETCHED, InputRecipe
from core.evaluation.metrics import accuracy, confusion_matrix

EVAL_BATCH = 1000
# Values per evaluation batch: EVAL_BATCH Fashion-MNIST images (so their batches, and their
# numbers, are as before); fewer of an image folder's larger colour pictures, so a 3x224x224
# folder does not take gigabytes of activations at once.
BATCH_VALUES = EVAL_BATCH * 28 * 28


def plain_recipe(images_u8: torch.Tensor) -> InputRecipe:
    """Pixels / 255 and nothing more, at the pictures' own shape: the recipe of every model trained
    so far, for a caller that holds a model without its recipe (the Evaluate tab's report)."""
    shape = tuple(images_u8.shape[1:])
    return InputRecipe(shape=(1, *shape) if len(shape) == 2 else shape, background=None,
                       framing=STRETCHED)


def image_batch(images_u8: torch.Tensor, recipe: InputRecipe) -> torch.Tensor:
    """uint8 [B, H, W] (Fashion-MNIST) or [B, C, H, W] (an image folder) -> float [B, C, H, W]:
    what the trainer feeds the model, by the same recipe (core.pictures.recipe)."""
    return recipe.to_input(images_u8, batch=True)


@torch.inference_mode()
def image_logits(model: torch.nn.Module, images_u8: torch.Tensor, device: torch.device,
                 recipe: InputRecipe | None = None) -> torch.Tensor:
    """Logits for a stored image set (uint8 [N, H, W] or [N, C, H, W]), made model inputs by the
    model's recipe (None: plain_recipe), computed in batches on `device`."""
    model.eval().to(device)
    recipe = recipe or plain_recipe(images_u8)
    per_image = max(1, images_u8[0].numel()) if len(images_u8) else 1
    batch = max(1, BATCH_VALUES // per_image)
    out = []
    for i in range(0, len(images_u8), batch):
        out.append(model(image_batch(images_u8[i:i + batch].to(device), recipe)).float().cpu())
    return torch.cat(out)


fashion_logits = image_logits  # its older name (core.export.formats, core.evaluation.report and tests use it)


def check_classes(logits: torch.Tensor, classes) -> None:
    """A model whose outputs are not the data set's classes cannot be scored on it: say so,
    rather than fail inside the confusion matrix."""
    if logits.shape[1] != len(classes):
        raise ValueError(f"the model has {logits.shape[1]} outputs but the data set has "
                         f"{len(classes)} classes: it was trained on another data set")


def evaluate_model(ckpt: Checkpoint, data, device: str = "auto") -> dict:
    recipe = InputRecipe.from_meta(ckpt.meta)
    logits = image_logits(ckpt.model, data.test_x, pick_device(device), recipe)
    check_classes(logits, data.classes)
    y = data.test_y.cpu()
    pred = logits.argmax(dim=1)
    return {"model_name": ckpt.meta.get("class_name"),
            "model_loss": torch.nn.functional.cross_entropy(logits, y).item(),
            "model_acc": accuracy(y, pred),
            "confusion_matrix": confusion_matrix(y, pred, len(data.classes)).tolist()}


@torch.inference_mode()
def predict_array(model: torch.nn.Module, x) -> list[float]:
    """Class probabilities for one model input (core.pictures.model_input): float [C, H, W], or
    [H, W] for a grey model."""
    x = torch.as_tensor(x, dtype=torch.float32)
    x = x.reshape(1, 1, *x.shape) if x.dim() == 2 else x.reshape(1, *x.shape[-3:])
    model.eval()
    device = next(model.parameters()).device
    return torch.softmax(model(x.to(device)).float(), dim=1)[0].cpu().tolist()


def predict_image(ckpt: Checkpoint, path: str) -> list[float]:
    """Probabilities over ckpt.meta["classes"] for a picture file, read by the checkpoint's own
    input recipe (core.pictures.model_input); core.pictures.framing.ImageError when it cannot be
    read, core.pictures.recipe.RecipeError when the recipe is damaged."""
    return predict_array(ckpt.model, photo_input(path, InputRecipe.from_meta(ckpt.meta)))
