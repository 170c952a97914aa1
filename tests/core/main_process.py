"""`main.py` as a real process for the tests of what it reports: started with a private data home,
its stdout read line by line, its run history read back with `main.py runs --json`."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def env_for(home: Path) -> dict:
    return {**os.environ, "TRAINDESK_DATA_HOME": str(home), "PYTHONUNBUFFERED": "1"}


def default_signals():
    """Popen's preexec_fn: the child takes signals as a process started from a terminal does. A
    test runner started in the background (a non-interactive shell's `&`) passes SIGINT on ignored,
    and a child that keeps ignoring it cannot be tested for Ctrl+C."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


class Running:
    """A `main.py` command running in the background; `line()` waits for its next stdout line."""

    def __init__(self, args, home: Path):
        self.proc = subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=env_for(home),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=default_signals)
        self.lines: queue.Queue = queue.Queue()
        self.out: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def line(self, timeout: float = 180) -> dict:
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"ended early: {self.proc.wait()} {self.proc.stderr.read()}"
        return json.loads(line)

    def epoch_line(self, timeout: float = 180) -> dict:
        while True:
            obj = self.line(timeout)
            if "epoch" in obj:
                return obj

    def finish(self, timeout: float = 300):
        """(exit code, the JSON lines it printed, its stderr)."""
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            self.proc.kill()
        self._reader.join(10)
        return code, [json.loads(x) for x in self.out if x.strip()], self.proc.stderr.read()


def main_py(args, home: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env_for(home),
                          capture_output=True, text=True, timeout=300, **kw)


def history(home: Path) -> dict:
    """The run history as `main.py runs --json` gives it, by run id."""
    p = main_py(["runs", "--json"], home)
    assert p.returncode == 0, p.stderr
    return {r["id"]: r for r in json.loads(p.stdout)}


def metrics_end(folder) -> dict:
    """The end line of a run folder's metrics.jsonl (the last line must be one)."""
    lines = (Path(folder) / "metrics.jsonl").read_text().splitlines()
    end = json.loads(lines[-1])
    assert end["kind"] == "end", lines[-3:]
    return end


def log_text(home: Path) -> str:
    path = home / "logs" / "traindesk.log"
    return path.read_text(errors="replace") if path.exists() else ""


def need_root(what: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"{what} needs root (mount); CI runs as root")


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                       capture_output=True, text=True)
    if p.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)
