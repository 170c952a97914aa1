"""`main.py lr-find`: the learning-rate range test (core/train/lr_find.py) on the model and data
that `train` with the same flags would use; nothing is trained for keeps and nothing is saved.
Prints one JSON line: {"suggested_lr": x, "points": [[lr, loss], ...]} (x is null when the curve
never fell), and the suggestion in words on stderr."""
from __future__ import annotations

from core.cli.common import (Failure, StopOnSignal, add_train_flags, config_from_args, emit, num,
                             say)

COMMAND = "lr-find"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="find a learning rate: a short range test from 1e-7 to 10 "
                       "on the model and data `train` would use with the same flags")
    add_train_flags(p)
    t = p.add_argument_group("range test")
    t.add_argument("--steps", type=int, default=None, help="steps of the test (default: 100)")


def run(args) -> int:
    from core.cli.train import _model_of
    from core.models import get_spec
    from core.train import lr_find
    from core.train.trainer import Control, Trainer

    steps = lr_find.STEPS if args.steps is None else args.steps
    if steps < 2:
        raise Failure(f"--steps must be 2 or more, not {steps}")
    args.model = _model_of(args)
    config = config_from_args(args, get_spec(args.model).task)
    config.from_data = ()  # epochs and augmentation play no part in the test
    config.validate()
    say(f"Loading data for {args.model} ...")
    trainer = Trainer(config, control=Control(), log=say)
    say(f"Range test of {trainer.spec.class_name} ({config.optimizer}, batch {config.batch_size}): "
        f"the rate from {lr_find.START_LR:g} to {lr_find.END_LR:g} over {steps} steps")
    with StopOnSignal(trainer.control) as signals:
        found = lr_find.find_lr(trainer, steps, should_stop=lambda: trainer.control.stopped)
    emit({"suggested_lr": num(found.suggested_lr),
          "points": [[lr, num(loss)] for lr, loss in found.points]})
    end = ("stopped" if found.stopped else "the loss blew up" if found.diverged
           else "the end of the range")
    if found.suggested_lr is None:
        say(f"No suggestion: {found.why} ({len(found.points)} points, until {end}).")
    else:
        say(f"Suggested learning rate: {found.suggested_lr:.3g}, {found.why} ({len(found.points)} "
            f"points, until {end}). Train with --lr {found.suggested_lr:.3g}.")
    return 128 + signals.signum if signals.signum else 0
