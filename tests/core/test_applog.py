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
