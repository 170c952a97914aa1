"""The training loop: a config in, a stream of plain per-batch and per-epoch results out.

Data lives on the training device as one tensor per split; each epoch gathers a seeded permutation
once, so a batch is a slice. Loss and accuracy are summed on the device and read only at log points
(at most every `log_interval_s`) and at the end of the epoch. At those same points core.train.doctor
judges the numbers, so a run that blows up or sits at chance ends as "diverged" instead of
finishing with ruined weights.
"""
from __future__ import annotations

import copy
import math
import time
from typing import Iterator, Optional, Union

import torch
from torch import nn

from core import workflows
from core.train import distributed
from core.train import doctor
from core.train.augment import sketchify
from core.train.augment_basic import flip_and_shift, trivial_augment
from core.train.control import Control  # noqa: F401 - imported from here by the window and the CLI
from core.config import SETTINGS, BatchResult, EpochResult, RunResult, TrainConfig
from core.device import (choose_threads, describe, pick_device, remembered_threads,
                         take_problems)
from core.models import build_model, get_spec
from core.train.precision import autocast, native_bfloat16
from core.train.schedules import lr_at
from core.train import snapshot as run_snapshot
from core.train import state as train_state

EVAL_BATCH = 1000
STOP_CHECK_EVERY = 10  # under torchrun the ranks agree on a stop every this many batches
# How raw inputs become model inputs; stored in checkpoints so predictions use the same recipe.
# Each image workflow says its own (core/workflows/); Fashion-MNIST's is the one older
# checkpoints without a recipe used.
INPUT_NORMALISATION = {"fashion": workflows.fashion.RECIPE}
Event = Union[BatchResult, EpochResult]
_LR = next(s for s in SETTINGS if s.name == "lr")


def load_data(config: TrainConfig, progress=None):
    """The data set the config's model trains on, on the CPU (its workflow loads it)."""
    return workflows.get(get_spec(config.model).task).load(config, progress)


def input_shape(data) -> tuple:
    """[C, H, W] of one image of an image data set: Fashion-MNIST keeps [N, H, W] (one channel)."""
    shape = tuple(data.train_x.shape[1:])
    return (1, *shape) if len(shape) == 2 else shape


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                               weight_decay=config.weight_decay)
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    return kinds[config.optimizer](params, lr=config.lr, weight_decay=config.weight_decay)


def notebook_order(n: int, generator: torch.Generator) -> torch.Tensor:
    """The epoch's sample order exactly as the seed notebook's shuffled DataLoader draws it.

    Each epoch the notebook's random stream gives three numbers: the training DataLoader's
    iterator takes a worker base seed, then its sampler's seed (which seeds the permutation); the
    test DataLoader's iterator takes one more base seed. Drawing them from a private generator
    seeded like the notebook's torch.manual_seed(42) gives the notebook's batches, without touching
    the process-wide random state.
    """
    def draw() -> int:
        return int(torch.empty((), dtype=torch.int64).random_(generator=generator))

    draw()  # training loader's base seed
    sampler_seed = draw()
    draw()  # test loader's base seed, drawn when the epoch's test pass starts
    return torch.randperm(n, generator=torch.Generator().manual_seed(sampler_seed))


