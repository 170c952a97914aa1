"""Checkpoints: weights as safetensors plus the metadata needed to rebuild the model.

Nothing in a file is ever executed: there is no pickle on either side. A SHA-256 of the weights
is stored in the header so a bit-flipped or truncated file is refused instead of half-loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from core.models import build_model, get_spec

FORMAT = "traindesk-checkpoint"
VERSION = 1
SUFFIX = ".safetensors"
MAX_HEADER = 1 << 24  # a TrainDesk header is a few kB; anything near this is not ours


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
        h.update(t.contiguous().view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def save(path: str | Path, model: torch.nn.Module, meta: dict) -> Path:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    full_meta = {"format": FORMAT, "version": VERSION, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"),
                 **meta}
    header = {"format": FORMAT, "meta": json.dumps(full_meta), "sha256": _digest(tensors)}
    payload = st_save(tensors, metadata=header)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _refuse(path: Path, why: str) -> CheckpointError:
    return CheckpointError(f"{path} is not a usable TrainDesk checkpoint: {why}")


def read(path: str | Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Return (tensors, metadata) after checking the file is an intact TrainDesk checkpoint."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"cannot read {path}: {e.strerror or e}") from None
    if raw[:2] == b"PK" or raw[:1] == b"\x80":
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
    except (SafetensorError, ValueError, UnicodeDecodeError) as e:
        raise _refuse(path, f"damaged safetensors data ({str(e).splitlines()[0][:120]})") from None
    if header.get("format") != FORMAT:
        raise _refuse(path, "a safetensors file, but not written by TrainDesk (no TrainDesk metadata)")
    try:
        meta = json.loads(header["meta"])
    except (KeyError, ValueError):
        raise _refuse(path, "its metadata is damaged") from None
    if header.get("sha256") != _digest(tensors):
        raise _refuse(path, "the weights do not match their checksum (the file was altered or damaged)")
    return tensors, meta


def load(path: str | Path) -> Checkpoint:
    """Rebuild the model the metadata describes and load the weights, saying what differs if they don't fit."""
    tensors, meta = read(path)
    model_id = meta.get("model_id")
    try:
        get_spec(model_id)
        model = build_model(model_id, int(meta.get("hidden_units", 10)))
    except (ValueError, TypeError) as e:
        raise _refuse(Path(path), f"its metadata names a model TrainDesk cannot build ({e})") from None
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v.shape) for k, v in tensors.items()}
    if expected != found:
        diffs = [f"missing {k}" for k in expected.keys() - found.keys()]
        diffs += [f"unexpected {k}" for k in found.keys() - expected.keys()]
        diffs += [f"{k} is {found[k]}, {model_id} needs {expected[k]}"
                  for k in expected.keys() & found.keys() if expected[k] != found[k]]
        raise _refuse(Path(path), f"weights do not fit {model_id} "
                                  f"(hidden units {meta.get('hidden_units')}): {'; '.join(sorted(diffs)[:4])}")
    model.load_state_dict(tensors)
    model.eval()
    return Checkpoint(model, meta)
