"""A sweep's runs survive the sweep's death. `kill -9` of a sweep training two runs at once: each
run gets the parent-death SIGTERM once per exiting thread of the sweep and finds its pipes broken,
yet stops cleanly, saves, and is recorded as what it is. A burst of signals is one stop; a signal
seconds later still ends a process at once."""
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core import checkpoint
from core.cli.common import BURST_S
from main_process import ROOT, Running, default_signals, history, metrics_end


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def _gone(pid: int) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]
    except (OSError, IndexError):
        return True


def _mid_epoch_2(out: Path) -> int:
    """How many run folders have finished an epoch and are training the next one."""
    ready = 0
    for f in out.glob("*/metrics.jsonl"):
        kinds = [json.loads(x).get("kind") for x in f.read_text().splitlines() if x.endswith("}")]
        ready += "epoch" in kinds and kinds[-1] == "batch"
    return ready


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_sigkill_of_a_sweep_keeps_both_runs(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    sweep = Running(["sweep", "--model", "fashion-v0", "--lr", "0.05,0.1", "--epochs", "3",
                     "--parallel", "2", "--out", str(out)], home)
    deadline = time.monotonic() + 300
    while _mid_epoch_2(out) < 2:
        assert time.monotonic() < deadline and sweep.proc.poll() is None, sweep.proc.stderr.read()
        time.sleep(0.1)
    kids = _children(sweep.proc.pid)
    assert len(kids) == 2
    sweep.proc.kill()
    sweep.finish()
    deadline = time.monotonic() + 120
    while not all(_gone(k) for k in kids):
        assert time.monotonic() < deadline, "a run outlived its sweep by two minutes"
        time.sleep(0.05)
    rows = history(home)
    assert len(rows) == 2
    for row in rows.values():
        # Stopped by the signal mid-epoch (or finished, had it come at the very end): never
        # "interrupted", and the time and epochs it trained are kept.
        assert row["status"] in ("stopped", "finished"), row
        assert row["training_time"] > 0 and len(row["epochs"]) >= 1
        meta = checkpoint.read_meta(row["checkpoint"])
        assert meta["metrics"]["epochs"] == len(row["epochs"])
        end = metrics_end(row["folder"])
        assert end["status"] == row["status"] and end["checkpoint"] == row["checkpoint"]


_WAITER = textwrap.dedent("""
    import time
    from core.cli.common import StopOnSignal
    from core.train.control import Control
    control = Control()
    with StopOnSignal(control) as signals:
        print("ready", flush=True)
        while not control.stopped:
            time.sleep(0.01)
        print("stopping", signals.signum, flush=True)
        time.sleep(60)  # a long save: a person who asks again should not have to wait
    """)


def test_a_burst_of_signals_is_one_stop_and_a_later_one_quits_at_once():
    proc = subprocess.Popen([sys.executable, "-c", _WAITER], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, preexec_fn=default_signals)
    try:
        assert proc.stdout.readline() == "ready\n"
        for _ in range(5):  # as a dying sweep's threads send it
            proc.send_signal(signal.SIGTERM)
        assert proc.stdout.readline() == f"stopping {int(signal.SIGTERM)}\n"
        time.sleep(BURST_S + 0.5)
        assert proc.poll() is None  # the burst stopped it once, it did not kill it
        proc.send_signal(signal.SIGINT)  # asked again, deliberately
        assert proc.wait(timeout=30) == -signal.SIGINT
    finally:
        proc.kill()
        proc.wait()
