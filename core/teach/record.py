"""A taught model kept as a run in the history: its own run folder with its checkpoint (the
original's metadata, plus what it was taught from), and a row named "taught from <run>" whose
settings carry the parent run's id and how many drawings it learned. It can then be opened,
compared, exported and taught further like any run."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch

from core import checkpoint
from core.runs.files import LAST, new_run_folder
from core.runs.store import RunStore, StoreError


def taught_meta(meta: dict, parent_run: Optional[str], parent_checkpoint: Optional[str],
                drawings: int, seconds: float) -> dict:
    """The parent's metadata (model, classes, recipe, settings) with what it was taught."""
    root = (meta.get("taught") or {}).get("root_run") or parent_run
    return {**meta, "taught": {"from_run": parent_run, "from_checkpoint": parent_checkpoint,
                               "root_run": root, "drawings": int(drawings),
                               "seconds": round(float(seconds), 2)}}


def record_taught(model: torch.nn.Module, meta: dict, parent_title: str, test_acc: float,
                  test_loss: Optional[float], base_dir, store: Optional[RunStore] = None
                  ) -> tuple[str, Path, Optional[str]]:
    """Write the taught model's run folder and checkpoint, and its row in the history.
    Returns (run id, checkpoint path, why it is not in the history or None). OSError when the
    checkpoint cannot be written (then nothing is recorded)."""
    taught = meta["taught"]
    run_id, folder = new_run_folder(Path(base_dir).absolute(), meta["model_id"])
    try:
        path = checkpoint.save(folder / LAST, model, meta, make_folder=False)
    except OSError:
        folder.rmdir()
        raise
    config = {**(meta.get("config") or {}), "model": meta["model_id"], "teach": taught}
    try:
        store = store if store is not None else RunStore()
        store.begin(run_id, config, meta.get("class_name", meta["model_id"]), "cpu",
                    torch.__version__, str(folder), "teach")
        epochs = int((meta.get("config") or {}).get("epochs") or 0)
        store.finish(run_id, "finished", test_loss, test_acc, taught["seconds"], epochs,
                     str(path), None, None, [])
        n = taught["drawings"]
        store.rename(run_id, f"taught from {parent_title} ({n} drawing{'s' if n != 1 else ''})")
        store.set_note(run_id, f"taught from {taught['from_run'] or parent_title}: "
                               f"{taught['drawings']} drawings")
    except StoreError as e:
        return run_id, path, str(e)
    return run_id, path, None


def taught_from(row) -> Optional[dict]:
    """What a run in the history was taught from ({"from_run", "drawings", ...}), or None."""
    teach = (row.config or {}).get("teach")
    return teach if isinstance(teach, dict) else None