class Trainer:
    """Owns one model, its optimizer and data; `run()` trains it and can be called again (+1 epoch)."""

    def __init__(self, config: TrainConfig, data=None, control: Optional[Control] = None,
                 log=lambda msg: None):
        config.validate()
        self.config = config
        self.control = control or Control()
        self.log = log
        self.spec = get_spec(config.model)
        self.task = self.spec.task
        self.workflow = workflows.get(self.task)
        self.images = self.workflow.images
        # The settings this workflow reads; the others keep their values but do nothing.
        self._uses = {s.name for s in SETTINGS if s.used_in(self.task)}
        self.device = pick_device(config.device)
        data = data if data is not None else load_data(config)
        self.classes = list(getattr(data, "classes", ()))
        self.input_recipe = self.workflow.input_recipe(data)
        self.input_shape = input_shape(data) if self.images else None
        self.data = data.to(self.device)
        torch.manual_seed(config.seed)
        self.model = build_model(config.model, config.hidden_units, self.input_shape,
                                 len(self.classes) if self.images else None).to(self.device)
        self.channels_last = self.images and self.spec.channels_last
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.rank, self.world_size = distributed.world()
        self.train_model = self.model  # what the loop calls: the model, or DDP around it
        if self.world_size > 1:
            if self.workflow.minibatch and config.batch_size < self.world_size:
                raise ValueError(f"--batch-size {config.batch_size} is the global batch: it must be at "
                                 f"least the number of processes ({self.world_size})")
            from torch.nn.parallel import DistributedDataParallel
            self.train_model = DistributedDataParallel(self.model)
        self.optimizer = make_optimizer(config, self.model.parameters())
        self.loss_fn = {workflows.IMAGES: nn.CrossEntropyLoss, workflows.REGRESSION: nn.L1Loss,
                        workflows.BINARY: nn.BCEWithLogitsLoss}[self.workflow.kind]()
        # Training may smooth its targets (--label-smoothing); the test loss stays plain cross-entropy.
        smoothing = config.label_smoothing if "label_smoothing" in self._uses else 0.0
        self.train_loss_fn = nn.CrossEntropyLoss(label_smoothing=smoothing) if smoothing else self.loss_fn
        # --mixed-precision: the training steps in bfloat16 where the hardware has it (core/train/precision.py)
        mixed = config.mixed_precision and "mixed_precision" in self._uses
        self.bfloat16 = mixed and native_bfloat16(self.device)
        if mixed and not self.bfloat16:
            log(f"Mixed precision: {describe(self.device)} has no native bfloat16, so float32")
        self.generator = torch.Generator().manual_seed(config.seed)
        self.augment_generator = torch.Generator().manual_seed(config.seed + 1)
        self.threads = self._pick_threads()
        self.history: list[EpochResult] = []
        self.training_time = 0.0
        self.error: Optional[str] = None
        self.status = "finished"  # or "stopped", "halted" (NaN/inf), "diverged" (core.train.doctor)
        self.stopped = False
        self.steps = 0            # optimizer steps taken: 0 means the weights are untrained
        self._start_loss: Optional[float] = None  # the run's first batch loss: the doctor's yardstick
        self._steps_rising = 0  # steps in a row at chance with a risen loss (core.train.doctor)
        self.best: Optional[dict] = None  # {"epoch", "value", "by"} of the best epoch so far
        self.since_best = 0       # epochs since the best one (early stopping's count)
        self.early_stopped = False
        self.on_epoch = None      # called with (trainer, EpochResult, improved) after each epoch
        self.on_idle = None       # called before the loop waits for its next epoch (paused, paced)
        # A run stopped mid-epoch: where it was, so a resumed run finishes that epoch exactly
        # (core/train/state.py saves and restores it).
        self.progress: Optional[dict] = None
        self._epoch_order_state: Optional[torch.Tensor] = None
        self.resumed_from: Optional[str] = None  # the checkpoint this run continues
        self.classes_count = len(self.classes) or (2 if self.workflow.kind == workflows.BINARY
                                                   else None)  # None: regression
        self._good_state = self._weights_copy()

    # -- inputs -----------------------------------------------------------------------------------
    def _inputs(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 images [B, 28, 28] or [B, C, H, W] -> float [B, C, H, W] in 0..1, as ToTensor
        gives the seeds."""
        if not self.images:
            return x
        x = (x.unsqueeze(1) if x.dim() == 3 else x).float().div_(255.0)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _correct(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.images:
            return (logits.argmax(dim=1) == y).sum()
        if self.workflow.kind == workflows.BINARY:
            return ((logits > 0).float() == y).sum()
        return torch.zeros((), device=logits.device)

    def _pick_threads(self) -> int:
        if self.device.type != "cpu":
            return 0
        if self.config.threads > 0:
            torch.set_num_threads(self.config.threads)
            return self.config.threads
        if self.world_size > 1:  # the ranks on this machine share its cores
            threads = max(1, distributed.cpu_cores() // distributed.local_world_size())
            torch.set_num_threads(threads)
            return threads
        # Probe on a copy so the real model's weights and random stream stay untouched.
        probe = copy.deepcopy(self.model)
        opt = torch.optim.SGD(probe.parameters(), lr=1e-9)
        n = min(self.config.batch_size, len(self.data.train_x)) if self.workflow.minibatch \
            else len(self.data.train_x)
        xb, yb = self._inputs(self.data.train_x[:n]), self.data.train_y[:n]

        def step():
            opt.zero_grad(set_to_none=True)
            with autocast(self.device, self.bfloat16):  # timed as the run will train
                loss = self.loss_fn(probe(xb), yb)
            loss.backward()
            opt.step()

        key = f"{self.config.model}|hidden {self.config.hidden_units}|batch {n}" + (
            "|bfloat16" if self.bfloat16 else "") + (
            f"|input {'x'.join(map(str, self.input_shape))}" if self.task != "fashion" and self.images
            else "")
        chosen, how = remembered_threads(key, lambda: choose_threads(step))
        self.log(f"CPU threads: {chosen}, {how}")
        for note in take_problems():
            if note not in how:  # set aside earlier, by a call that logged nowhere
                self.log(note)
        return chosen

    # -- loop -------------------------------------------------------------------------------------
    def run(self, epochs: Optional[int] = None) -> Iterator[Event]:
        """Train `epochs` more epochs (default: up to the config's count), yielding results as
        they come."""
        epochs = self.config.epochs - len(self.history) if epochs is None else epochs
        target = len(self.history) + epochs
        self.config.epochs = max(self.config.epochs, target)  # the schedule spans the whole run
        self.stopped = False
        for _ in range(epochs):
            turn = self.control.checkpoint() if self.world_size > 1 else \
                self.control.epoch_turn(self.on_idle)
            if self.error or turn:
                self.stopped = not self.error
                return
            t0 = time.perf_counter()
            outcome = yield from self._train_epoch(len(self.history) + 1, target)
            if outcome is not None:
                self.training_time += time.perf_counter() - t0
                return
            test_loss, test_acc = self.evaluate()
            train_loss, train_acc, seen = self._epoch_sums
            seconds = time.perf_counter() - t0
            self.training_time += seconds
            result = EpochResult(len(self.history) + 1, target, train_loss, train_acc,
                                 test_loss, test_acc, seconds, seen / max(seconds, 1e-9), self._lr())
            if not math.isfinite(test_loss):
                self._halt(f"test loss became {test_loss} after epoch {result.epoch}")
                return
            rising = doctor.rising_at_chance(self._start_loss, train_loss, test_loss, train_acc,
                                             self.classes_count)
            self._steps_rising = self._steps_rising + self._steps_per_epoch() if rising else 0
            found = doctor.check_epoch(self._start_loss, train_loss, test_loss, train_acc,
                                       self.classes_count, self._lr(), self._default_lr(),
                                       self.task in doctor.CHANCE_AFTER_AN_EPOCH_IS_FAILURE,
                                       self._steps_rising)
            if found:
                self._diverged(found, f"after epoch {result.epoch}")
                return
            self.history.append(result)
            self._good_state = self._weights_copy()
            improved = self._note_best(result)
            if self.on_epoch is not None:
                self.on_epoch(self, result, improved)
            yield result
            if self.config.patience and self.since_best >= self.config.patience:
                self.early_stopped = True
                self.log(f"Early stop after epoch {result.epoch}: {self.config.best_by.replace('_', ' ')} "
                         f"has not improved for {self.since_best} epochs (best: epoch {self.best['epoch']})")
                return

    def _note_best(self, result: EpochResult) -> bool:
        """Track the best epoch by the user's figure; True when this one is the new best."""
        by = self.config.best_by
        value = getattr(result, by)
        if value is None or not math.isfinite(value):
            by, value = "test_loss", result.test_loss  # regression has no accuracy
        better = self.best is None or (value > self.best["value"] if by == "test_acc"
                                       else value < self.best["value"])
        if better:
            self.best = {"epoch": result.epoch, "value": value, "by": by}
            self.since_best = 0
        else:
            self.since_best += 1
        return better

    def _steps_per_epoch(self) -> int:
        """Optimiser steps in one epoch: the toy workflows take one full-batch step."""
        if not self.workflow.minibatch:
            return 1
        return math.ceil(len(self.data.train_x) / self.config.batch_size)

    def _batches(self):
        x, y = self.data.train_x, self.data.train_y  # toy data is float already: _inputs is a no-op
        if not self.workflow.minibatch:
            yield x, y  # the seeds train the toy models on the whole set every epoch
            return
        if self.progress is not None:  # resuming mid-epoch: draw this epoch's order again
            self.generator.set_state(self._epoch_order_state)
        self._epoch_order_state = self.generator.get_state()
        perm = notebook_order(len(x), self.generator).to(self.device)
        # One gather and one conversion per epoch; every batch below is then a view.
        x, y = self._inputs(x[perm]), y[perm]
        bs, r, w = self.config.batch_size, self.rank, self.world_size
        for i in range(0, len(x), bs):
            yield x[i:i + bs][r::w], y[i:i + bs][r::w]  # w == 1: the whole batch

    def _stop_asked(self, b: int) -> bool:
        """Between batches: has a stop been asked for? Under torchrun all ranks must stop at the
        same batch, so they agree every STOP_CHECK_EVERY batches (pausing is for the window)."""
        if self.world_size == 1:
            return self.control.checkpoint()
        return b % STOP_CHECK_EVERY == 0 and distributed.any_rank(self.control.stopped, self.device)

    def _train_epoch(self, epoch: int, epochs: int):
        model, opt, loss_fn = self.train_model, self.optimizer, self.train_loss_fn
        model.train()
        batches = self._steps_per_epoch()
        zero = torch.zeros((), device=self.device)
        loss_sum, correct, seen = zero.clone(), zero.clone(), 0
        win_loss, win_correct, win_seen = zero.clone(), zero.clone(), 0
        on_cpu = self.device.type == "cpu"
        bad = torch.zeros((), dtype=torch.bool, device=self.device)
        last_log = t_start = time.perf_counter()
        run_start = t_start - self.training_time
        uses, c = self._uses, self.config
        sketch = c.augment == "sketch" and "augment" in uses
        flip = c.flip and "flip" in uses
        shift = c.shift if "shift" in uses else 0
        trivial = c.trivial_augment and "trivial_augment" in uses
        done, earlier = 0, 0.0
        if self.progress is not None and self.progress["epoch"] == epoch:
            done, earlier = self.progress["done"], self.progress["elapsed"]
            if self.rank == 0:  # the saved sums are the whole job's: counted once
                loss_sum += self.progress["loss_sum"]
                correct += self.progress["correct"]
                seen = self.progress["seen"]
        elif self.progress is not None:
            self.progress = None  # from another epoch: not this one's to finish
        t_start -= earlier
        for b, (xb, yb) in enumerate(self._batches(), start=1):
            if b <= done:
                continue  # already trained before the run was stopped
            if b > done + 1 and self._stop_asked(b):
                self.stopped = True
                sums = [loss_sum.item(), correct.item(), seen]
                if self.world_size > 1:
                    sums = distributed.all_sum(sums, self.device)
                self.progress = {"epoch": epoch, "done": b - 1, "loss_sum": sums[0],
                                 "correct": sums[1], "seen": int(sums[2]),
                                 "elapsed": time.perf_counter() - t_start}
                return "stopped"
            if self.scheduled:
                self._set_lr()
            if flip or shift:
                xb = flip_and_shift(xb, self.augment_generator, flip, shift)
            if sketch:
                xb = sketchify(xb, self.augment_generator, self.config.sketch_fraction)
            if trivial:
                xb = trivial_augment(xb, self.augment_generator)
            with autocast(self.device, self.bfloat16):
                logits = model(xb)
                loss = loss_fn(logits, yb)
            finite = torch.isfinite(loss)
            # On the CPU reading the flag costs nothing, so halt before the step that would spoil
            # the weights; on an accelerator it is read at log points to keep the device busy.
            # Under torchrun a rank must not halt alone: the flag is all-reduced at the epoch's end.
            if on_cpu and self.world_size == 1 and not bool(finite):
                return self._halt(f"loss became {loss.item()} at epoch {epoch}, batch {b}")
            bad |= ~finite
            if self._start_loss is None:  # once per run; the job's mean under torchrun
                self._start_loss = loss.item() if self.world_size == 1 else \
                    distributed.all_sum([loss.item()], self.device)[0] / self.world_size
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.steps += 1
            n = len(yb)
            with torch.no_grad():
                bl = loss.detach() * n
                bc = self._correct(logits.detach(), yb)
                loss_sum += bl
                correct += bc
                win_loss += bl
                win_correct += bc
            seen += n
            win_seen += n
            now = time.perf_counter()
            if now - last_log >= self.config.log_interval_s or b == batches:
                mean = win_loss.item() / win_seen
                if self.world_size == 1:  # log points differ between ranks: judged at the end
                    if not on_cpu and bool(bad):
                        return self._halt(f"loss became non-finite at epoch {epoch}, by batch {b}")
                    found = doctor.check_window(mean, self._start_loss, self._lr(), self._default_lr())
                    if found:
                        return self._diverged(found, f"at epoch {epoch}, batch {b}")
                yield BatchResult(epoch, b, batches, mean, self._pct(win_correct.item(), win_seen),
                                  seen / max(now - t_start, 1e-9), now - run_start, self._lr(),
                                  self.steps)
                win_loss.zero_()
                win_correct.zero_()
                win_seen = 0
                last_log = now
        total_loss, total_correct = loss_sum.item(), correct.item()
        if self.world_size > 1:  # the whole job's figures, the same on every rank
            total_loss, total_correct, seen, any_bad = distributed.all_sum(
                [total_loss, total_correct, seen, float(bool(bad))], self.device)
            seen = int(seen)
            if any_bad:
                return self._halt(f"loss became non-finite in epoch {epoch}")
        self._epoch_sums = (total_loss / seen, self._pct(total_correct, seen), seen)
        self.progress = None
        return None

    def _pct(self, correct: float, total: int) -> Optional[float]:
        return None if self.workflow.kind == workflows.REGRESSION else 100.0 * correct / max(total, 1)

    def _weights_copy(self) -> dict:
        """The weights to fall back on if a later epoch goes bad, taken after every epoch."""
        if self.images:
            return copy.deepcopy(self.model.state_dict())
        # Toy epochs take about a millisecond and deepcopy's bookkeeping was a sixth of that.
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def _lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]  # what the steps used, even if changed mid-run

    @property
    def scheduled(self) -> bool:
        return self.config.schedule != "constant" or self.config.warmup_epochs > 0

    def _set_lr(self) -> None:
        """The rate for the next step, from the step count alone (so a resumed run needs no more)."""
        c = self.config
        lr = lr_at(self.steps, c.lr, c.schedule, self._steps_per_epoch(), c.epochs, c.step_epochs,
                   c.warmup_epochs)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def _default_lr(self) -> float:
        return _LR.default_for(self.task, self.config.model)  # the model's, else its workflow's

    def _halt(self, why: str, status: str = "halted", headline: str = "Training halted",
              advice: Optional[str] = None) -> str:
        """End the run with an error, back on the weights of the last epoch that passed."""
        kept = len(self.history)
        self.model.load_state_dict(self._good_state)
        where = f"the end of epoch {kept}, the last good one" if kept else "the start (no epoch finished)"
        # A NaN has more possible causes than a blow-up, so its advice is gentler.
        lower = doctor.suggest_lr(self._lr(), self._default_lr())
        advice = advice or f"Try a lower learning rate, such as {lower:g}."
        self.error = f"{headline}: {why}. {advice} The model keeps its weights from {where}."
        self.status = status
        self.log(self.error)
        return status

    def _diverged(self, found: doctor.Diagnosis, when: str) -> str:
        return self._halt(f"{found.finding} {when}", found.status, "Training diverged", found.advice)

    # -- results ----------------------------------------------------------------------------------
    @torch.inference_mode()
    def predict_logits(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        out = [self.model(self._inputs(x[i:i + EVAL_BATCH])) for i in range(0, len(x), EVAL_BATCH)]
        return torch.cat(out) if out else torch.empty(0)

    def evaluate(self) -> tuple[float, Optional[float]]:
        if self.world_size > 1:
            return self._evaluate_shared()
        logits = self.predict_logits(self.data.test_x)
        y = self.data.test_y
        loss = self.loss_fn(logits, y).item()
        return loss, self._pct(self._correct(logits, y).item(), len(y))

    def _evaluate_shared(self) -> tuple[float, Optional[float]]:
        """Under torchrun each rank tests its share of the test set; the sums are all-reduced."""
        x, y = self.data.test_x[self.rank::self.world_size], self.data.test_y[self.rank::self.world_size]
        logits = self.predict_logits(x)
        loss_sum = self.loss_fn(logits, y).item() * len(y) if len(y) else 0.0
        correct = self._correct(logits, y).item() if len(y) else 0.0
        loss_sum, correct, n = distributed.all_sum([loss_sum, correct, len(y)], self.device)
        return loss_sum / n, self._pct(correct, int(n))

    def save(self, path):
        """Write a checkpoint of the run as it is now, with what it needs to continue."""
        from core import checkpoint
        return checkpoint.save(path, *self.snapshot())

    def state_copy(self) -> dict:
        """The run's state now, copied: `snapshot(state)` writes it later as it was, while
        training goes on (the best epoch's checkpoint)."""
        return run_snapshot.state_copy(self)

    def snapshot(self, state: Optional[dict] = None) -> tuple[dict, dict, dict]:
        """(weights, metadata, training-state tensors) for core.checkpoint.save: the run now, or
        as it was when `state` was copied."""
        return run_snapshot.snapshot(self, state or self.state_copy())

    @classmethod
    def from_checkpoint(cls, path, epochs: int, data=None, control: Optional[Control] = None,
                        log=lambda msg: None, overrides: Optional[dict] = None) -> "Trainer":
        """A trainer that continues the run saved in `path` up to `epochs` epochs in all.
        CheckpointError (one line) when the file cannot be continued; nothing is half-loaded."""
        return train_state.resume(cls, path, epochs, data=data, control=control, log=log,
                                  overrides=overrides)

    def result(self, checkpoint: Optional[str] = None) -> RunResult:
        if self.history:
            last = self.history[-1]
            loss, acc = last.test_loss, last.test_acc
        else:
            loss, acc = self.evaluate()
        extra = {}
        if self.workflow.kind == workflows.REGRESSION:
            lin = self.model.linear_layer  # the stack of Linears too (it equals one)
            extra["learned"] = {"weight": lin.weight.item(), "bias": lin.bias.item()}
        status = self.status if self.error else "stopped" if self.stopped else "finished"
        return RunResult(self.spec.class_name, loss, acc, self.training_time, len(self.history),
                         describe(self.device), self.threads, self.stopped, self.error,
                         checkpoint, extra, status, self.best, self.early_stopped)
