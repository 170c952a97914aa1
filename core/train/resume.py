"""Resuming a run: what it needs to continue exactly where it stopped, stored inside its checkpoint.

Tensors (optimizer buffers, the random streams) go into the safetensors file beside the weights,
under core.checkpoint.TRAIN_PREFIX; the rest (the training state of core/train/state.py, the
optimizer's settings, the thread count) is plain JSON in the metadata. No pickle anywhere: a
resumed run reads numbers and tensors, never code. Restoring all of it makes "2 epochs, then
continue to 4" give the same weights, bit for bit on the CPU, as 4 epochs straight.
"""
from __future__ import annotations

import json
from typing import Optional

import torch

from core.train.state import SCALAR, StateError, TrainingState, as_dict

VERSION = 1


def resume(trainer_class, path, epochs: int, data=None, control=None, log=lambda msg: None,
           overrides: Optional[dict] = None):
    """A trainer that continues the run saved in `path` up to `epochs` epochs in all.
    CheckpointError (one line) when the file cannot be continued; nothing is half-loaded."""
    from core import checkpoint
    from core.config import EpochResult, TrainConfig

    ckpt, tensors = checkpoint.load(path, with_state=True)
    meta = ckpt.meta
    refuse = lambda why: checkpoint.CheckpointError(f"{path} cannot be continued: {why}")  # noqa: E731
    if not tensors or not isinstance(meta.get("train_state"), dict):
        raise refuse("it was saved without its training state (by an older TrainDesk)")
    try:
        values = dict(meta["config"])
        values.update(overrides or {})
        config = TrainConfig.from_dict(values)
        config.validate()
        known = {f for f in EpochResult.__dataclass_fields__}
        history = [EpochResult(**{k: v for k, v in h.items() if k in known})
                   for h in meta.get("history", [])]
    except (KeyError, TypeError, ValueError) as e:
        raise refuse(f"its settings are damaged ({str(e)[:120]})") from None
    done = len(history)
    if epochs <= done:
        raise refuse(f"it has trained {done} epochs already; ask for more than {done} in all")
    saved_threads = meta["train_state"].get("threads")
    if config.threads == 0 and isinstance(saved_threads, int) and saved_threads > 0:
        config.threads = saved_threads  # the same thread count keeps CPU sums in the same order
    config.epochs = epochs
    trainer = trainer_class(config, data=data, control=control, log=log)
    if trainer.images and trainer.classes != list(meta.get("classes") or trainer.classes):
        shown = lambda names: ", ".join(map(str, names))[:160]  # noqa: E731
        raise refuse(f"its data now has the classes {shown(trainer.classes)}; the run was trained "
                     f"on {shown(meta['classes'])}")
    weights = {k: v for k, v in ckpt.model.state_dict().items()}
    try:
        restore(trainer, weights, tensors, meta["train_state"], history)
    except StateError as e:
        raise refuse(str(e)) from None
    trainer.resumed_from = str(path)
    return trainer


def capture(trainer) -> tuple[dict[str, torch.Tensor], dict]:
    """(tensors, JSON-able metadata) for `trainer` as it is now."""
    opt = trainer.optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, object] = {}
    for idx, slots in opt["state"].items():
        for name, value in slots.items():
            if torch.is_tensor(value):
                tensors[f"optim/{idx}/{name}"] = value
            else:
                scalars[f"{idx}/{name}"] = value
    tensors["rng/torch"] = torch.get_rng_state()
    tensors["rng/order"] = trainer.generator.get_state()
    tensors["rng/augment"] = trainer.augment_generator.get_state()
    if trainer.state.progress is not None:
        tensors["rng/order_epoch_start"] = trainer.state.epoch_order
    meta = {"version": VERSION, **trainer.state.to_meta(), "param_groups": opt["param_groups"],
            "optim_scalars": scalars, "threads": trainer.threads}
    json.dumps(meta, allow_nan=True)  # fail here, not halfway through writing the file
    return tensors, meta


def restore(trainer, weights: dict, tensors: dict[str, torch.Tensor], meta: dict, history) -> None:
    """Put a fresh trainer (built from the checkpoint's config) back where the run was.
    StateError if anything does not fit; the caller then drops this trainer, half-set as it is."""
    if not isinstance(meta, dict) or meta.get("version") != VERSION:
        raise StateError("its training state is missing or from another TrainDesk version")
    try:
        trainer.model.load_state_dict(weights)  # copies into the live (maybe channels-last) params
        slots: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith("optim/"):
                _, idx, name = key.split("/", 2)
                slots.setdefault(int(idx), {})[name] = value
        for key, value in as_dict(meta.get("optim_scalars")).items():
            idx, name = key.split("/", 1)
            if not isinstance(value, SCALAR):
                raise StateError(f"optimizer value {key} is not a number")
            slots.setdefault(int(idx), {})[name] = value
        groups = meta.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(trainer.optimizer.param_groups):
            raise StateError("its optimizer settings do not fit the model")
        trainer.optimizer.load_state_dict({"state": slots, "param_groups": groups})
        trainer.generator.set_state(tensors["rng/order"])
        trainer.augment_generator.set_state(tensors["rng/augment"])
        torch.set_rng_state(tensors["rng/torch"])
        state = TrainingState.from_meta(meta)
        if state.progress is not None:
            state.epoch_order = tensors["rng/order_epoch_start"]
        trainer.resume_at(state, history)
    except StateError:
        raise
    except (KeyError, ValueError, TypeError, RuntimeError, IndexError) as e:
        first = (str(e).splitlines() or [type(e).__name__])[0][:160]
        raise StateError(f"its training state does not fit ({first})") from None
