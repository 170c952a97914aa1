"""Run a loaded checkpoint over the test set or over image files."""
from __future__ import annotations

import torch

from core.checkpoint import Checkpoint
from core.device import pick_device
from core.metrics import accuracy, confusion_matrix
from core.preprocess import read_image, to_model_input

EVAL_BATCH = 1000


@torch.inference_mode()
def fashion_logits(model: torch.nn.Module, images_u8: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Logits for uint8 [N, 28, 28] images, scaled as in training, computed in batches."""
    model.eval().to(device)
    out = []
    for i in range(0, len(images_u8), EVAL_BATCH):
        x = images_u8[i:i + EVAL_BATCH].to(device).unsqueeze(1).float().div_(255.0)
        out.append(model(x).float().cpu())
    return torch.cat(out)


def evaluate_model(ckpt: Checkpoint, data, device: str = "auto") -> dict:
    logits = fashion_logits(ckpt.model, data.test_x, pick_device(device))
    y = data.test_y.cpu()
    pred = logits.argmax(dim=1)
    return {"model_name": ckpt.meta.get("class_name"),
            "model_loss": torch.nn.functional.cross_entropy(logits, y).item(),
            "model_acc": accuracy(y, pred),
            "confusion_matrix": confusion_matrix(y, pred, len(data.classes)).tolist()}


@torch.inference_mode()
def predict_array(model: torch.nn.Module, image01: torch.Tensor | list) -> list[float]:
    """Class probabilities for one [28, 28] float image in 0..1 (light on dark)."""
    x = torch.as_tensor(image01, dtype=torch.float32).reshape(1, 1, 28, 28)
    model.eval()
    device = next(model.parameters()).device
    return torch.softmax(model(x.to(device)).float(), dim=1)[0].cpu().tolist()


def predict_image(ckpt: Checkpoint, path: str) -> list[float]:
    return predict_array(ckpt.model, to_model_input(read_image(path)))
