"""Supervising a sweep's processes: `SweepRun` starts the plan's `main.py train` processes, at most
`plan.parallel` at once, reads each one's JSON result line, reports each finished run, and returns
the summary. A run that fails (diverges, crashes) is reported and never stops the others.
The runs come from a source: `PlanRuns`, the plan's fixed list (grid or random sample), or an Optuna
study's trials (core/sweep/study.py), which also hears each run's epoch lines and may prune a run.
`SweepRun.stop()` (a signal handler may call it: it only sets a flag) stops the sweep: no new run
starts and each running one is sent SIGTERM, which makes `train` finish its batch, save and report,
as its own Ctrl+C does. If the sweep process dies outright, the kernel sends its runs SIGTERM.
"""
from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from core.sweep.plan import SWEPT, Plan, best_run, describe, finite_number, train_argv

STOP_WAIT_S = 60.0  # after a stop, how long a run may take to save before it is killed


# -- running ---------------------------------------------------------------------------------------
def _parent_death_signal() -> Optional[Callable[[], None]]:
    """Linux: a function for Popen's preexec_fn that makes the run get SIGTERM (and so stop and
    save) if the sweep process dies outright. Looked up here, in the parent: the child between fork
    and exec must not import anything (another thread may hold the import lock)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    term = int(signal.SIGTERM)
    return lambda: prctl(1, term)  # 1: PR_SET_PDEATHSIG


class PlanRuns:
    """The runs of a plan's fixed list, in order. A source of runs for SweepRun: `take()` the next
    (index, values, extra train arguments) or None; `epoch()` hears a run's epoch line and says
    whether to prune it; `ended()` hears its end (and may add to its entry)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.total = len(plan.runs)
        self.pending = collections.deque(range(self.total))

    def more(self) -> bool:
        return bool(self.pending)

    def take(self) -> Optional[tuple[int, dict, list[str]]]:
        if not self.pending:
            return None
        i = self.pending.popleft()
        return i, self.plan.runs[i], []

    def not_started(self) -> list[tuple[int, dict]]:
        return [(i, self.plan.runs[i]) for i in self.pending]

    def epoch(self, child: "Child", line: dict) -> bool:
        return False

    def ended(self, child: "Child", entry: dict) -> None:
        pass


@dataclass
class Child:
    index: int                # 0-based place in the plan (or in this process's trials)
    values: dict
    proc: subprocess.Popen
    started: float
    result: Optional[dict] = None
    epochs: int = 0
    pruned: bool = False      # the source asked for it to stop early
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=20))
    readers: list = field(default_factory=list)


