"""Runs whose process is gone, and what they are recorded as. A run still "running" in the history
whose process died is marked `interrupted`, unless its own folder says how it ended: a process
killed between writing the metrics' end line and the history's last write (a second signal, a
power cut) ended all the same, with the status, figures and checkpoint that line names. An
interrupted run keeps the time its finished epochs took, not 0 s.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Optional

from core.runs.folder import METRICS
from core.runs.processes import SEES_PROCESSES, run_process_alive
from core.runs.row import STATUSES, finite_or_none, is_number

OTHER_HOST_STALE_S = 3600  # a run on another machine (a shared home) that has not beaten for this long
TAIL = 1 << 16  # an end line is well under this; the metrics file may be hundreds of MB


def gone(rows, host: str, sees_processes: bool = SEES_PROCESSES) -> list[str]:
    """The ids of the `running` rows (id, host, pid, pid_start, heartbeat) whose process is gone."""
    now = time.time()
    dead = []
    for r in rows:
        if r["host"] == host and sees_processes:
            alive = is_number(r["pid"], integer=True) and run_process_alive(r["pid"], r["pid_start"])
        else:  # another machine sharing this folder, or Windows: only a long silence tells
            alive = is_number(r["heartbeat"]) and now - r["heartbeat"] <= OTHER_HOST_STALE_S
        if not alive:
            dead.append(r["id"])
    return dead


def end_of(folder) -> Optional[dict]:
    """The run's end as its folder's metrics.jsonl says it, when its last line is an end line
    (a run trained on after an end is not ended); checked, since the file may be anything."""
    if not isinstance(folder, str) or not folder:
        return None
    try:
        with open(Path(folder) / METRICS, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - TAIL))
            tail = f.read(TAIL)
    except OSError:
        return None
    lines = [ln for ln in tail.split(b"\n")[1 if size > TAIL else 0:] if ln.strip()]
    if not lines or not tail.endswith(b"\n"):
        return None  # empty, or the last line is half-written: the writer died mid-line
    try:
        end = json.loads(lines[-1].decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(end, dict) or end.get("kind") != "end" \
            or end.get("status") not in STATUSES or end.get("status") == "running":
        return None
    text = lambda k: end.get(k) if isinstance(end.get(k), str) else None  # noqa: E731
    epochs = end.get("epochs")
    seconds = finite_or_none(end.get("training_time"))
    return {"status": end["status"], "final_loss": finite_or_none(end.get("model_loss")),
            "final_acc": _percent(end.get("model_acc")),
            "training_time": seconds if seconds is not None and seconds >= 0 else None,
            "epochs_done": epochs if is_number(epochs, integer=True) and epochs >= 0 else None,
            "checkpoint": text("checkpoint"), "error": text("error"),
            "ended": finite_or_none(end.get("time"))}


def _percent(v) -> Optional[float]:
    v = finite_or_none(v)
    return v if v is not None and 0 <= v <= 100 else None


def record_gone(con, run_ids: list[str]) -> None:
    """Record runs whose process is gone (inside the caller's write transaction)."""
    for run_id in run_ids:
        r = con.execute("SELECT folder FROM runs WHERE id=? AND status='running'", (run_id,)).fetchone()
        if r is None:
            continue
        end = end_of(r["folder"])
        if end is not None:
            con.execute("UPDATE runs SET status=?, final_loss=COALESCE(?, final_loss), "
                        "final_acc=COALESCE(?, final_acc), training_time=COALESCE(?, training_time), "
                        "epochs_done=COALESCE(?, epochs_done), checkpoint=COALESCE(?, checkpoint), "
                        "error=?, ended=COALESCE(?, ended, heartbeat) WHERE id=?",
                        (end["status"], end["final_loss"], end["final_acc"], end["training_time"],
                         end["epochs_done"], end["checkpoint"], end["error"], end["ended"], run_id))
            continue
        con.execute("UPDATE runs SET status='interrupted', ended=COALESCE(ended, heartbeat), "
                    "training_time=CASE WHEN training_time > 0 THEN training_time ELSE "
                    "(SELECT COALESCE(SUM(seconds), 0) FROM epochs WHERE run_id=runs.id "
                    "AND seconds >= 0) END WHERE id=?", (run_id,))
