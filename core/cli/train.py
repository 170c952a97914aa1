"""`main.py train`: one run (a new one, or --resume), kept like every run (core/runs/recorded.py),
an epoch line on stderr and a JSON line on stdout each epoch, the result at the end. SIGTERM,
SIGHUP and Ctrl+C stop it as the window's Stop does; under torchrun every rank trains its share.
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

from core.cli.common import (SPEAKS, CIRCLES_FLAGS, LINE_FLAGS, Failure, check_out, emit, given,
                      num, say, show, warn, write_line, StopOnSignal, config_from_args)
from core.config import TrainConfig
from core.settings_spec import settings_of


# Where it runs and where its data is, not what it computes (a moved image folder may be named).
RESUME_MAY_CHANGE = ("device", "threads", "data_dir", "image_folder")


def cmd_train(args) -> int:
    from core.train import distributed

    if not distributed.launched():
        return _train(args)
    distributed.init(args.device or "auto")
    rank, world = distributed.world()
    SPEAKS["on"] = rank == 0
    say(f"torchrun: {world} processes ({'NCCL' if distributed.dist.get_backend() == 'nccl' else 'gloo'}), "
         "each takes its share of every global batch")
    try:
        return _train(args, rank)
    except RuntimeError as e:  # a collective failed: another rank died or cannot be reached
        first = (str(e).splitlines() or [type(e).__name__])[0][:200]
        raise Failure(f"rank {rank}: the torchrun job lost one of its processes ({first})") from e
    finally:
        distributed.finish()


def _train(args, rank: int = 0) -> int:
    from core.device import describe
    from core.models import get_spec
    from core.runs.recorded import CURVE_EVERY_S, RecordedRun
    from core.train.trainer import Control, Trainer

    out_dir = Path(args.out)
    if args.resume:
        if args.epochs is None:
            raise Failure("--resume needs --epochs: the number of epochs the run should have in all")
        overrides = {k: getattr(args, k) for k in RESUME_MAY_CHANGE
                     if getattr(args, k) != _default(k)}
        if rank == 0:
            check_out(out_dir)
        say(f"Loading {args.resume} and its data ...")
        trainer = Trainer.from_checkpoint(args.resume, args.epochs, control=Control(), log=say,
                                          overrides=overrides)
        say(f"Continuing {trainer.spec.class_name} from epoch {len(trainer.history)}"
             + (f" (batch {trainer.progress['done']})" if trainer.progress else "")
             + f" to {args.epochs} on {describe(trainer.device)}")
    else:
        args.model = _model_of(args)
        task = get_spec(args.model).task
        config = config_from_args(args, task, log_interval_s=CURVE_EVERY_S,
                                  line=given(args, LINE_FLAGS), circles=given(args, CIRCLES_FLAGS))
        config.validate()
        if rank == 0:
            check_out(out_dir)
        say(f"Loading data for {args.model} ...")
        trainer = Trainer(config, control=Control(), log=say)
        say(f"Training {trainer.spec.class_name} on {describe(trainer.device)} "
             f"for {config.epochs} epochs ({trainer.data.source})")
        _say_skipped(getattr(trainer.data, "skipped", ()))
    trainer.config.log_interval_s = CURVE_EVERY_S  # the kept curve's resolution
    if rank != 0:  # rank 0 keeps the run; the others only train their share
        with StopOnSignal(trainer.control) as signals:
            for _ in trainer.run():
                pass
            return 128 + signals.signum if signals.signum else 1 if trainer.error else 0
    # The kept run writes its own warnings to the log file: here they are only shown.
    run = RecordedRun(trainer, out_dir, "sweep" if args.sweep else "cli", log=show, sweep=args.sweep)
    with StopOnSignal(trainer.control) as signals:
        _train_loop(run, trainer.config, trainer.task)
        return _finish_train(run, signals.signum)


def _say_skipped(skipped, shown: int = 10) -> None:
    """An image folder's files that could not be read: left out, never fatal, but said."""
    if skipped:
        say(f"Left out {len(skipped)} files that could not be read:")
        for path, why in skipped[:shown]:
            say(f"  {path}: {why}")
        if len(skipped) > shown:
            say(f"  … and {len(skipped) - shown} more")


