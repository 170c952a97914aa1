"""`main.py train … | head -n 1`: the reader of stdout goes away after one line. The run trains on
to its end, is saved, and is recorded as finished with its time and the metrics' end line; exit 0.
A closed stdout never skips the save or the history's last write."""
import subprocess
import sys

from core import checkpoint
from main_process import ROOT, env_for, history, log_text, metrics_end


def test_train_piped_into_head_records_the_truth(tmp_path):
    home, out = tmp_path / "home", tmp_path / "runs"
    # Thousands of epoch lines: far more than a pipe holds, so train surely writes after head left.
    line = (f"'{sys.executable}' main.py train --model circles-v0 --epochs 3000 --out '{out}' "
            f"2>'{tmp_path / 'stderr.txt'}' | head -n 1; echo \"${{PIPESTATUS[@]}}\"")
    p = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env_for(home), capture_output=True,
                       text=True, timeout=300)
    first, codes = p.stdout.splitlines()
    assert '"epoch": 1' in first
    assert codes == "0 0", (tmp_path / "stderr.txt").read_text()
    assert "stdout can no longer be written" in log_text(home)  # the pipe did break
    (row,) = history(home).values()
    assert row["status"] == "finished" and len(row["epochs"]) == 3000
    assert row["training_time"] > 0
    assert checkpoint.read_meta(row["checkpoint"])["metrics"]["epochs"] == 3000
    end = metrics_end(row["folder"])
    assert end["status"] == "finished" and end["epochs"] == 3000
    assert "Saved" in (tmp_path / "stderr.txt").read_text()
