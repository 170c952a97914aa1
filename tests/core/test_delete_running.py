"""`main.py runs --delete ID` refuses a run that is still training, in one line with its process,
as the window's Runs tab does; once the run has ended, the same delete removes it and its files,
and nothing makes them again."""
import signal

from main_process import Running, history, main_py


def test_a_running_run_cannot_be_deleted(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    # Trains until it is stopped: it is surely still training when the delete comes.
    run = Running(["train", "--model", "circles-v0", "--epochs", "10000000", "--out", str(out)], home)
    run.epoch_line()
    (folder,) = out.iterdir()
    refused = main_py(["runs", "--delete", folder.name], home)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip() == (f"error: run {folder.name} is still training (process "
                                      f"{run.proc.pid}): stop it first")
    assert (folder / "last.safetensors").is_file() and folder.name in history(home)
    run.proc.send_signal(signal.SIGTERM)
    code, lines, err = run.finish()
    assert code == 128 + signal.SIGTERM and lines[-1]["result"]["status"] == "stopped", err
    deleted = main_py(["runs", "--delete", folder.name], home)
    assert deleted.returncode == 0, deleted.stderr
    assert not folder.exists() and history(home) == {}
