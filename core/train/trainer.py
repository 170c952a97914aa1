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
from core.train import data_defaults, doctor
from core.train.augment import augmenter
from core.train.diagnoses import Diagnoses
from core.train.control import Control  # noqa: F401 - imported from here by the window and the CLI
from core.config import SETTINGS, BatchResult, EpochResult, RunResult, TrainConfig
from core.device import describe, pick_device
from core.models import build_model, get_spec
from core.train.precision import autocast, native_bfloat16
from core.train.sampling import epoch_batches
from core.train.optimizer import make_optimizer
from core.train.schedules import lr_at
from core.train import resume as train_resume
from core.train import snapshot as run_snapshot
from core.train.state import TrainingState
from core.train.threads import pick_threads

EVAL_BATCH = 1000
Event = Union[BatchResult, EpochResult]
_LR = next(s for s in SETTINGS if s.name == "lr")


def load_data(config: TrainConfig, progress=None):
    """The data set the config's model trains on, on the CPU (its workflow loads it)."""
    return workflows.get(get_spec(config.model).task).load(config, progress)


def input_shape(data) -> tuple:
    """[C, H, W] of one image of an image data set: Fashion-MNIST keeps [N, H, W] (one channel)."""
    shape = tuple(data.train_x.shape[1:])
    return (1, *shape) if len(shape) == 2 else shape


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
        # What the loop calls: the model, or DistributedDataParallel around it under torchrun.
        self.train_model = distributed.wrap(self.model, config.batch_size if self.workflow.minibatch
                                            else None)
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
        self.threads = pick_threads(self)
        data_defaults.fill_in(self)  # the settings left to the data: epochs, augmentation
        self.history: list[EpochResult] = []
        self.state = TrainingState()  # steps, time, best epoch, the doctor's and patience's counts
        self.diagnoses, self.test_logits = Diagnoses(log), None  # what the numbers say went wrong
        self.error: Optional[str] = None
        self.status = "finished"  # or "stopped", "halted" (NaN/inf), "diverged" (core.train.doctor)
        self.stopped = False
        self.on_epoch = None      # called with (trainer, EpochResult, improved) after each epoch
        self.on_idle = None       # called before the loop waits for its next epoch (paused, paced)
        self.resumed_from: Optional[str] = None  # the checkpoint this run continues
        self.classes_count = len(self.classes) or (2 if self.workflow.kind == workflows.BINARY
                                                   else None)  # None: regression
        self._good_state = self._weights_copy()

    # -- the training state, read by the window, the recorder and the commands -------------------
    steps = property(lambda self: self.state.steps)
    training_time = property(lambda self: self.state.training_time)
    best = property(lambda self: self.state.best)
    since_best = property(lambda self: self.state.since_best)
    early_stopped = property(lambda self: self.state.early_stopped)
    progress = property(lambda self: self.state.progress)

    def resume_at(self, state: TrainingState, history: list[EpochResult]) -> None:
        """Continue from a saved state (core/train/resume.py): the weights are loaded already."""
        self.state = state
        self.history = list(history)
        self._good_state = self._weights_copy()

    # -- inputs -----------------------------------------------------------------------------------
    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 images [B, 28, 28] or [B, C, H, W] -> float [B, C, H, W] by the run's input recipe
        (core/pictures/recipe.py; Fashion-MNIST's: / 255, as ToTensor gives the seeds)."""
        if not self.images:
            return x
        x = self.input_recipe.to_input(x, batch=True)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def _correct(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.images:
            return (logits.argmax(dim=1) == y).sum()
        if self.workflow.kind == workflows.BINARY:
            return ((logits > 0).float() == y).sum()
        return torch.zeros((), device=logits.device)

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
                self.state.training_time += time.perf_counter() - t0
                return
            test_loss, test_acc = self.evaluate()
            train_loss, train_acc, seen = self._epoch_sums
            seconds = time.perf_counter() - t0
            self.state.training_time += seconds
            result = EpochResult(len(self.history) + 1, target, train_loss, train_acc,
                                 test_loss, test_acc, seconds, seen / max(seconds, 1e-9), self._lr())
            if not math.isfinite(test_loss):
                self._halt(f"test loss became {test_loss} after epoch {result.epoch}")
                return
            st = self.state
            st.note_rising(doctor.rising_at_chance(st.start_loss, train_loss, test_loss, train_acc,
                                                   self.classes_count), self.steps_per_epoch())
            found = doctor.check_epoch(st.start_loss, train_loss, test_loss, train_acc,
                                       self.classes_count, self._lr(), self._default_lr(),
                                       self.task in doctor.CHANCE_AFTER_AN_EPOCH_IS_FAILURE,
                                       st.steps_rising)
            if found:
                self._diverged(found, f"after epoch {result.epoch}")
                return
            self.history.append(result)
            self._good_state = self._weights_copy()
            self.diagnoses.epoch_end(self, self.test_logits)
            by = self.config.best_by
            improved = st.note_best(result.epoch, getattr(result, by), by, result.test_loss)
            if self.on_epoch is not None:
                self.on_epoch(self, result, improved)
            yield result
            if st.patience_ran_out(self.config.patience):
                self.log(f"Early stop after epoch {result.epoch}: {self.config.best_by.replace('_', ' ')} "
                         f"has not improved for {self.since_best} epochs (best: epoch {self.best['epoch']})")
                return

    def steps_per_epoch(self) -> int:
        """Optimiser steps in one epoch: the toy workflows take one full-batch step."""
        if not self.workflow.minibatch:
            return 1
        return math.ceil(len(self.data.train_x) / self.config.batch_size)

    def _train_epoch(self, epoch: int, epochs: int):
        model, opt, loss_fn = self.train_model, self.optimizer, self.train_loss_fn
        model.train()
        batches = self.steps_per_epoch()
        zero = torch.zeros((), device=self.device)
        loss_sum, correct, seen = zero.clone(), zero.clone(), 0
        win_loss, win_correct, win_seen = zero.clone(), zero.clone(), 0
        on_cpu = self.device.type == "cpu"
        bad = torch.zeros((), dtype=torch.bool, device=self.device)
        last_log = t_start = time.perf_counter()
        run_start = t_start - self.state.training_time
        augment = augmenter(self.config, self._uses, self.augment_generator)
        done, earlier, st = 0, 0.0, self.state
        if st.progress is not None and st.progress["epoch"] == epoch:
            done, earlier = st.progress["done"], st.progress["elapsed"]
            if self.rank == 0:  # the saved sums are the whole job's: counted once
                loss_sum += st.progress["loss_sum"]
                correct += st.progress["correct"]
                seen = st.progress["seen"]
        elif st.progress is not None:
            st.progress = None  # from another epoch: not this one's to finish
        t_start -= earlier
        for b, (xb, yb) in enumerate(epoch_batches(self), start=1):
            if b <= done:
                continue  # already trained before the run was stopped
            if b > done + 1 and distributed.stop_agreed(self.control, b, self.world_size, self.device):
                self.stopped = True
                sums = [loss_sum.item(), correct.item(), seen]
                if self.world_size > 1:
                    sums = distributed.all_sum(sums, self.device)
                st.progress = {"epoch": epoch, "done": b - 1, "loss_sum": sums[0],
                               "correct": sums[1], "seen": int(sums[2]),
                               "elapsed": time.perf_counter() - t_start}
                return "stopped"
            if self.scheduled:
                self._set_lr()
            xb = augment(xb)
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
            if st.start_loss is None:  # once per run; the job's mean under torchrun
                st.start_loss = loss.item() if self.world_size == 1 else \
                    distributed.all_sum([loss.item()], self.device)[0] / self.world_size
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            st.steps += 1
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
                    found = doctor.check_window(mean, st.start_loss, self._lr(), self._default_lr())
                    if found:
                        return self._diverged(found, f"at epoch {epoch}, batch {b}")
                yield BatchResult(epoch, b, batches, mean, self._pct(win_correct.item(), win_seen),
                                  seen / max(now - t_start, 1e-9), now - run_start, self._lr(),
                                  st.steps)
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
        st.progress = None
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
        lr = lr_at(self.state.steps, c.lr, c.schedule, self.steps_per_epoch(), c.epochs, c.step_epochs,
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
        self.diagnoses.diverged(found.finding, when, found.advice)
        return self._halt(f"{found.finding} {when}", found.status, "Training diverged", found.advice)

    # -- results ----------------------------------------------------------------------------------
    @torch.inference_mode()
    def predict_logits(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        out = [self.model(self.inputs(x[i:i + EVAL_BATCH])) for i in range(0, len(x), EVAL_BATCH)]
        return torch.cat(out) if out else torch.empty(0)

    def evaluate(self) -> tuple[float, Optional[float]]:
        if self.world_size > 1:
            return self._evaluate_shared()
        logits = self.test_logits = self.predict_logits(self.data.test_x)  # kept for the diagnoses
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
        return train_resume.resume(cls, path, epochs, data=data, control=control, log=log,
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
        return RunResult(self.spec.class_name, loss, acc, self.state.training_time,
                         len(self.history), describe(self.device), self.threads, self.stopped,
                         self.error, checkpoint, extra, status, self.state.best,
                         self.state.early_stopped, self.diagnoses.as_list())
