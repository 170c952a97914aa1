"""`main.py sweep`: train a grid (or a random sample) of settings, each run a `main.py train` process
of its own, at most K at once (core/sweep/plan.py)."""
from __future__ import annotations

import argparse

from core.sweep.plan import PASSED, SWEPT

COMMAND = "sweep"

DESCRIPTION = """\
Train every combination of the listed values (or --random N of them), each as an ordinary run in
a process of its own, at most --parallel at once. Each run is kept in the run history, tagged with
the sweep's id (`main.py runs --json` shows it under "sweep"), with its own folder under --out.
Every value is checked before anything starts. A run that fails is reported and the others go on.
Ctrl+C (or SIGTERM, SIGHUP) stops the sweep: no new run starts, and each running one finishes its
batch, saves and stops; signals within a second of it are the same stop, and one that comes
later ends the sweep and its runs at once. A sweep killed outright (kill -9) still has its runs
stop, save and be recorded: on Linux each gets SIGTERM when the sweep dies.

stdout, JSON lines: first {"plan": {"id", "runs": [each run's values], "parallel", "threads", ...}},
then one {"run": {"index", <the swept values>, "run_id", "status", "model_acc", "model_loss",
"checkpoint", "exit_code", "error"?}} per run as it ends, and last {"sweep": {"id", "runs": [...],
"best": <the run with the highest test accuracy, or lowest test loss for the line models>,
"failed": n, "stopped", "seconds"}}. The runs' own epoch lines are not passed on. stderr: one line
per finished run ("3/8 done: lr 0.1 batch 32 -> 83.4%"), and with --verbose each run's own output.
Exit code: 0 when every run finished, 1 when any failed, 128+signal when stopped by a signal, 2
for settings that are not allowed."""

EXAMPLE = """example:
  main.py sweep --model fashion-v0 --lr 0.01,0.1 --batch-size 32,64 --epochs 1
  main.py sweep --model fashion-v2 --lr 0.001,0.01,0.1 --optimizer sgd,adam --random 4 --seed 7"""


def add_parser(sub) -> None:
    from core.cli.common import add_flag
    from core.config import TrainConfig
    from core.settings_spec import settings_of

    p = sub.add_parser("sweep", help="train a grid of settings, several runs at once",
                       description=DESCRIPTION, epilog=EXAMPLE,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    specs = {s.name: s for s in settings_of(TrainConfig)}
    add_flag(p, specs["model"])
    lists = p.add_argument_group("values to sweep, comma-separated (each given one is a dimension "
                                 "of the grid; the rest keep train's defaults)")
    for name in SWEPT:
        spec = specs[name]
        options = spec.options()
        values = f"; one or more of {', '.join(spec.cli_text(o) for o in options)}" if options else ""
        only = f"; {' and '.join(spec.workflows)} models only" if spec.workflows else ""
        lists.add_argument(spec.flag, dest=name, metavar="V[,V...]",
                           help=f"{spec.help}{values}{only}".replace("%", "%%"))
    each = p.add_argument_group("given to every run")
    for name in PASSED:
        if name == "seed":
            each.add_argument("--seed", type=int, help="each run's seed (default: train's, 42), "
                              "and the seed of --random's draw (default: 0)")
        elif name == "threads":
            each.add_argument("--threads", type=int, help="CPU threads per run (default: the "
                              "cores shared evenly between the runs that train at once; 0: each "
                              "run measures, while the others load the cores)")
        else:
            add_flag(each, specs[name])
    how = p.add_argument_group("the sweep")
    how.add_argument("--random", type=int, metavar="N", help="train N combinations drawn at random "
                     "from the grid (without repeats; --seed makes the draw repeatable)")
    how.add_argument("--parallel", type=int, metavar="K", help="runs at once (default: one per GPU; "
                     "on the CPU one per core, two for fashion-v2, and no more than the memory holds)")
    how.add_argument("--out", default="runs", help="where each run's own folder goes (default: ./runs)")
    how.add_argument("--verbose", action="store_true",
                     help="pass each run's own progress lines on to stderr, marked with its number")


def run(args) -> int:
    import signal
    from pathlib import Path

    from core.cli.common import Failure, check_out, emit, say, StopOnSignal
    from core.sweep.plan import make_plan, parse_list
    from core.sweep.supervise import SweepRun

    lists = {name: parse_list(name, getattr(args, name)) for name in SWEPT
             if getattr(args, name) is not None}
    passed = {name: getattr(args, name) for name in PASSED}
    plan = make_plan(args.model, lists, passed, random_n=args.random, seed=args.seed,
                     parallel=args.parallel, out=args.out)
    check_out(Path(args.out))
    sweep = SweepRun(plan, emit=emit, say=say, echo=args.verbose)
    try:
        with StopOnSignal(sweep) as signals:
            summary = sweep.run()
    except OSError as e:  # the training processes cannot be started at all
        raise Failure(f"cannot start the sweep's runs: {e}") from e
    emit({"sweep": summary})
    if signals.signum is not None:
        say(f"{signal.Signals(signals.signum).name}: the sweep stopped")
        return 128 + signals.signum
    return 1 if summary["failed"] else 0
