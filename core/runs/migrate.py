"""Bring the runs of the old index (runs.json, before the SQLite history) into the database once.

The index is read with core.runs.legacy_json's checks (damaged records are left out and the original
kept); each run's per-epoch figures come from its checkpoint's metadata when the file is there.
Then the index is renamed runs.json.migrated and never written again. Inserting by run id is
idempotent, so two processes migrating at the same moment add each run once.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional

from core.runs.legacy_json import INDEX, read_index
from core.runs.row import RunRow, finite_or_none
from core.runs.schema import StoreError, mending


def migrate_json(store) -> Optional[str]:
    """Migrate runs.json beside the database, if there is one; a one-line note if a problem came up."""

    index = store.path.parent / INDEX
    if not os.path.lexists(index):
        return None
    records, problem = read_index(store.path.parent)
    added = 0
    for r in records:
        started = _parse(r.created)
        row = RunRow(r.run_id, r.model_id, r.model_name, r.model_loss, r.model_acc, r.training_time,
                     r.epochs, r.device, r.optimizer, r.lr, r.batch_size, r.checkpoint, r.created,
                     status="finished", started=started, ended=started + r.training_time,
                     source="runs.json",
                     config={"model": r.model_id, "optimizer": r.optimizer, "lr": r.lr,
                             "batch_size": r.batch_size, "epochs": r.epochs})
        try:
            added += insert_row(store, row, _epochs_of(r.checkpoint))
        except StoreError as e:
            return f"The old run history {index} could not be moved into the database ({e})."
    try:
        if os.path.lexists(index):
            os.replace(index, index.with_name(INDEX + ".migrated"))
    except OSError as e:
        return f"The old run history {index} was copied but could not be renamed ({e.strerror})."
    import logging
    logging.getLogger("traindesk").info("moved %d runs from %s into %s", added, index, store.path)
    return problem


@mending
def insert_row(store, row: RunRow, epochs: list[dict] = ()) -> bool:
    """Add a finished run recorded elsewhere (the old runs.json); False if its id is taken."""
    with store._tx() as con:
        cur = con.execute(
            "INSERT OR IGNORE INTO runs (id, model, model_name, status, config, device, started, "
            "ended, checkpoint, final_loss, final_acc, training_time, epochs_done, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.run_id, row.model_id, row.model_name, row.status, json.dumps(row.config),
             row.device, row.started, row.ended, row.checkpoint, finite_or_none(row.model_loss),
             finite_or_none(row.model_acc), row.training_time, row.epochs, row.source))
        if cur.rowcount:
            for e in epochs:
                con.execute("INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (row.run_id, e["epoch"], *(finite_or_none(e.get(k)) for k in
                             ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "lr"))))
        return bool(cur.rowcount)


def _parse(created: str) -> float:
    try:
        return float(time.mktime(time.strptime(created, "%Y-%m-%d %H:%M:%S")))
    except (ValueError, OverflowError):
        return 0.0


def _epochs_of(checkpoint: Optional[str]) -> list[dict]:
    """The per-epoch figures the checkpoint's metadata kept; none if it is gone or not ours."""
    if not checkpoint:
        return []
    from core.checkpoint import CheckpointError, read_meta
    try:
        meta = read_meta(Path(checkpoint))
    except CheckpointError:
        return []
    rows = meta.get("history")
    if not isinstance(rows, list):
        return []
    keys = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
    good = []
    for h in rows:
        if isinstance(h, dict) and isinstance(h.get("epoch"), int) and not isinstance(h.get("epoch"), bool):
            good.append({k: h.get(k) if isinstance(h.get(k), (int, float)) else None for k in keys})
    return good
