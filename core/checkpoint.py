"""Checkpoints: weights as safetensors plus the metadata needed to rebuild the model.

Nothing in a file is ever executed: there is no pickle on either side. A SHA-256 of the weights
is stored in the header so a bit-flipped or truncated file is refused instead of half-loaded, and
the metadata is checked against the architecture it names before any model is built.
"""
from __future__ import annotations

import hashlib
import json
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from core.kept_files import remove_stale_temps, write_atomic
from core.models import FASHION_CLASSES, MODELS, build_model
from core.pictures.recipe import InputRecipe, RecipeError
from core.workflows import IMAGE_WORKFLOWS

FORMAT = "traindesk-checkpoint"
VERSION = 1
SUFFIX = ".safetensors"
MAX_HEADER = 1 << 24  # a TrainDesk header is a few kB; anything near this is not ours
MAX_WEIGHT_BYTES = 2 * 2**30  # refused before building: far above any model the window trains
MAX_HIDDEN = 1 << 20  # beyond this the shapes alone are nonsense (and their products overflow)
MAX_CLASSES = 10_000  # an image folder's classes; more is not a folder of pictures TrainDesk trains
MAX_CLASS_NAME = 255  # characters in a class name: a label, as long as a folder name can be
# what a one-line label cannot hold: control characters (line breaks, tabs, NUL) and the
# Unicode line and paragraph separators
NOT_IN_A_LABEL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class CheckpointError(Exception):
    """The file is not a usable TrainDesk checkpoint; the message is one line saying why."""


@dataclass
class Checkpoint:
    model: torch.nn.Module
    meta: dict


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name]
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


TRAIN_PREFIX = "train/"  # tensors a run needs to continue (optimizer state, random streams)