def _model_of(args) -> str:
    """--model, else what the data asks for: an --image-folder trains its workflow's default
    model, anything else Fashion-MNIST's. A model of another workflow than --image-folder's is
    refused here, in one line, before any data is read."""
    from core import workflows
    from core.models import MODELS, get_spec
    folder = workflows.get("folder")
    if args.model is None:
        return folder.default_model if args.image_folder else _default("model")
    get_spec(args.model)  # an unknown name: the list of known ones
    if args.image_folder and MODELS[args.model].task != folder.id:
        names = ", ".join(m for m, spec in MODELS.items() if spec.task == folder.id)
        raise Failure(f"--image-folder trains the image-folder models ({names}); {args.model} "
                      f"trains on {workflows.get(MODELS[args.model].task).name}")
    return args.model


def _default(name: str):
    return next(s.default for s in settings_of(TrainConfig) if s.name == name)


def _train_loop(run, config: TrainConfig, task: str) -> None:
    from core import workflows
    clear = "\r\033[K" if sys.stderr.isatty() else ""  # wipe the live batch line on a terminal
    images = workflows.get(task).images  # every epoch a line; the toy runs' thousands: a tenth
    for ev in run.events():
        if hasattr(ev, "test_loss"):
            if images or ev.milestone():
                say(clear + ev.line())
            emit({"epoch": ev.epoch, "train_loss": num(ev.train_loss), "train_acc": num(ev.train_acc),
                   "test_loss": num(ev.test_loss), "test_acc": num(ev.test_acc),
                   "seconds": ev.seconds})
        elif images and sys.stderr.isatty():
            write_line("stderr", f"{clear}  epoch {ev.epoch} batch {ev.batch}/{ev.batches} loss "
                                 f"{ev.loss:.4f} {ev.samples_per_s:,.0f} samples/s")
    if sys.stderr.isatty() and images:
        write_line("stderr", clear)


def _finish_train(run, signum) -> int:
    """Save what was trained (never untrained weights), report, and pick the exit code. "Saved"
    only for a checkpoint this ending wrote: after a failed write the run is failed, and the
    result names the checkpoint still on disk with its own epoch and figures."""
    from core.runs.annotations import keep_diagnoses
    if signum is not None:
        say(f"{signal.Signals(signum).name}: stopped after the current batch")
    trainer = run.trainer
    res = run.finish()
    keep_diagnoses(run, res.diagnoses)  # for the Runs tab
    out = {"run_id": run.run_id, "model_name": res.model_name, "model_loss": num(res.model_loss),
           "model_acc": num(res.model_acc), "training_time": res.training_time,
           "epochs": res.epochs_done, "status": res.status, "checkpoint": res.checkpoint,
           "best_checkpoint": run.best["path"] if run.best else None,
           "best_epoch": run.best["epoch"] if run.best else None,
           "diagnoses": res.diagnoses}  # what went wrong, in words (core/train/diagnoses.py)
    if trainer.early_stopped:
        out["early_stopped"] = True
    if res.error:
        out["error"] = res.error
    out.update(res.extra)
    if run.failed_write:
        kept = out.pop("checkpoint_on_disk", None) or {}
        out.update(checkpoint=kept.get("path"), checkpoint_epoch=kept.get("epoch"),
                   checkpoint_acc=num(kept.get("model_acc")),
                   checkpoint_loss=num(kept.get("model_loss")))
    emit({"result": out})
    trained = bool(trainer.history) if trainer.error else trainer.steps > 0
    if run.failed_write:
        warn(f"Not saved: {run.failed_write}")
        return 1
    if res.checkpoint:
        say(f"Saved {res.checkpoint}" + (f" (best: epoch {run.best['epoch']})" if run.best else ""))
    else:
        say("Nothing saved: " + ("no epoch finished, so there are no trained weights to keep"
                                  if trainer.error else "no training step ran" if not trained
                                  else f"could not write the checkpoint in {run.folder}: "
                                       f"{run.write_error}") + ".")
    if signum is not None:
        return 128 + signum
    return 1 if res.error or (trained and not res.checkpoint) else 0
