"""A run that is a trial of an Optuna study (core/sweep/study.py): named after the study and the
trial's number, and marked "pruned" when the study stopped it early. `main.py train` records the
run as any other (the sweep starts it); the sweep adds this once the run has ended."""
from __future__ import annotations

from typing import Optional

from core.runs.store import RunStore


def tag_trial(run_id: str, name: str, pruned: bool, store: Optional[RunStore] = None) -> None:
    """StoreError (one line) when the history cannot be written."""
    store = store or RunStore()
    with store._tx() as con:  # one short write, as the store's own
        con.execute("UPDATE runs SET name=? WHERE id=? AND name=''", (name[:200], run_id))
        if pruned:  # stopped by the study (or pruned as its last epoch ended, the study's word)
            con.execute("UPDATE runs SET status='pruned' WHERE id=? AND status IN "
                        "('stopped', 'finished')", (run_id,))
