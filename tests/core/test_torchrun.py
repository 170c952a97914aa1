"""`main.py train` under torchrun: 2 real processes on 127.0.0.1 (gloo) train one model together;
the all-reduced test figures equal a single-process evaluation of the saved weights, only rank 0
prints and records, and a rank that dies stops the job instead of leaving it hanging."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from core import checkpoint
from core.evaluation.evaluate import fashion_logits
from core.runs.store import RunStore

ROOT = Path(__file__).resolve().parents[2]


def _torchrun(tmp_path, *train_args, nproc=2):
    env = dict(os.environ, TRAINDESK_DATA_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node",
           str(nproc), "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
           str(ROOT / "main.py"), "train", "--out", str(tmp_path / "runs"), *train_args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_train_one_model_and_agree_with_one_process(tmp_path, fashion):
    proc = _torchrun(tmp_path, "--model", "fashion-v0", "--epochs", "1", "--batch-size", "64")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()[-3000:]
    lines = [json.loads(line) for line in out.decode().splitlines()]
    # one JSON stream, from rank 0 only: one epoch line and one result
    assert [list(line)[0] for line in lines] == ["epoch", "result"]
    epoch, result = lines[0], lines[1]["result"]
    ckpt = checkpoint.load(result["checkpoint"])
    logits = fashion_logits(ckpt.model, fashion.test_x, torch.device("cpu"))
    loss = torch.nn.functional.cross_entropy(logits, fashion.test_y).item()
    acc = 100.0 * (logits.argmax(1) == fashion.test_y).sum().item() / len(fashion.test_y)
    assert epoch["test_acc"] == pytest.approx(acc, abs=1e-9)
    assert epoch["test_loss"] == pytest.approx(loss, rel=1e-5)
    assert epoch["train_acc"] > 70
    (row,) = RunStore(tmp_path / "home" / "runs" / "runs.sqlite").runs()
    assert row.world_size == 2 and row.status == "finished" and row.run_id == result["run_id"]
    assert len(list((tmp_path / "runs").iterdir())) == 1  # one run folder: rank 1 saved nothing


def test_a_rank_that_dies_stops_the_job(tmp_path):
    proc = _torchrun(tmp_path, "--model", "fashion-v2", "--epochs", "20", "--threads", "1")
    try:
        deadline = time.time() + 300
        workers = []
        while time.time() < deadline and len(workers) < 2:
            time.sleep(1)
            workers = _children_running_main(proc.pid)
        assert len(workers) == 2, "the two ranks never started"
        time.sleep(15)  # into the training loop
        os.kill(max(workers), signal.SIGKILL)
        proc.wait(timeout=240)  # ends: the agent or the other rank's failed collective stops it
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("the torchrun job kept running after one rank died")
    assert proc.returncode != 0


def _children_running_main(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"main.py" in cmdline:
            found.append(int(entry.name))
    return found
