"""What the commands share: the failure they raise, how they speak (JSON on stdout, people's text
on stderr and in the log file, only rank 0 under torchrun, never failing on a closed stream), a setting's flag from its declaration, the TrainConfig the
flags ask for, the check that --out can be written, and how a stop signal stops a run."""
from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from core import applog
from core.config import WORKFLOWS, TrainConfig
from core.data.toy_settings import CirclesData, LineData
from core.settings_spec import GROUPS, Setting, settings_of


class Failure(Exception):
    """An expected failure: one clear line on stderr, exit code 1."""


# Under torchrun only rank 0 speaks: the other ranks train silently beside it.
SPEAKS = {"on": True}


def say(msg: str) -> None:
    """A line for people on stderr, also kept in the log file (where it still arrives when stderr
    is closed: a dead sweep's pipe, a terminal gone)."""
    if SPEAKS["on"]:
        applog.get().info("%s", msg)
        write_line("stderr", msg + "\n")


def warn(msg: str) -> None:
    """A warning: on stderr like `say`, and in the log file as a warning."""
    if SPEAKS["on"]:
        applog.get().warning("%s", msg)
        write_line("stderr", msg + "\n")


def show(msg: str) -> None:
    """A line on stderr only: for what is already in the log file (a kept run's own warnings)."""
    if SPEAKS["on"]:
        write_line("stderr", msg + "\n")


def emit(obj: dict) -> None:
    if SPEAKS["on"]:
        write_line("stdout", json.dumps(obj, allow_nan=False) + "\n")


# A stream whose reader has gone (`train | head -n 1`, a killed sweep) or whose terminal closed:
# writing to it must never end a run before it is saved and recorded, so from then on that
# stream goes to /dev/null (its descriptor too, so the interpreter's last flush cannot fail).
CLOSED: set = set()


def write_line(name: str, text: str) -> None:
    stream = getattr(sys, name)
    if stream is None or name in CLOSED:
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError) as e:  # EPIPE, EIO, ENOSPC; ValueError: a closed file object
        CLOSED.add(name)
        applog.get().warning("%s can no longer be written (%s): the command goes on, its lines "
                             "go to this log only", name, getattr(e, "strerror", None) or e)
        _to_devnull(stream)


def _to_devnull(stream) -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
        stream.flush()  # what was buffered goes nowhere, instead of failing again at exit
    except (OSError, ValueError):
        pass


def num(x):
    """JSON has no NaN: send null instead."""
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


# The toy data's flags (--line-*, --circles-*), from their declarations (core/data/toy_settings.py).
LINE_FLAGS = settings_of(LineData)
CIRCLES_FLAGS = settings_of(CirclesData)


def add_flag(parser, spec: Setting, unset_none: bool = False) -> None:
    """A setting's flag: its type, choices (the empty choice written "none"), default and help.
    A default that depends on the workflow or the model, or any default with `unset_none` (the toy
    data: `given`), is left as None ("not given") and filled in later; ranges are checked
    afterwards by TrainConfig.validate(), in one line that names the flag."""
    options = spec.options()
    kw = {"dest": spec.dest}
    unset = spec.varies or unset_none
    if spec.kind is bool:  # --flag / --no-flag
        kw.update(action=argparse.BooleanOptionalAction, default=None if unset else spec.default)
    elif options is not None:
        kw.update(choices=[spec.cli_text(o) for o in options],
                  default=None if unset else spec.cli_text(spec.default))
    else:
        kw.update(type=spec.kind, default=None if unset else spec.default)
    action = parser.add_argument(spec.flag, **kw)
    action.help = help_text(spec, options)  # set afterwards: some actions append their own default


def add_train_flags(parser) -> None:
    """Every training setting's flag in its help group, from its declaration in core/config.py,
    and the toy data's (`train`, `lr-find`)."""
    settings = settings_of(TrainConfig)
    for group in GROUPS:
        section = parser.add_argument_group(group)
        for spec in settings:
            if spec.group == group:
                add_flag(section, spec)
    toy = parser.add_argument_group("toy data (notebooks 01 and 02); unset values keep the seeds' "
                                    "defaults")
    for spec in (*LINE_FLAGS, *CIRCLES_FLAGS):  # declared in core/data/toy_settings.py
        add_flag(toy, spec, unset_none=True)
    parser.set_defaults(model=None)  # unset: the workflow's own (--image-folder: tinyvgg)


