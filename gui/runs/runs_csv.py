"""The selected runs as CSV: one row per run and epoch, written whole or not at all.

A run with no epoch recorded (it failed in its first) still gets one row, its epoch figures empty,
so every selected run is in the file.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from core.kept_files import write_atomic

EPOCH_FIELDS = ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "lr")
HEADER = ("run_id", "name", "model", "status", "epoch") + EPOCH_FIELDS
TOOLTIP = ("Save the selected runs as CSV: one row per run and epoch, with the columns "
           + ", ".join(HEADER) + ".")


def _cell(v) -> str:
    return "" if v is None else repr(v) if isinstance(v, float) else str(v)


def csv_text(runs: list[tuple]) -> str:
    """`runs`: (RunRow, its epoch rows from RunStore.epochs) pairs, in the order to write."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row, epochs in runs:
        head = [row.run_id, row.title, row.model_name, row.status]
        for e in epochs or [{}]:
            writer.writerow(head + [_cell(e.get("epoch"))] + [_cell(e.get(k)) for k in EPOCH_FIELDS])
    return out.getvalue()


def write_csv(path: str | Path, runs: list[tuple]) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_name(path.name + ".csv")
    write_atomic(path, csv_text(runs).encode("utf-8"))
    return path
