"""A checkpoint is called saved only when the bytes on disk are the ones reported. `main.py train`
whose --out becomes read-only after epoch 1 (a remounted tmpfs: CI runs as root) ends `failed`,
exit 1, with no "Saved", and names the checkpoint that is on disk with that file's own epoch and
accuracy; a run whose folder is removed while it trains does not make it again."""
import json
import shutil
import subprocess
import time

from core import checkpoint
from main_process import Running, history, log_text, main_py, mount_tmpfs, need_root, unmount


def _remount_read_only(folder):
    for _ in range(50):  # EBUSY while a checkpoint's temporary file is open: a moment later
        if subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"could not remount {folder} read-only")


def test_a_checkpoint_that_cannot_be_written_is_never_called_saved(tmp_path):
    need_root("remounting a tmpfs read-only")
    home, out = tmp_path / "home", tmp_path / "usb"
    mount_tmpfs(out, "64m")
    try:
        _read_only_after_epoch_1(home, out)
    finally:
        unmount(out)


def _read_only_after_epoch_1(home, out):
    run = Running(["train", "--model", "fashion-v0", "--epochs", "3", "--out", str(out)], home)
    assert run.epoch_line()["epoch"] == 1  # written before its line: on disk
    _remount_read_only(out)
    code, lines, err = run.finish()
    result = lines[-1]["result"]
    assert code == 1, err
    assert "Saved" not in err and "Not saved: Could not write the checkpoint" in err
    assert result["status"] == "failed" and "Read-only file system" in result["error"]
    # What the result names is what the file holds: its own epoch and accuracy.
    meta = checkpoint.read_meta(result["checkpoint"])
    assert result["checkpoint_epoch"] == meta["metrics"]["epochs"] < 3
    assert result["checkpoint_acc"] == meta["metrics"]["model_acc"] == result["model_acc"]
    assert f"from epoch {result['checkpoint_epoch']}" in result["error"]
    assert result["checkpoint"] in result["error"]
    row = history(home)[result["run_id"]]
    assert row["status"] == "failed" and row["error"] == result["error"]
    assert row["checkpoint"] == result["checkpoint"] and row["test_acc"] == result["checkpoint_acc"]
    # `evaluate` agrees with the figure reported for the file.
    ev = main_py(["evaluate", "--checkpoint", result["checkpoint"]], home)
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout.splitlines()[-1])["model_acc"] == result["checkpoint_acc"]
    # The warnings on stderr are in the log file too.
    assert "Could not write the checkpoint" in log_text(home)


def test_a_run_whose_folder_is_removed_does_not_make_it_again(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    run = Running(["train", "--model", "fashion-v0", "--epochs", "2", "--out", str(out)], home)
    run.epoch_line()
    (folder,) = out.iterdir()
    shutil.rmtree(folder)  # by hand, or by a TrainDesk that did not know the run was training
    code, lines, err = run.finish()
    result = lines[-1]["result"]
    assert code == 1 and result["status"] == "failed", err
    assert "folder is gone" in result["error"] and "Saved" not in err
    assert not folder.exists() and list(out.iterdir()) == []
    row = history(home)[result["run_id"]]
    assert row["status"] == "failed" and "folder is gone" in row["error"]


def test_the_windows_path_reports_no_checkpoint_saved_after_a_failed_write(tmp_path):
    """The window keeps its runs through the same RecordedRun: after a failed write its result
    names no checkpoint (so the worker says no "Saved"), and the history and the result's
    extra name the one on disk."""
    need_root("remounting a tmpfs read-only")
    from core.config import EpochResult, TrainConfig
    from core.runs.recorded import RecordedRun
    from core.runs.store import RunStore
    from core.train.trainer import Trainer

    out, said = tmp_path / "disk", []
    mount_tmpfs(out, "16m")
    try:
        store = RunStore(tmp_path / "runs.sqlite", migrate=False)
        run = RecordedRun(Trainer(TrainConfig(model="circles-v0", epochs=50, threads=1)), out,
                          "window", store=store, log=said.append)
        for ev in run.events():
            if isinstance(ev, EpochResult) and ev.epoch == 1:
                _remount_read_only(out)
        result = run.finish()
        kept = result.extra["checkpoint_on_disk"]
        assert result.checkpoint is None and result.status == "failed" and kept["epoch"] == 1
        assert checkpoint.read_meta(kept["path"])["metrics"]["epochs"] == 1
        row = store.get(run.run_id)
        assert row.status == "failed" and row.checkpoint == kept["path"] and row.error == result.error
        assert any("Could not write the checkpoint" in line for line in said)
    finally:
        unmount(out)
