"""The Runs tab's jobs: each runs in the panel's JobRunner thread (a busy database or a slow
export waits there, not in the window); the store opens a connection per call."""
from __future__ import annotations

from pathlib import Path

from core.runs.store import RunStore
from gui.runs.runs_csv import write_csv


def read_runs(job, store: RunStore):
    return store.runs(), store.problem


def read_curves(job, store: RunStore, run_ids: list[str]) -> dict:
    out = {}
    for run_id in run_ids:
        job.check()
        out[run_id] = (store.curve(run_id), store.epochs(run_id))
    return out


def delete_runs(job, store: RunStore, run_ids: list[str]) -> tuple[int, list[Path]]:
    removed = []
    for run_id in run_ids:
        removed += store.delete(run_id)
    return len(run_ids), removed


def export_csv(job, store: RunStore, rows: list, path: str) -> Path:
    return write_csv(path, [(row, store.epochs(row.run_id)) for row in rows])


def export_checkpoint(job, checkpoint: str, fmt: str, target: str):
    """core.export.formats's check-then-write export of one checkpoint (an ExportReport)."""
    from core.export.formats import export
    return export(checkpoint, fmt, target, progress=job.progress)
