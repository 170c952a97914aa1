"""SIGTERM, SIGHUP and Ctrl+C stop `main.py train` like the Stop button: the batch finishes, the
checkpoint is written, the result line comes out, and the exit code names the signal."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core import checkpoint
from core.cli.common import StopOnSignal as _StopOnSignal
from core.train.trainer import Control
from main_process import default_signals

ROOT = Path(__file__).resolve().parents[2]


def _train_then_signal(tmp_path, sig, *args):
    env = {**os.environ, "TRAINDESK_DATA_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "main.py", "train", *args, "--out", str(tmp_path / "runs")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=default_signals)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        first = json.loads(lines.get(timeout=120))  # the first epoch's line: training is under way
        assert "epoch" in first
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    reader.join(10)
    out = [json.loads(line) for line in list(lines.queue)]
    return code, out, proc.stderr.read()


def test_sigterm_saves_and_exits_143(tmp_path):
    code, out, err = _train_then_signal(tmp_path, signal.SIGTERM, "--model", "fashion-v0", "--epochs", "3")
    assert code == 143, err
    result = out[-1]["result"]
    assert result["status"] == "stopped" and 1 <= result["epochs"] < 3
    ckpt = checkpoint.load(result["checkpoint"])
    assert ckpt.meta["model_id"] == "fashion-v0" and len(ckpt.meta["history"]) == result["epochs"]
    assert "SIGTERM: stopped after the current batch" in err and "Traceback" not in err


@pytest.mark.parametrize("sig, code", [(signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_sighup_and_ctrl_c(tmp_path, sig, code):
    got, out, err = _train_then_signal(tmp_path, sig, "--model", "circles-v0", "--epochs", "10000000")
    assert got == code, err
    result = out[-1]["result"]
    assert result["status"] == "stopped" and Path(result["checkpoint"]).is_file()


def test_handlers_are_restored_and_a_burst_of_signals_is_one_stop():
    outer = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        control = Control()
        with _StopOnSignal(control) as handler:
            assert signal.getsignal(signal.SIGHUP) == handler._handle
            handler._handle(signal.SIGHUP, None)  # what the first SIGHUP runs
            assert control.stopped and handler.signum == signal.SIGHUP
            handler._handle(signal.SIGTERM, None)  # the same burst (a dying parent's threads)
            assert handler.signum == signal.SIGHUP and signal.getsignal(signal.SIGTERM) == handler._handle
        # (a signal seconds later ends the process at once: tests/core/test_sweep_kill.py)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL
        # Under nohup SIGHUP is ignored on purpose: train leaves it so.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        with _StopOnSignal(Control()):
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, outer)
