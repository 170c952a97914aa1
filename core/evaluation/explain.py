"""Why a model answered what it did: feature maps, Grad-CAM or saliency, and the "not sure" rule.

Everything works on one model input: a [28, 28] image in 0..1, light on dark (what
core.pictures.framing.to_model_input returns for Fashion-MNIST), or a [C, S, S] picture (an image
folder's, core.pictures.model_input). No Qt here: the canvas calls these from its worker thread and only
shows the arrays.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

# The "not sure" rule (see `verdict`). Max softmax probability is the standard baseline for
# spotting inputs a classifier will get wrong or has never seen (Hendrycks & Gimpel, ICLR 2017);
# entropy catches the case where the top class barely leads a spread of several others.
UNSURE_TOP_P = 0.5        # below even odds: by its own account the model is more likely wrong
UNSURE_ENTROPY = 0.6      # fraction of log(classes): 0 = one-hot, 1 = uniform


@dataclass
class Verdict:
    top: list                  # [(class name, probability)] best first, three of them
    unsure: bool
    reason: str                # one line for the window: why it is (not) sure


@dataclass
class Explanation:
    probs: list                # softmax probabilities, one per class
    target: int                # the class the heat map explains (the top class unless asked)
    heat: np.ndarray           # [H, W] in 0..1: how much each pixel drove `target`
    method: str                # "grad-cam" (CNNs) or "saliency" (any model)
    blocks: list = field(default_factory=list)  # [(block name, [C, H, W] float32 activations)]


def entropy_fraction(probs) -> float:
    """Shannon entropy of `probs` as a fraction of the maximum for that many classes."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    n = len(probs)
    return float(-(p * np.log(p)).sum() / math.log(n)) if n > 1 else 0.0


def verdict(probs, classes: list[str]) -> Verdict:
    """Top-3, and whether to say "not sure" instead of the top class.

    Not sure when the top probability is under UNSURE_TOP_P, or when the entropy of the whole
    distribution is over UNSURE_ENTROPY of its maximum. A drawing unlike any class tends to
    spread probability over several classes (both tests fire); a clear item puts most on one.
    """
    order = np.argsort(probs)[::-1][:3]
    top = [(classes[i], float(probs[i])) for i in order]
    p1, h = top[0][1], entropy_fraction(probs)
    if p1 < UNSURE_TOP_P:
        return Verdict(top, True, f"top guess only {p1:.0%} likely")
    if h > UNSURE_ENTROPY:
        return Verdict(top, True, f"probability spread over many classes (entropy {h:.0%})")
    return Verdict(top, False, f"{p1:.0%} likely, entropy {h:.0%}")


def conv_blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The model's top-level children that contain a Conv2d, in order (TinyVGG: its two blocks)."""
    return [(name, child) for name, child in model.named_children()
            if any(isinstance(m, nn.Conv2d) for m in child.modules())]


def is_cnn(model: nn.Module) -> bool:
    return bool(conv_blocks(model))


def _last_conv(model: nn.Module) -> nn.Conv2d:
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)][-1]


def _normalise(a: torch.Tensor) -> np.ndarray:
    a = a.detach().float().clamp(min=0)
    top = float(a.max())
    return (a / top if top > 0 else a).cpu().numpy().astype(np.float32)


def explain(model: nn.Module, image, target: int | None = None) -> Explanation:
    """One forward and one backward pass: probabilities, block activations and a heat map.

    CNNs get Grad-CAM on the last convolution (TinyVGG: 14x14, before the last pooling, so the map
    is twice as sharp as the block output); other models get gradient x input saliency, which is
    zero off the strokes, so it shows which strokes (not which empty areas) pushed the answer.
    """
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(image), dtype=torch.float32)
    x = (x[None, None] if x.dim() == 2 else x[None]).to(device)  # [1, C, H, W]
    size = tuple(x.shape[-2:])
    blocks, captured, hooks = [], {}, []
    cnn = is_cnn(model)
    try:
        for name, block in conv_blocks(model):
            hooks.append(block.register_forward_hook(
                lambda _m, _i, out, name=name: blocks.append((name, out[0].detach().cpu().numpy()))))
        if cnn:
            hooks.append(_last_conv(model).register_forward_hook(
                lambda _m, _i, out: captured.__setitem__("conv", out)))
        with torch.enable_grad():
            x.requires_grad_(True)  # also makes frozen models differentiable w.r.t. the input
            logits = model(x)
            probs = torch.softmax(logits.detach().float(), dim=1)[0]
            target = int(probs.argmax()) if target is None else int(target)
            # autograd.grad, not backward(): the parameters' .grad (a training run's) stay untouched
            wrt = captured["conv"] if cnn else x
            (grad,) = torch.autograd.grad(logits[0, target], wrt)
    finally:
        for h in hooks:
            h.remove()
    if cnn:
        act, grad = captured["conv"][0].detach(), grad[0]              # [C, h, w]
        cam = (grad.mean(dim=(1, 2), keepdim=True) * act).sum(dim=0)    # channel weights x maps
        cam = torch.nn.functional.interpolate(cam[None, None], size=size, mode="bilinear",
                                              align_corners=False)[0, 0]
        heat, method = _normalise(cam), "grad-cam"
    else:
        # summed over the colour channels: how much each pixel, whatever its colour, pushed
        heat, method = _normalise((grad * x.detach())[0].sum(dim=0)), "saliency"
    return Explanation(probs.cpu().tolist(), target, heat, method,
                       [(n, a.astype(np.float32)) for n, a in blocks])