def save(path: str | Path, model: torch.nn.Module | dict, meta: dict,
         extra: dict[str, torch.Tensor] | None = None, make_folder: bool = True) -> Path:
    """Write atomically (a temporary file in the same folder, then os.replace), following the
    user's umask; first remove temporary files killed writers left in that folder. `extra`
    tensors are stored under names starting with TRAIN_PREFIX, beside the weights. The folder is
    made when missing, unless `make_folder` is False (a run's own folder: if it is gone, the run
    was deleted, and making it again would leave files the run history cannot reach): then
    FileNotFoundError. Any OSError means nothing was written over the file that was there."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(f"cannot write the checkpoint {path}: a folder has that name")
    remove_stale_temps(path.parent, SUFFIX)
    weights = model if isinstance(model, dict) else model.state_dict()
    tensors = {k: v.detach().cpu().contiguous() for k, v in weights.items()}
    for k, v in (extra or {}).items():
        tensors[TRAIN_PREFIX + k] = v.detach().cpu().contiguous()
    full_meta = {"format": FORMAT, "version": VERSION, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"),
                 **meta}
    header = {"format": FORMAT, "meta": json.dumps(full_meta), "sha256": _digest(tensors)}
    write_atomic(path, st_save(tensors, metadata=header), fsync=True)
    return path


def _refuse(path: Path, why: str) -> CheckpointError:
    return CheckpointError(f"{path} is not a usable TrainDesk checkpoint: {why}")


def read(path: str | Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Return (tensors, metadata) after checking the file is an intact TrainDesk checkpoint."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a pipe or device would block or never end
            raise CheckpointError(f"{path} is not a file, so not a checkpoint")
        size = st.st_size
        if size > MAX_WEIGHT_BYTES + MAX_HEADER:
            raise _refuse(path, f"it is {size / 2**30:.1f} GiB, larger than any TrainDesk model")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"cannot read {path}: it does not exist") from None
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    # A zip (torch.save) or a bare pickle; a safetensors header length can start with 0x80 too,
    # but its header then starts with "{" at byte 8.
    if raw[:2] == b"PK" or (raw[:1] == b"\x80" and raw[8:9] != b"{"):
        raise _refuse(path, "it is a pickle-based PyTorch file (.pt/.pth), which can carry code; "
                            "TrainDesk never unpickles files")
    if len(raw) < 10:
        raise _refuse(path, f"the file is only {len(raw)} bytes")
    n = int.from_bytes(raw[:8], "little")
    if n > min(MAX_HEADER, len(raw) - 8) or raw[8:9] != b"{":
        raise _refuse(path, "no safetensors header (wrong file type, or truncated)")
    try:
        tensors = st_load(raw)
        header = json.loads(raw[8:8 + n]).get("__metadata__") or {}
        ours = isinstance(header, dict) and header.get("format") == FORMAT
        digest = _digest(tensors) if ours else None
    except (SafetensorError, ValueError, TypeError, RuntimeError, AttributeError, RecursionError) as e:
        raise _refuse(path, f"damaged safetensors data ({(str(e).splitlines() or [''])[0][:120]})") from None
    if not ours:
        raise _refuse(path, "a safetensors file, but not written by TrainDesk (no TrainDesk metadata)")
    try:
        meta = json.loads(header["meta"])
    except (KeyError, TypeError, ValueError, RecursionError):
        raise _refuse(path, "its metadata is damaged") from None
    if header.get("sha256") != digest:
        raise _refuse(path, "the weights do not match their checksum (the file was altered or damaged)")
    if not isinstance(meta, dict):
        raise _refuse(path, "its metadata is not a JSON object")
    return tensors, meta


def _skeleton(path: Path, meta: dict) -> torch.nn.Module:
    """The model the metadata describes, checked and built on the meta device (shapes, no memory)."""
    model_id = meta.get("model_id")
    if not isinstance(model_id, str) or model_id not in MODELS:
        raise _refuse(path, f"its metadata names a model TrainDesk cannot build ({str(model_id)[:40]!r}; "
                            f"known: {', '.join(MODELS)})")
    spec, hidden = MODELS[model_id], meta.get("hidden_units", 10)
    if type(hidden) is int and hidden > MAX_HIDDEN:
        raise _refuse(path, f"hidden units {str(hidden)[:40]} would make {model_id} larger than any memory")
    if type(hidden) is not int or hidden < 1:
        raise _refuse(path, f"hidden units {json.dumps(hidden)[:40]} is not a whole number of at least 1")
    if meta.get("task", spec.task) != spec.task:
        raise _refuse(path, f"its metadata says task {str(meta.get('task'))[:40]!r}, "
                            f"but {model_id} is a {spec.task} model")
    if not isinstance(meta.get("class_name", ""), str):
        raise _refuse(path, "its model class name is not a string")
    shape, classes = _input_of(path, meta, spec)
    if spec.task in IMAGE_WORKFLOWS:  # its input recipe: damaged or lying, it is refused here
        try:
            InputRecipe.from_meta({**meta, "task": spec.task})
        except RecipeError as e:
            raise _refuse(path, str(e)) from None
    with torch.device("meta"):  # the device context is per thread
        model = build_model(model_id, hidden, shape, classes)
    size = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    if size > MAX_WEIGHT_BYTES:
        raise _refuse(path, f"{model_id} with {hidden} hidden units would take {size / 2**30:.1f} GiB "
                            f"of memory; TrainDesk loads at most {MAX_WEIGHT_BYTES / 2**30:.0f} GiB")
    classes = meta.get("classes", [])
    outputs = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1].out_features
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise _refuse(path, f"its class names are not a list of strings ({json.dumps(classes)[:60]})")
    problem = _class_name_problem(classes)
    if problem:
        raise _refuse(path, problem)
    if spec.task == "fashion" and len(classes) != outputs:
        raise _refuse(path, f"it names {len(classes)} classes, but {model_id} has {outputs} outputs "
                            f"(Fashion-MNIST has {FASHION_CLASSES})")
    return model


def _class_name_problem(classes: list[str]) -> str | None:
    """Why a class name cannot be shown as a label (a megabyte of text, a line break), or None."""
    for i, name in enumerate(classes, 1):
        if len(name) > MAX_CLASS_NAME:
            return (f"its class name {i} is {len(name):,} characters long ({json.dumps(name[:20])}\u2026); "
                    f"TrainDesk takes names of at most {MAX_CLASS_NAME}")
        if NOT_IN_A_LABEL.search(name):
            return (f"its class name {i} holds a line break or another control character "
                    f"({json.dumps(name[:40])})")
    return None


def _input_of(path: Path, meta: dict, spec) -> tuple:
    """(input shape, classes) an image-folder model was built for, from its recipe and class
    names, checked; (None, None) for the others, which are always built the same way."""
    if spec.task != "folder":
        return None, None
    recipe, classes = meta.get("input"), meta.get("classes")
    shape = recipe.get("shape") if isinstance(recipe, dict) else None
    if not (isinstance(shape, list) and len(shape) == 3 and all(type(v) is int for v in shape)
            and shape[0] in (1, 3) and shape[1] == shape[2] and 8 <= shape[1] <= 512):
        raise _refuse(path, f"its input recipe names no usable image shape ({json.dumps(shape)[:60]}; "
                            "expected [3, S, S] with S from 8 to 512)")
    if not isinstance(classes, list) or not 2 <= len(classes) <= MAX_CLASSES:
        raise _refuse(path, f"it needs between 2 and {MAX_CLASSES} class names, found "
                            f"{len(classes) if isinstance(classes, list) else json.dumps(classes)[:40]}")
    return tuple(shape), len(classes)


def read_meta(path: str | Path) -> dict:
    """The metadata of an intact TrainDesk checkpoint (CheckpointError otherwise)."""
    return read(path)[1]


def split(tensors: dict[str, torch.Tensor]) -> tuple[dict, dict]:
    """(the model's weights, the training state stored beside them without its prefix)."""
    n = len(TRAIN_PREFIX)
    weights = {k: v for k, v in tensors.items() if not k.startswith(TRAIN_PREFIX)}
    return weights, {k[n:]: v for k, v in tensors.items() if k.startswith(TRAIN_PREFIX)}


def load(path: str | Path, with_state: bool = False):
    """Rebuild the model the metadata describes and load the weights, saying what differs if they
    don't fit. With `with_state`, returns (Checkpoint, training-state tensors)."""
    path = Path(path)
    tensors, meta = read(path)
    tensors, state = split(tensors)
    model = _skeleton(path, meta)
    model_id = meta["model_id"]
    expected = {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}
    found = {k: (tuple(v.shape), v.dtype) for k, v in tensors.items()}
    if expected != found:
        diffs = [f"missing {k}" for k in expected.keys() - found.keys()]
        diffs += [f"unexpected {k}" for k in found.keys() - expected.keys()]
        diffs += [f"{k} is {found[k][0]}, {model_id} needs {expected[k][0]}"
                  for k in expected.keys() & found.keys() if expected[k][0] != found[k][0]]
        diffs += [f"{k} is {str(found[k][1])[6:]}, {model_id} needs {str(expected[k][1])[6:]}"
                  for k in expected.keys() & found.keys() if expected[k][1] != found[k][1]]
        raise _refuse(path, f"weights do not fit {model_id} "
                            f"(hidden units {meta.get('hidden_units')}): {'; '.join(sorted(diffs)[:4])}")
    # assign: the loaded tensors become the weights; no second copy, no random initialisation
    # (so loading a checkpoint never moves torch's random stream)
    model.load_state_dict(tensors, assign=True)
    model.eval()
    return (Checkpoint(model, meta), state) if with_state else Checkpoint(model, meta)
