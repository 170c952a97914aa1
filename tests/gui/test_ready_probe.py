"""The ready probe (TRAINDESK_READY_PROBE, packaging/smoke.sh's check of a build) in a real
process: it waits for the data whatever the message bar says. A note shown before the data was in
(here a damaged run history, said at once) made it report data=none and close early."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _probe(tmp_path, settings: str = ""):
    home = tmp_path / "home"
    (home / "runs").mkdir(parents=True)
    (home / "runs" / "runs.sqlite").write_bytes(b"not a database, " * 300)  # damaged: a note
    (tmp_path / "settings.ini").write_text(settings)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TRAINDESK_DATA_HOME=str(home),
               TRAINDESK_SETTINGS=str(tmp_path / "settings.ini"), TRAINDESK_READY_PROBE="1")
    out = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith(("ready ", "not-ready "))), "")
    log = (home / "logs" / "traindesk.log").read_text()
    return out, line, log


def test_a_note_before_the_data_does_not_end_the_wait(tmp_path):
    out, line, log = _probe(tmp_path)
    assert out.returncode == 0, out.stderr
    assert "run history" in log and "could not be read" in log  # the note was shown first
    assert line.startswith("ready ") and "tabs=4" in line
    assert "data=none" not in line and "fashion-mnist" in line.lower(), line


def test_data_that_is_not_there_is_still_reported_as_none(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = '[experiment]\nconfig="{\\"data_dir\\": \\"%s\\"}"\n' % empty.as_posix()
    out, line, log = _probe(tmp_path, settings)
    assert out.returncode == 0, out.stderr
    assert line.startswith("ready ") and line.endswith("data=none"), line
    assert "Fashion-MNIST" in log
