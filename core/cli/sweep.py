"""`main.py sweep`: train a grid (or a random sample) of settings, each run a `main.py train` process
of its own, at most K at once (core/sweep/plan.py); or, with ranges, --sampler, --trials, --pruner or
--study, the trials of an Optuna study (core/sweep/study.py)."""
from __future__ import annotations

import argparse

from core.sweep.plan import PASSED, SWEPT
from core.sweep.study import PRUNERS, SAMPLERS

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
for settings that are not allowed.

Optuna studies: a value may also be a range, LOW:HIGH (sampled evenly) or LOW:HIGH:log (evenly on a
log scale), e.g. --lr 0.005:0.5:log --momentum 0:0.95; a list is then a choice. With a range, or
any of --sampler, --trials, --pruner, --study, the sweep is an Optuna study: --sampler tpe (the
default) or random draws --trials N runs (this process's own), grid tries each combination of
lists once. --pruner median stops a run whose test figure after an epoch is below the median of
the finished runs' at that epoch: it finishes its batch, keeps its checkpoint and is "pruned" in
the history. The study lives in --storage (default: a SQLite file in the user data folder); other
sweep processes (this machine's or, with a shared PostgreSQL or MySQL URL, other machines') with
the same --study work on the same study and never get the same trial. Each trial is a run in the
history tagged with the study (its "sweep") and named "<study> #<trial>". The plan and summary
lines also carry "study", "storage", "sampler", "pruner"; each run's line its "trial"; the summary
"study_best", the best trial of every process's so far. A database that is locked, damaged or of a
newer Optuna is one line (exit 1) and nothing starts; a run that fails is a failed trial."""

EXAMPLE = """example:
  main.py sweep --model fashion-v0 --lr 0.01,0.1 --batch-size 32,64 --epochs 1
  main.py sweep --model fashion-v2 --lr 0.001,0.01,0.1 --optimizer sgd,adam --random 4 --seed 7
  main.py sweep --model fashion-v0 --lr 0.005:0.5:log --batch-size 32,64,128 --momentum 0:0.95
                --trials 16 --pruner median --study fashion-lr --epochs 3   (an Optuna study)"""


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
                                 "of the grid; the rest keep train's defaults), or a range "
                                 "LOW:HIGH[:log] of a number (an Optuna study)")
    for name in SWEPT:
        spec = specs[name]
        options = spec.options()
        values = f"; one or more of {', '.join(spec.cli_text(o) for o in options)}" if options else ""
        only = f"; {' and '.join(spec.workflows)} models only" if spec.workflows else ""
        lists.add_argument(spec.flag, dest=name,
                           metavar="V[,V...]" if spec.kind is str else "V[,V...]|LOW:HIGH[:log]",
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
    study = p.add_argument_group("an Optuna study (any of these, or a range, makes the sweep one)")
    study.add_argument("--sampler", choices=SAMPLERS, help="how the trials' values are picked: "
                       "tpe (Bayesian, the default), random, or grid (lists only: each combination once)")
    study.add_argument("--trials", type=int, metavar="N", help="runs this process trains (default "
                       "with --sampler grid: the grid's size)")
    study.add_argument("--pruner", choices=PRUNERS, default=None, help="none (the default), or "
                       "median: stop a run that is below the median of the finished runs at the "
                       "same epoch")
    study.add_argument("--study", metavar="NAME", help="the study's name: sweeps with the same name "
                       "and storage work on one study (default: a new name)")
    study.add_argument("--storage", metavar="URL", help="the study's database (default: a SQLite "
                       "file in the user data folder; e.g. postgresql://user:pw@host/db for several "
                       "machines)")


def run(args) -> int:
    import signal
    from pathlib import Path

    from core.cli.common import Failure, check_out, emit, say, StopOnSignal
    from core.sweep.plan import make_plan, parse_list
    from core.sweep.storage import StudyError
    from core.sweep.supervise import SweepRun

    texts = {name: getattr(args, name) for name in SWEPT if getattr(args, name) is not None}
    passed = {name: getattr(args, name) for name in PASSED}
    source = None
    if is_study(args, texts):
        plan, source = _study(args, texts, passed)
    else:
        lists = {name: parse_list(name, text) for name, text in texts.items()}
        plan = make_plan(args.model, lists, passed, random_n=args.random, seed=args.seed,
                         parallel=args.parallel, out=args.out)
    check_out(Path(args.out))
    sweep = SweepRun(plan, emit=emit, say=say, echo=args.verbose, source=source)
    try:
        with StopOnSignal(sweep) as signals:
            summary = sweep.run()
    except OSError as e:  # the training processes cannot be started at all
        raise Failure(f"cannot start the sweep's runs: {e}") from e
    except StudyError as e:  # the study's database failed mid-sweep (its runs stop and save)
        raise Failure(str(e)) from None
    if source is not None:
        summary.update(source.to_json())
        summary["study_best"] = source.best()
    emit({"sweep": summary})
    if signals.signum is not None:
        say(f"{signal.Signals(signals.signum).name}: the sweep stopped")
        return 128 + signals.signum
    return 1 if summary["failed"] else 0


def is_study(args, texts: dict) -> bool:
    from core.sweep.space import is_range
    return any(getattr(args, k) is not None for k in ("sampler", "trials", "pruner", "study",
                                                      "storage")) \
        or any(is_range(t) for t in texts.values())


def _study(args, texts: dict, passed: dict):
    """The plan (settings every run gets, runs at once) and the study's source of runs."""
    from core.cli.common import Failure
    from core.sweep.plan import choose_parallel, make_plan, new_id
    from core.sweep.space import check_lists, parse_space
    from core.sweep.storage import StudyError
    from core.sweep.study import StudyRuns, check_sampler

    if args.random is not None:
        raise ValueError("--random is the plain sweep's sample: with a study use --sampler random "
                         "--trials N")
    space = parse_space(texts)
    if not space:
        raise ValueError("a study needs at least one setting to vary (e.g. --lr 0.005:0.5:log)")
    sampler = args.sampler or "tpe"
    check_sampler(sampler, space)
    # Every list value and both ends of every range checked as the grid's runs are.
    plan = make_plan(args.model, check_lists(space), passed, seed=args.seed, out=args.out,
                     parallel=args.parallel,
                     sweep_id=args.study or new_id().replace("sweep-", "study-"))
    plan.passed = {k: v for k, v in plan.passed.items() if k not in space}
    try:
        source = StudyRuns(plan, space, plan.id, args.storage, sampler, args.pruner or "none",
                           args.trials, args.seed)
    except StudyError as e:
        raise Failure(str(e)) from None
    plan.runs = []
    plan.grid_size = source.total
    plan.parallel, plan.threads, plan.why = choose_parallel(
        source.total, plan.task, plan.model, plan.gpus, args.parallel, passed.get("threads"))
    plan.study = source.to_json()
    return plan, source
