"""Run a loaded checkpoint over the test set or over image files."""
from __future__ import annotations

import torch

from core.checkpoint import Checkpoint
from core.device import pick_device
from core.pictures.model_input import photo_input, recipe_of
from core.evaluation.metrics import accuracy, confusion_matrix

EVAL_BATCH = 1000
# Values per evaluation batch: EVAL_BATCH Fashion-MNIST images (so their batches, and their
# numbers, are as before); fewer of an image folder's larger colour pictures, so a 3x224x224
# folder does not take gigabytes of activations at once.
BATCH_VALUES = EVAL_BATCH * 28 * 28


def image_batch(images_u8: torch.Tensor) -> torch.Tensor:
    """uint8 [B, H, W] (Fashion-MNIST) or [B, C, H, W] (an image folder) -> float [B, C, H, W]
    in 0..1: what the trainer feeds the model (core.train.trainer.Trainer._inputs)."""
    x = images_u8.unsqueeze(1) if images_u8.dim() == 3 else images_u8
    return x.float().div_(255.0)


@torch.inference_mode()
def image_logits(model: torch.nn.Module, images_u8: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Logits for a stored image set (uint8 [N, H, W] or [N, C, H, W]), scaled as in training,
    computed in batches on `device`."""
    model.eval().to(device)
    per_image = max(1, images_u8[0].numel()) if len(images_u8) else 1
    batch = max(1, BATCH_VALUES // per_image)
    out = []
    for i in range(0, len(images_u8), batch):
        out.append(model(image_batch(images_u8[i:i + batch].to(device))).float().cpu())
    return torch.cat(out)


fashion_logits = image_logits  # its older name (core.export.formats, core.evaluation.report and tests use it)


def check_classes(logits: torch.Tensor, classes) -> None:
    """A model whose outputs are not the data set's classes cannot be scored on it: say so,
    rather than fail inside the confusion matrix."""
    if logits.shape[1] != len(classes):
        raise ValueError(f"the model has {logits.shape[1]} outputs but the data set has "
                         f"{len(classes)} classes: it was trained on another data set")


def evaluate_model(ckpt: Checkpoint, data, device: str = "auto") -> dict:
    logits = image_logits(ckpt.model, data.test_x, pick_device(device))
    check_classes(logits, data.classes)
    y = data.test_y.cpu()
    pred = logits.argmax(dim=1)
    return {"model_name": ckpt.meta.get("class_name"),
            "model_loss": torch.nn.functional.cross_entropy(logits, y).item(),
            "model_acc": accuracy(y, pred),
            "confusion_matrix": confusion_matrix(y, pred, len(data.classes)).tolist()}


@torch.inference_mode()
def predict_array(model: torch.nn.Module, image01) -> list[float]:
    """Class probabilities for one model input: a float [H, W] grey image (Fashion-MNIST's
    [28, 28] in 0..1, light on dark) or [C, H, W] (an image folder's picture)."""
    x = torch.as_tensor(image01, dtype=torch.float32)
    x = x.reshape(1, 1, *x.shape) if x.dim() == 2 else x.reshape(1, *x.shape[-3:])
    model.eval()
    device = next(model.parameters()).device
    return torch.softmax(model(x.to(device)).float(), dim=1)[0].cpu().tolist()


def predict_image(ckpt: Checkpoint, path: str) -> list[float]:
    """Probabilities over ckpt.meta["classes"] for a picture file, read by the checkpoint's own
    input recipe (core.pictures.model_input); core.pictures.framing.ImageError when it cannot be read."""
    return predict_array(ckpt.model, photo_input(path, recipe_of(ckpt.meta)))
