"""What is written about a run beside its figures: the name and note the user gives it, and the
diagnoses its training found (core/train/diagnoses.py: [{"code", "says", "evidence", "try"}]),
kept as JSON in the run's row so the Runs tab shows them after a restart. Mixed into RunStore."""
from __future__ import annotations

import json

from core.runs.schema import StoreError, mending

MAX_DIAGNOSES = 20   # a run has seven kinds of finding; more is a damaged or crafted list
MAX_TEXT = 2_000     # characters in one field of a finding


class RunAnnotations:
    @mending
    def rename(self, run_id: str, name: str) -> None:
        with self._tx() as con:
            con.execute("UPDATE runs SET name=? WHERE id=?", (name.strip()[:200], run_id))

    @mending
    def set_note(self, run_id: str, note: str) -> None:
        with self._tx() as con:
            con.execute("UPDATE runs SET note=? WHERE id=?", (note[:10_000], run_id))

    @mending
    def set_diagnoses(self, run_id: str, diagnoses: list[dict]) -> None:
        kept = checked_diagnoses(diagnoses)
        with self._tx() as con:
            con.execute("UPDATE runs SET diagnoses=? WHERE id=?", (json.dumps(kept), run_id))


def keep_diagnoses(run, diagnoses: list) -> None:
    """A kept run's findings (core/runs/recorded.py's RecordedRun, after finish()) into its row;
    a history that cannot take them is said, never fatal."""
    if run.store is not None and diagnoses:
        try:
            run.store.set_diagnoses(run.run_id, diagnoses)
        except StoreError as e:
            run.log(f"The run history missed the run's diagnoses: {e}")


def checked_diagnoses(value) -> list[dict]:
    """The findings as written, or as read back from a row: a list of dicts of text, each field
    cut to MAX_TEXT; anything else in it (a hand-edited or damaged value) is left out."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return []
    if not isinstance(value, list):
        return []
    kept = []
    for d in value[:MAX_DIAGNOSES]:
        if isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("code", "says")):
            kept.append({k: d[k][:MAX_TEXT] for k in ("code", "says", "evidence", "try")
                         if isinstance(d.get(k), str)})
    return kept
