"""The run history on a full disk (a small tmpfs filled up; CI runs as root): `runs` and
`runs --json` still list every run (read-only, with one line saying why), `runs --delete` fails in
one clear line and removes nothing."""
import json
import subprocess

from main_process import main_py, mount_tmpfs, need_root, unmount


def test_a_full_disk_leaves_the_history_readable(tmp_path):
    need_root("filling a small tmpfs")
    home = tmp_path / "home"
    mount_tmpfs(home, "4m")
    try:
        trained = main_py(["train", "--model", "circles-v0", "--epochs", "20",
                           "--out", str(tmp_path / "runs")], home)
        assert trained.returncode == 0, trained.stderr
        run_id = json.loads(trained.stdout.splitlines()[-1])["result"]["run_id"]
        subprocess.run(["dd", "if=/dev/zero", f"of={home / 'filler'}", "bs=64k"], capture_output=True)
        table = main_py(["runs"], home)
        assert table.returncode == 0 and run_id in table.stdout
        assert table.stderr.strip().splitlines() == [table.stderr.strip()]  # one line
        assert "cannot be written (its disk is full" in table.stderr and "read-only" in table.stderr
        listed = main_py(["runs", "--json"], home)
        assert listed.returncode == 0
        (row,) = json.loads(listed.stdout)
        assert row["id"] == run_id and row["status"] == "finished" and len(row["epochs"]) == 20
        refused = main_py(["runs", "--delete", run_id], home)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.startswith("error: the run history ") and "cannot be written" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
        (home / "filler").unlink()  # space again: the same history is written as before
        assert main_py(["runs", "--delete", run_id], home).returncode == 0
        assert json.loads(main_py(["runs", "--json"], home).stdout) == []
    finally:
        unmount(home)
