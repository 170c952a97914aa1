"""Headless commands: the parser, and evaluate, predict, download-data, models, install-launcher
(train in core/cli_train.py; runs, export, sweep, replay in their own cli_ modules).
JSON on stdout, people's text on stderr, and errors also in the log file (core.applog)."""
from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from core import applog
from core.config import WORKFLOWS, TrainConfig
from core.models import MODELS
from core.settings_spec import GROUPS, Setting, settings_of
from core.version import __version__


class Failure(Exception):
    """An expected failure: one clear line on stderr, exit code 1."""


# Under torchrun only rank 0 speaks: the other ranks train silently beside it.
_SPEAKS = {"on": True}


def _say(msg: str) -> None:
    if _SPEAKS["on"]:
        print(msg, file=sys.stderr, flush=True)


def _emit(obj: dict) -> None:
    if _SPEAKS["on"]:
        print(json.dumps(obj, allow_nan=False), flush=True)


def _num(x):
    """JSON has no NaN: send null instead."""
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="main.py", description="TrainDesk: train, watch and probe "
                                "small PyTorch models. With no command, opens the window.")
    p.add_argument("--version", action="version", version=f"TrainDesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("train", help="train a model and save a checkpoint")
    settings = settings_of(TrainConfig)
    for group in GROUPS:  # every setting's flag, from its declaration in core/config.py
        section = t.add_argument_group(group)
        for spec in settings:
            if spec.group == group:
                add_flag(section, spec)
    toy = t.add_argument_group("toy data (notebooks 01 and 02); unset values keep the seeds' defaults")
    for flag, kind in LINE_FLAGS.items():
        toy.add_argument(f"--line-{flag.replace('_', '-')}", type=kind, dest=f"line_{flag}")
    for flag, (key, kind) in CIRCLES_FLAGS.items():
        toy.add_argument(f"--circles-{flag}", type=kind, dest=f"circles_{key}")
    t.set_defaults(model=None)  # unset: the workflow's own (--image-folder: tinyvgg), _model_of()
    t.add_argument("--out", default="runs", help="where the run's own folder goes, with its last and "
                   "best checkpoints (default: ./runs)")
    t.add_argument("--sweep", metavar="ID", help=argparse.SUPPRESS)  # set by `main.py sweep`
    t.add_argument("--resume", metavar="CHECKPOINT", help="continue the run saved in CHECKPOINT up to "
                   "--epochs epochs in all, exactly as if it had not stopped; the run's own settings "
                   "apply (--device, --threads and --data-dir may be changed)")
    e = sub.add_parser("evaluate", help="test a checkpoint on its test set (Fashion-MNIST's, or "
                       "its image folder's)")
    e.add_argument("--checkpoint", required=True)
    for spec in settings:
        if spec.name in ("data_dir", "device", "image_folder"):
            add_flag(e, spec)
    r = sub.add_parser("predict", help="classify image files with a checkpoint")
    r.add_argument("--checkpoint", required=True)
    r.add_argument("images", nargs="+", metavar="IMAGE")
    sub.add_parser("download-data", help="download Fashion-MNIST into the user data folder")
    sub.add_parser("models", help="list the models with their parameter counts")
    la = sub.add_parser("install-launcher", help="add TrainDesk (this install) to the applications "
                        "menu, with its icon; Linux desktops")
    la.add_argument("--uninstall", action="store_true",
                    help="remove exactly what install-launcher added")
    for module in _command_modules():
        module.add_parser(sub)
    return p


def _command_modules():
    """Commands that live in their own modules: each has add_parser(subparsers) and run(args) -> int,
    and names its subcommand in COMMAND. Their heavy imports (torch, onnx) happen inside run().
    Imported by name, so that the packaged build's analysis sees them."""
    from core import cli_export, cli_replay, cli_runs, cli_sweep
    return [cli_runs, cli_export, cli_sweep, cli_replay]


LINE_FLAGS = {"weight": float, "bias": float, "start": float, "end": float, "step": float,
              "train_fraction": float}
CIRCLES_FLAGS = {"samples": ("n_samples", int), "noise": ("noise", float),
                 "factor": ("factor", float), "seed": ("seed", int)}


def add_flag(parser, spec: Setting) -> None:
    """A setting's flag: its type, choices (the empty choice written "none"), default and help.
    A default that depends on the workflow or the model is left as None ("not given") and filled
    in by `config_from_args`; ranges are checked afterwards by TrainConfig.validate(), in one line
    that names the flag."""
    options = spec.options()
    kw = {"dest": spec.name}
    if spec.kind is bool:  # --flag / --no-flag
        kw.update(action=argparse.BooleanOptionalAction, default=None if spec.varies else spec.default)
    elif options is not None:
        kw.update(choices=[spec.cli_text(o) for o in options],
                  default=None if spec.varies else spec.cli_text(spec.default))
    else:
        kw.update(type=spec.kind, default=None if spec.varies else spec.default)
    action = parser.add_argument(spec.flag, **kw)
    action.help = _help(spec, options)  # set afterwards: some actions append their own default


def _help(spec: Setting, options) -> str:
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
    notes = [spec.range_text()] if spec.range_text() else []
    notes.append(f"default: {default}")
    if spec.workflows is not None:
        notes.append(" and ".join(names[t] for t in spec.workflows) + " only")
    return f"{spec.help} [{'; '.join(notes)}]".replace("%", "%%")


def config_from_args(args, task: str, **rest) -> TrainConfig:
    """The TrainConfig the `train` flags ask for; the flags not given whose default depends on the
    workflow or the model take the model's own, else `task`'s."""
    values = {}
    model = getattr(args, "model", None)
    for spec in settings_of(TrainConfig):
        value = getattr(args, spec.name)
        values[spec.name] = spec.default_for(task, model) if value is None and spec.varies \
            else spec.from_cli(value)
    return TrainConfig(**values, **rest)


def _given(args, prefix: str, keys) -> dict:
    """Only the toy-data values the user set, so the defaults stay in core/toy_data.py."""
    return {k: getattr(args, prefix + k) for k in keys if getattr(args, prefix + k) is not None}


def _check_out(folder: Path) -> None:
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
# Stop button (finish the batch, save, report) and the exit code says which signal it was; a
# second one quits at once.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT")
                     if hasattr(signal, name))


