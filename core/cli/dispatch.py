"""The headless commands' parser and dispatcher: `main.py COMMAND ...` runs one command module of
this room (train, evaluate and predict, download-data, models, install-launcher, runs, export,
sweep, replay, teach, lr-find). JSON on stdout, people's text on stderr, and errors also in the log file."""
from __future__ import annotations

import argparse
import sys

from core import applog
from core.cli.common import Failure, add_flag, add_train_flags, say
from core.config import TrainConfig
from core.settings_spec import settings_of
from core.version import __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="main.py", description="TrainDesk: train, watch and probe "
                                "small PyTorch models. With no command, opens the window.")
    p.add_argument("--version", action="version", version=f"TrainDesk {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    t = sub.add_parser("train", help="train a model and save a checkpoint")
    add_train_flags(t)
    settings = settings_of(TrainConfig)
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
    from core.cli import export as cli_export
    from core.cli import lr_find as cli_lr_find
    from core.cli import replay as cli_replay
    from core.cli import runs as cli_runs
    from core.cli import sweep as cli_sweep
    from core.cli import teach as cli_teach
    return [cli_runs, cli_export, cli_sweep, cli_replay, cli_teach, cli_lr_find]


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("choose a command (main.py with no arguments at all opens the window)")
    from core.checkpoint import CheckpointError
    from core.data.fashion_mnist import DataError

    from core.cli.checkpoints import cmd_evaluate, cmd_predict
    from core.cli.setup import cmd_download, cmd_install_launcher, cmd_models
    from core.cli.train import cmd_train

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
        say(f"error: {e}")
        log.error("%s: %s", args.command, e)
        return 2
    except (Failure, CheckpointError, DataError) as e:
        say(f"error: {e}")
        log.error("%s: %s", args.command, e)
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): nothing left to tell
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