class SweepRun:
    """Runs a plan's processes, at most `plan.parallel` at once; `run()` returns the summary."""

    def __init__(self, plan: Plan, command: Optional[list[str]] = None,
                 emit: Callable[[dict], None] = lambda obj: None,
                 say: Callable[[str], None] = lambda msg: None, echo: bool = False,
                 env: Optional[dict] = None, source=None):
        from core.launcher import command as this_install
        self.plan = plan
        self.source = source or PlanRuns(plan)
        self.command = command or this_install()  # the bundle's executable, or python main.py
        self.emit, self.say, self.echo = emit, say, echo
        self.env = dict(os.environ if env is None else env)
        self.entries: dict[int, dict] = {}  # index -> the run's entry, once it ended
        self._stop_requested = False
        self._stopped_at: Optional[float] = None
        self._killed = False
        self._done: "queue.Queue[tuple[str, Child, Optional[dict]]]" = queue.Queue()
        self._death_signal = _parent_death_signal()

    def stop(self) -> None:
        """Start no more runs and stop those running (they save first). Only sets a flag, so a
        signal handler may call it; the loop in run() passes the stop on within a fraction of a second."""
        self._stop_requested = True

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def _start(self, index: int, values: dict, extra: list[str], slot: int) -> Child:
        env = dict(self.env)
        if self.plan.gpus:
            env["CUDA_VISIBLE_DEVICES"] = str(slot % self.plan.gpus)  # unused by Apple MPS
        kw = {}
        if os.name == "posix":
            # Its own process group: a Ctrl+C in the terminal reaches the sweep only, which passes
            # it on once (a second one at a run would end it without saving).
            kw["process_group"] = 0
            if self._death_signal is not None:
                kw["preexec_fn"] = self._death_signal
        proc = subprocess.Popen([*self.command, *train_argv(self.plan, values), *extra], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                errors="replace", bufsize=1, **kw)
        child = Child(index, values, proc, time.monotonic())
        out = threading.Thread(target=self._read_stdout, args=(child,), daemon=True)
        err = threading.Thread(target=self._read_stderr, args=(child,), daemon=True)
        child.readers = [out, err]
        err.start()
        out.start()
        return child

    def _read_stdout(self, child: Child) -> None:
        for line in child.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                if isinstance(obj.get("result"), dict):
                    child.result = obj["result"]
                elif "epoch" in obj:
                    child.epochs = obj["epoch"]
                    self._done.put(("epoch", child, obj))
        child.readers[1].join()  # stderr too: its last lines may say why a run failed
        child.proc.wait()
        self._done.put(("end", child, None))

    def _read_stderr(self, child: Child) -> None:
        for line in child.proc.stderr:
            line = line.rstrip("\r\n").split("\r")[-1]
            if line.strip():
                child.tail.append(line)
                if self.echo:
                    self.say(f"[{child.index + 1}/{self.source.total}] {line}")

    def _signal_all(self, running: dict, sig: int) -> None:
        for child in running.values():
            _signal(child, sig)

    def run(self) -> dict:
        plan = self.plan
        started = time.monotonic()
        source = self.source
        total = source.total
        self.emit({"plan": plan.to_json()})
        self.say(f"Sweep {plan.id}: {total} runs of {plan.model}, {plan.parallel} at a time "
                 f"({plan.why}), "
                 f"{_threads_text(plan.threads)} each; runs go in {plan.out}")
        running: dict[int, Child] = {}  # slot -> child
        done = 0
        while running or source.more() and not self._stop_requested:
            if self._stop_requested and self._stopped_at is None:
                self._stopped_at = time.monotonic()
                if running:
                    self.say(f"Stopping the sweep: {len(running)} running runs save and stop")
                self._signal_all(running, signal.SIGTERM)
            if self._stopped_at is not None and not self._killed \
                    and time.monotonic() - self._stopped_at > STOP_WAIT_S:
                self._killed = True
                for child in running.values():
                    child.proc.kill()
            while source.more() and len(running) < plan.parallel and not self._stop_requested:
                slot = min(set(range(plan.parallel)) - set(running))
                taken = source.take()
                if taken is None:  # a study with nothing left to try
                    break
                running[slot] = self._start(*taken, slot)
            try:
                kind, child, line = self._done.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == "epoch":
                if not child.pruned and not self._stop_requested and source.epoch(child, line):
                    child.pruned = True  # it finishes its batch, saves and stops, as on a stop
                    _signal(child, signal.SIGTERM)
                continue
            slot = next(s for s, c in running.items() if c is child)
            del running[slot]
            done += 1
            entry = self._entry(child)
            source.ended(child, entry)
            self.entries[child.index] = entry
            self.emit({"run": entry})
            self.say(f"{done}/{total} done: {describe(child.values)} -> {_outcome(entry)}")
        for i, values in source.not_started():  # stopped before they started
            self.entries[i] = {"index": i + 1, **values, "run_id": None,
                               "status": "not started", "model_acc": None, "model_loss": None,
                               "checkpoint": None}
        runs = [self.entries[i] for i in sorted(self.entries)]
        # A pruned run's figure is an early epoch's, a diverged run's its last good epoch's: the
        # best is a run that went the distance, when there is one.
        best = best_run([e for e in runs if e["status"] in ("finished", "stopped")]) or best_run(runs)
        failed = sum(1 for e in runs if e["status"] not in ("finished", "stopped", "pruned",
                                                             "not started"))
        summary = {"id": plan.id, "model": plan.model, "parallel": plan.parallel,
                   "threads": plan.threads, "out": plan.out, "seconds": round(time.monotonic() - started, 2),
                   "runs": runs, "best": best, "failed": failed, "stopped": self._stop_requested}
        if best is not None:
            figure = (f"{best['model_acc']:.2f}%" if finite_number(best.get("model_acc")) is not None
                      else f"test loss {best['model_loss']:.5f}")
            swept = {k: v for k, v in best.items() if k in SWEPT}
            self.say(f"Best: run {best['index']} ({describe(swept)}) "
                     f"{best['run_id']}: {figure}")
        if failed:
            self.say(f"{failed} of {total} runs failed")
        return summary

    def _entry(self, child: Child) -> dict:
        """One finished run for the summary: its swept values, result and exit code."""
        code = child.proc.returncode
        r = child.result or {}
        status = r.get("status") or ("stopped" if self._stop_requested and code != 0 else "failed")
        # Pruned only when the stop cut it short: a quick run may reach its last epoch before the
        # pruner's word does, and then it finished (its trial completes with its figure).
        if child.pruned and status == "stopped":
            status = "pruned"
        entry = {"index": child.index + 1, **child.values, "run_id": r.get("run_id"),
                 "status": status, "model_acc": finite_number(r.get("model_acc")),
                 "model_loss": finite_number(r.get("model_loss")), "epochs": r.get("epochs", child.epochs),
                 "checkpoint": r.get("checkpoint"), "best_checkpoint": r.get("best_checkpoint"),
                 "exit_code": code, "seconds": round(time.monotonic() - child.started, 2)}
        error = r.get("error")
        if error is None and status == "failed":
            # No result line: it never got going (bad data folder, a crash); its last words say why.
            lines = [ln for ln in child.tail if not ln.startswith("Traceback")]
            error = lines[-1] if lines else f"exited with code {code} and no message"
        if error:
            entry["error"] = error
        return entry


def _signal(child: Child, sig: int) -> None:
    if child.proc.returncode is None:
        try:
            if os.name == "posix":
                os.kill(child.proc.pid, sig)
            else:  # no signals to forward on Windows: the run ends without saving
                child.proc.terminate()
        except OSError:
            pass


def _outcome(entry: dict) -> str:
    acc, loss = finite_number(entry.get("model_acc")), finite_number(entry.get("model_loss"))
    figure = f"{acc:.1f}%" if acc is not None else f"test loss {loss:.4g}" if loss is not None else ""
    if entry["status"] == "finished":
        return figure
    why = entry.get("error", "")
    return f"{entry['status']}" + (f" ({figure})" if figure else "") + (f": {why}" if why else "")


def _threads_text(threads: int) -> str:
    return "CPU threads measured" if not threads else f"{threads} CPU thread" + "s" * (threads > 1)