class _StopOnSignal:
    def __init__(self, control):
        self.control, self.signum, self._old = control, None, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # Python's rule for handlers
            for sig in STOP_SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:  # e.g. nohup: keep ignoring SIGHUP
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        # No printing here: the handler may interrupt a write to the same stream.
        self.signum = signum
        self.control.stop()
        for sig in self._old:
            signal.signal(sig, signal.SIG_DFL)  # the next signal ends the process at once

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _image_checkpoint(path: str, command: str):
    """Load a checkpoint that `command` can use: an image model (Fashion-MNIST or a folder's)."""
    from core import checkpoint, workflows

    ckpt = checkpoint.load(path)
    task = ckpt.meta.get("task")
    if task not in workflows.IMAGE_WORKFLOWS:
        raise Failure(f"{path} holds a {ckpt.meta.get('model_id')} model; "
                      f"{command} works on the image models")
    return ckpt


def cmd_evaluate(args) -> int:
    from core import workflows
    from core.evaluate import evaluate_model

    ckpt = _image_checkpoint(args.checkpoint, "evaluate")
    # The test set it was trained against: its own image folder (or --image-folder), or
    # Fashion-MNIST's (from --data-dir, or found).
    config = TrainConfig.from_dict(ckpt.meta.get("config") or {})
    config.model = ckpt.meta["model_id"]
    config.data_dir = args.data_dir
    config.image_folder = args.image_folder or config.image_folder
    data = workflows.get(ckpt.meta["task"]).load(config)
    if list(data.classes) != list(ckpt.meta["classes"]):
        raise Failure(f"{config.image_folder} has the classes {', '.join(data.classes)[:200]}; "
                      f"{args.checkpoint} was trained on {', '.join(ckpt.meta['classes'])[:200]}")
    _emit(evaluate_model(ckpt, data, args.device))
    return 0


def cmd_predict(args) -> int:
    from core.evaluate import predict_image
    from core.preprocess import ImageError

    ckpt = _image_checkpoint(args.checkpoint, "predict")
    failed = 0
    for image in args.images:
        try:
            probs = predict_image(ckpt, image)
        except ImageError as e:
            failed += 1
            _emit({"image": image, "error": str(e)})
            continue
        index = max(range(len(probs)), key=probs.__getitem__)
        _emit({"image": image, "label": ckpt.meta["classes"][index], "index": index,
               "probabilities": probs})
    if failed:
        _say(f"{failed} of {len(args.images)} images could not be classified")
    return 1 if failed else 0


def cmd_download(args) -> int:
    from core.data import download

    def progress(name, done, total):
        pct = f"{100 * done / total:.0f}%" if total else f"{done / 1e6:.1f} MB"
        print(f"\r{name}: {pct}   ", end="", file=sys.stderr, flush=True)

    path = download(progress)
    _say(f"\nFashion-MNIST is in {path}")
    return 0


def cmd_models(args) -> int:
    from core.models import build_model, parameter_count

    for spec in MODELS.values():
        _emit({"model": spec.id, "class_name": spec.class_name, "task": spec.task,
               "parameters": parameter_count(build_model(spec.id)), "description": spec.description})
    return 0


def cmd_install_launcher(args) -> int:
    from core import launcher

    try:
        report = launcher.uninstall() if args.uninstall else launcher.install()
    except launcher.LauncherError as e:
        raise Failure(str(e)) from e
    if args.uninstall:
        _emit({"uninstalled": [str(p) for p in report.removed]})
        _say(f"Removed {len(report.removed)} launcher files and folders." if report.removed
             else f"No TrainDesk launcher was installed ({report.desktop_file} is absent).")
    else:
        _emit({"desktop_file": str(report.desktop_file), "exec": report.exec_line,
               "written": [str(p) for p in report.written]})
        _say(f"TrainDesk is in the applications menu: {report.desktop_file}\n  starts: {report.exec_line}")
    return 0


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("choose a command (main.py with no arguments at all opens the window)")
    from core.checkpoint import CheckpointError
    from core.data import DataError

    from core.cli_train import cmd_train

    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
                "download-data": cmd_download, "models": cmd_models,
                "install-launcher": cmd_install_launcher}
    commands.update({m.COMMAND: m.run for m in _command_modules()})
    log = applog.get()
    applog.setup(f"command {args.command}")
    log.info("command line: %s", argv)
    try:
        code = commands[args.command](args)
        log.info("%s ended with exit code %s", args.command, code)
        return code
    except ValueError as e:  # bad settings found after parsing (e.g. a device not present)
        _say(f"error: {e}")
        log.error("%s: %s", args.command, e)
        return 2
    except (Failure, CheckpointError, DataError) as e:
        _say(f"error: {e}")
        log.error("%s: %s", args.command, e)
        return 1
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): nothing left to tell
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
