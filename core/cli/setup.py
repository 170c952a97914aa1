"""Setting up: `main.py download-data`, `main.py models` and `main.py install-launcher`."""
from __future__ import annotations

import sys

from core.cli.common import Failure, emit, say
from core.models import MODELS


def cmd_download(args) -> int:
    from core.data.fashion_mnist import download

    def progress(name, done, total):
        pct = f"{100 * done / total:.0f}%" if total else f"{done / 1e6:.1f} MB"
        print(f"\r{name}: {pct}   ", end="", file=sys.stderr, flush=True)

    path = download(progress)
    say(f"\nFashion-MNIST is in {path}")
    return 0


def cmd_models(args) -> int:
    from core.models import build_model, parameter_count

    for spec in MODELS.values():
        emit({"model": spec.id, "class_name": spec.class_name, "task": spec.task,
               "parameters": parameter_count(build_model(spec.id)), "description": spec.description})
    return 0


def cmd_install_launcher(args) -> int:
    from core import launcher

    try:
        report = launcher.uninstall() if args.uninstall else launcher.install()
    except launcher.LauncherError as e:
        raise Failure(str(e)) from e
    if args.uninstall:
        emit({"uninstalled": [str(p) for p in report.removed]})
        say(f"Removed {len(report.removed)} launcher files and folders." if report.removed
             else f"No TrainDesk launcher was installed ({report.desktop_file} is absent).")
    else:
        emit({"desktop_file": str(report.desktop_file), "exec": report.exec_line,
               "written": [str(p) for p in report.written]})
        say(f"TrainDesk is in the applications menu: {report.desktop_file}\n  starts: {report.exec_line}")
    return 0
