"""The files one run owns: its own folder (made exclusively, so no two runs ever share one), the
checkpoints in it, and TensorBoard logs. Deleting a run removes exactly those."""
from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

LAST = "last.safetensors"
BEST = "best.safetensors"
TENSORBOARD = "tensorboard"


def new_run_folder(base: Path, model: str) -> tuple[str, Path]:
    """A fresh folder `base/<model>-<date>-<time>-<random>` and its name, which is the run's id.
    mkdir without exist_ok is atomic: two processes starting in the same second (a sweep, torchrun,
    two terminals) cannot both get one folder."""
    base.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        run_id = f"{model}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        try:
            (base / run_id).mkdir()
            return run_id, base / run_id
        except FileExistsError:
            continue
    raise OSError(f"could not make a new run folder in {base}")


def remove_run_files(row) -> list[Path]:
    """Remove a run's checkpoints and TensorBoard logs, and its folder once empty (nothing else:
    a file the user put there stays, and so does the folder holding it)."""
    removed = []
    for p in {row.checkpoint, row.best_checkpoint} - {None}:
        path = Path(p)
        if path.suffix == ".safetensors" and path.is_file():
            path.unlink()
            removed.append(path)
    if row.folder:
        folder = Path(row.folder)
        logs = folder / TENSORBOARD
        if logs.is_dir() and not logs.is_symlink():
            shutil.rmtree(logs, ignore_errors=True)
            removed.append(logs)
        for name in (LAST, BEST, "run.json", "metrics.jsonl"):
            path = folder / name
            if path.is_file():
                path.unlink()
                removed.append(path)
        try:
            if folder.is_dir() and not any(folder.iterdir()):
                os.rmdir(folder)
                removed.append(folder)
        except OSError:
            pass
    return removed
