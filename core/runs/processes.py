"""Is the process that wrote a run still there? The run history marks a run "interrupted" when
not, so a killed process never leaves a run "running" forever."""
from __future__ import annotations

import os
import sys
from typing import Optional

# Whether a pid can be asked about safely: on Windows os.kill(pid, 0) ends the process (it calls
# TerminateProcess), so there a run's liveness is judged by its heartbeat alone (core/runs/store.py).
SEES_PROCESSES = sys.platform != "win32"


def process_start(pid: int) -> Optional[str]:
    """When process `pid` started (clock ticks since boot, Linux), so a reused pid is not mistaken
    for the run's own process; None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def run_process_alive(pid: int, started: Optional[str]) -> bool:
    """Is the process that recorded a run (pid, and its start time when known) still running?
    Only where SEES_PROCESSES."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    except (OSError, OverflowError):  # OverflowError: a pid no process can have (a hand edit)
        return False
    now = process_start(pid)
    return started is None or now is None or now == started
