"""A run's checkpoint contents: its weights, its metadata (config, figures, history, input
recipe, class names) and the training state a resumed run needs (core/train/state.py), taken from
a Trainer now or as it was when its state was copied (the best epoch's checkpoint is written after
later epochs have moved on)."""
from __future__ import annotations

import copy

from core.train import resume as train_resume
from core.device import describe


def learned(weights: dict) -> dict:
    """The straight line's learned weight and bias (notebook 01 prints them), read from its
    saved weights; {} for other models."""
    if "linear_layer.weight" not in weights:
        return {}
    return {"learned": {"weight": weights["linear_layer.weight"].item(),
                        "bias": weights["linear_layer.bias"].item()}}


def state_copy(trainer) -> dict:
    """The run's state now, copied to the CPU (small for these models)."""
    tensors, ts = train_resume.capture(trainer)
    cpu = lambda t: {k: v.detach().to("cpu", copy=True) for k, v in t.items()}  # noqa: E731
    return {"weights": cpu(trainer.model.state_dict()), "tensors": cpu(tensors),
            "train_state": copy.deepcopy(ts), "epochs": len(trainer.history),
            "training_time": trainer.state.training_time}


def snapshot(trainer, state: dict) -> tuple[dict, dict, dict]:
    """(weights, metadata, training-state tensors) for core.checkpoint.save, as of `state`."""
    done = state["epochs"]
    if done:
        loss, acc = trainer.history[done - 1].test_loss, trainer.history[done - 1].test_acc
    else:
        loss, acc = trainer.evaluate()
    weights = state["weights"]
    meta = {"model_id": trainer.config.model, "class_name": trainer.spec.class_name,
            "hidden_units": trainer.config.hidden_units, "task": trainer.task,
            "classes": trainer.classes, "input": trainer.input_recipe and trainer.input_recipe.to_dict(),
            "config": trainer.config.to_dict(),
            "metrics": {"model_loss": loss, "model_acc": acc,
                        "training_time": state["training_time"], "epochs": done,
                        "device": describe(trainer.device), **learned(weights)},
            "history": [vars(h) for h in trainer.history[:done]],
            "train_state": state["train_state"]}
    return weights, meta, state["tensors"]
