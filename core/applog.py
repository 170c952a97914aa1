"""TrainDesk's log file: what the window and the commands did, and every error, in a rotating file.

Started from an icon there is no terminal, so this file (and a dialog) is how a failure reaches the
person. Three files of 1 MB at most: enough for weeks of use, never a disk filler.
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
import warnings
from pathlib import Path
from typing import Optional

from core.paths import user_log_dir

LOGGER = "traindesk"
MAX_BYTES = 1_000_000
BACKUPS = 2
_handler: Optional[logging.Handler] = None


class _QuietFile(logging.handlers.RotatingFileHandler):
    """A log file that cannot take a line (its disk full, its folder gone) loses that line: it
    never prints logging's traceback into a command's stderr, which people and scripts read."""

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        global failed
        failed = True


failed = False  # a line could not be written to the log file


def log_file() -> Path:
    return user_log_dir() / "traindesk.log"


def setup(what: str) -> Optional[Path]:
    """Send the `traindesk` logger to the rotating file; returns its path, or None when the folder
    cannot be written (then logging goes nowhere: the app must still start)."""
    global _handler
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.INFO)
    path = log_file()
    if _handler is not None and Path(getattr(_handler, "baseFilename", "")) == path:
        _log_python_warnings()
        return path  # already set up (tests open many windows in one process)
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _QuietFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                             errors="backslashreplace")  # file names that are not UTF-8
    except OSError as e:
        print(f"TrainDesk: cannot write the log file {path}: {e}", file=sys.stderr or sys.__stderr__)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(message)s"))
    logger.addHandler(handler)
    _handler = handler
    _log_python_warnings()
    from core.version import __version__
    logger.info("TrainDesk %s %s started (Python %s, %s)", __version__, what,
                sys.version.split()[0], sys.platform)
    return path


def _log_python_warnings() -> None:
    """Python's warnings (torch's, numpy's...) are still shown where they always were, and kept
    in the log file too: a run started from an icon has no terminal to show them."""
    shown = warnings.showwarning
    if getattr(shown, "traindesk", False):
        return

    def show_and_log(message, category, filename, lineno, file=None, line=None):
        shown(message, category, filename, lineno, file, line)
        logging.getLogger(LOGGER).warning("%s: %s (%s:%s)", category.__name__, message,
                                          filename, lineno)
    show_and_log.traindesk = True
    warnings.showwarning = show_and_log


def get() -> logging.Logger:
    return logging.getLogger(LOGGER)
