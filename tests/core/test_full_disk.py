"""A disk that fills up while a checkpoint is written: one clear line, exit 1, the files already
there intact, no temporary file left. Needs a real small file system: a 64 KB tmpfs, which only
root can mount (CI runs as root); elsewhere the test is skipped and says why."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                                            str(mount_point)], capture_output=True).returncode:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True)


def test_a_full_disk_while_saving_says_so_and_keeps_what_was_there(tiny_disk, tmp_path):
    previous = tiny_disk / "earlier-run.safetensors"
    previous.write_bytes(b"an earlier checkpoint")
    (tiny_disk / "filler").write_bytes(b"\0" * 52 * 1024)  # leaves less than a checkpoint needs
    env = dict(os.environ, TRAINDESK_DATA_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--model", "fashion-v0",
                          "--epochs", "1", "--out", str(tiny_disk)], env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 1
    assert "could not write the checkpoint" in out.stderr.lower() and "No space left" in out.stderr
    assert "Saved" not in out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])["result"]
    assert result["status"] == "failed" and "no checkpoint of this run is on disk" in result["error"]
    assert result["checkpoint"] is None and result["model_acc"] > 70  # the figures still reported
    assert previous.read_bytes() == b"an earlier checkpoint"
    # Besides what was there, only the run's own folder: what the run was, no checkpoint, no
    # temporary file
    new = sorted(set(p.name for p in tiny_disk.iterdir()) - {"earlier-run.safetensors", "filler"})
    assert new == [result["run_id"]]
    assert {p.name for p in (tiny_disk / new[0]).iterdir()} <= {"run.json", "metrics.jsonl"}
