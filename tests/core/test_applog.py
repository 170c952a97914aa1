"""The log file takes any message: a path whose name is not UTF-8 is written with its odd bytes
escaped, not dropped with a 'Logging error' traceback on stderr."""
import os

from core import applog


def test_a_name_that_is_not_utf8_reaches_the_log_file(capsys):
    path = applog.setup("test")
    assert path is not None
    odd = os.fsdecode(b"/photos/caf\xe9/1.png")
    applog.get().warning("left out %s", odd)
    for handler in applog.get().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "left out /photos/caf\\udce9/1.png" in text
    assert "Logging error" not in capsys.readouterr().err


def test_python_warnings_reach_the_log_file_and_still_show(tmp_path):
    """In a process of its own: pytest records warnings itself."""
    import subprocess
    import sys
    from pathlib import Path
    code = ("import warnings; from core import applog; p = applog.setup('x'); applog.setup('x'); "
            "warnings.warn('a deprecated torch call', FutureWarning); print(p)")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "TRAINDESK_DATA_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "FutureWarning: a deprecated torch call" in done.stderr  # still shown where it was
    log = Path(done.stdout.strip()).read_text(encoding="utf-8")
    assert log.count("FutureWarning: a deprecated torch call") == 1  # and kept, once