def help_text(spec: Setting, options) -> str:
    names = {task: name for task, name, _ in WORKFLOWS}
    shown = lambda v: spec.cli_text(v) if options is not None else f"{v}"  # noqa: E731
    if spec.per_workflow:  # the toy workflows as their --model names spell them
        default = ", ".join(f"{shown(spec.default_for(t))} ({'Fashion-MNIST' if t == 'fashion' else t})"
                            for t in names)
    elif spec.default is None:
        default = "automatic"
    else:
        default = shown(spec.default)
    for model, value in spec.per_model.items():  # a model's own recipe
        default += f"; {shown(value)} for {model}"
    if spec.from_data:
        default += "; " + " and ".join(names[t] for t in spec.from_data) + ": chosen from the data"
    notes = [spec.range_text()] if spec.range_text() else []
    notes.append(f"default: {default}")
    if spec.workflows is not None:
        notes.append(" and ".join(names[t] for t in spec.workflows) + " only")
    return f"{spec.help} [{'; '.join(notes)}]".replace("%", "%%")


def config_from_args(args, task: str, **rest) -> TrainConfig:
    """The TrainConfig the `train` flags ask for; the flags not given whose default depends on the
    workflow or the model take the model's own, else `task`'s."""
    values, from_data = {}, []
    model = getattr(args, "model", None)
    for spec in settings_of(TrainConfig):
        value = getattr(args, spec.name)
        values[spec.name] = spec.default_for(task, model) if value is None and spec.varies \
            else spec.from_cli(value)
        if value is None and spec.data_chooses(task) and model not in spec.per_model:
            from_data.append(spec.name)  # the trainer picks it once the data is read
    return TrainConfig(**values, **rest, from_data=tuple(from_data))


def given(args, specs) -> dict:
    """Only the toy-data values the user set ({name: value}), so the defaults stay with their
    declarations."""
    return {s.name: getattr(args, s.dest) for s in specs if getattr(args, s.dest) is not None}


def check_out(folder: Path) -> None:
    """Fail before any work if checkpoints cannot be written to `folder`: make it, write a probe."""
    if folder.exists() and not folder.is_dir():
        raise Failure(f"cannot save checkpoints in {folder}: it is a file, not a folder (choose "
                      "another --out)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".traindesk-probe-{os.getpid()}-{secrets.token_hex(3)}"
        with open(probe, "xb") as f:
            f.write(b"probe")
        probe.unlink()
    except OSError as e:
        raise Failure(f"cannot save checkpoints in {folder}: {e.strerror or e} (choose another "
                      "--out)") from e


# Stop signals for `train`, `sweep` and `replay`: the first one stops the run like the window's
# Stop button (finish the batch, save, report) and the exit code says which signal it was. Signals
# that arrive within BURST_S of it are the same event and change nothing: a dying parent's
# PR_SET_PDEATHSIG comes once per exiting thread, and a terminal's Ctrl+C reaches a whole process
# group. A signal that comes later is a person asking again: the process quits at once.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT")
                     if hasattr(signal, name))
BURST_S = 1.0


class StopOnSignal:
    def __init__(self, control):
        self.control, self.signum, self._old = control, None, {}
        self._first_at = 0.0

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # Python's rule for handlers
            for sig in STOP_SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:  # e.g. nohup: keep ignoring SIGHUP
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        # No printing here: the handler may interrupt a write to the same stream.
        now = time.monotonic()
        if self.signum is None:
            self.signum, self._first_at = signum, now
            self.control.stop()
            return
        if now - self._first_at < BURST_S:
            return  # the same stop, said again
        for sig in self._old:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), signum)  # the default action: the process ends at once

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def image_checkpoint(path: str, command: str):
    """Load a checkpoint that `command` can use: an image model (Fashion-MNIST or a folder's)."""
    from core import checkpoint, workflows

    ckpt = checkpoint.load(path)
    task = ckpt.meta.get("task")
    if task not in workflows.IMAGE_WORKFLOWS:
        raise Failure(f"{path} holds a {ckpt.meta.get('model_id')} model; "
                      f"{command} works on the image models")
    return ckpt
