"""Sweeps on Optuna: a study (kept in a database) asks for each run's values, hears each epoch's test
figure and may prune a run that is clearly worse than the others were at the same epoch.

`StudyRuns` is a source of runs for core/sweep/supervise.py's SweepRun: `take()` asks the study for
a trial (`study.ask()`: two processes joining one study never get the same trial), `epoch()`
reports the run's figure and asks the pruner, `ended()` tells the study how the trial ended
(COMPLETE with its figure, PRUNED, or FAIL) and tags the run in the history with the study and the
trial's number. The search space is core/sweep/space.py's; opening the database, with its
refusals in one line, is core/sweep/storage.py's.
"""
from __future__ import annotations

import os
from typing import Optional

from core.sweep.plan import Plan, finite_number
from core.sweep.space import Range, grid_size, space_json, suggest
from core.sweep.storage import StudyError, why, open_study

SAMPLERS = ("grid", "random", "tpe")
PRUNERS = ("none", "median")
TPE_STARTUP = 5      # random trials before TPE models the results (Optuna's default: 10)
PRUNE_STARTUP = 4    # finished trials before the median pruner prunes anything


def check_sampler(kind: str, space: dict) -> None:
    if kind not in SAMPLERS:
        raise ValueError(f"--sampler must be one of {', '.join(SAMPLERS)}, not {kind!r}")
    ranges = [name for name, v in space.items() if isinstance(v, Range)]
    if kind == "grid" and ranges:
        raise ValueError(f"--sampler grid takes lists only: {', '.join(ranges)} is a range "
                         "(write its values separated by commas, or use --sampler tpe)")


def make_sampler(kind: str, space: dict, seed: Optional[int]):
    import optuna
    check_sampler(kind, space)
    if kind == "grid":
        from core.sweep.grid import Grid
        return Grid({k: list(v) for k, v in space.items()}, seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=TPE_STARTUP)


def make_pruner(kind: str):
    import optuna
    if kind == "none":
        return optuna.pruners.NopPruner()
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=PRUNE_STARTUP, n_warmup_steps=0)
    raise ValueError(f"--pruner must be one of {', '.join(PRUNERS)}, not {kind!r}")


class StudyRuns:
    """A study's trials as a sweep's runs: at most `trials` of this process's own."""

    def __init__(self, plan: Plan, space: dict, name: str, storage: str, sampler: str = "tpe",
                 pruner: str = "none", trials: Optional[int] = None, seed: Optional[int] = None):
        if sampler == "grid":
            trials = trials or grid_size(space)
        if not trials or trials < 1:
            raise ValueError(f"--trials must be 1 or more, not {trials}"
                             if trials is not None else "--trials N is needed with --sampler "
                             f"{sampler} (how many runs this process trains)")
        self.plan, self.space = plan, space
        self.sampler_kind, self.pruner_kind = sampler, pruner
        self.total = trials
        self.metric = "test_acc" if plan.task != "line" else "test_loss"
        direction = "maximize" if self.metric == "test_acc" else "minimize"
        self.study, self.storage, self.joined = open_study(
            name, storage, direction, plan.model, space_json(space), lambda joined: make_sampler(
                sampler, space, _seed(seed, joined)), make_pruner(pruner))
        self.name = name
        self.taken = 0
        self.trials: dict[int, object] = {}  # child index -> its optuna Trial
        self._grid_left = grid_size(space) if sampler == "grid" else None

    def to_json(self) -> dict:
        return {"study": self.name, "storage": self.storage, "sampler": self.sampler_kind,
                "pruner": self.pruner_kind, "trials": self.total, "joined": self.joined,
                "metric": self.metric, "space": space_json(self.space)}

    def more(self) -> bool:
        return self.taken < self.total and (self._grid_left is None or self._grid_left > 0)

    def take(self) -> Optional[tuple[int, dict, list[str]]]:
        if self.sampler_kind == "grid" and not self._grid_unvisited():
            self._grid_left = 0  # other processes took the rest of the grid
            return None
        try:
            trial = self.study.ask()
            values = suggest(trial, self.space)
        except (ValueError, TypeError):
            raise
        except Exception as e:  # noqa: BLE001 - sqlalchemy's errors: one line, the sweep ends
            raise StudyError(why(e, self.storage)) from None
        index = self.taken
        self.taken += 1
        self.trials[index] = trial
        return index, values, []

    def _grid_unvisited(self) -> bool:
        """Whether the grid has a combination no trial of the study (any process's) has taken."""
        import optuna
        names = sorted(self.space)
        taken = {tuple(t.params.get(k) for k in names) for t in self.study.get_trials(deepcopy=False)
                 if t.state != optuna.trial.TrialState.FAIL
                 and all(t.params.get(k) in self.space[k] for k in names)}
        return len(taken) < grid_size(self.space)

    def not_started(self) -> list[tuple[int, dict]]:
        return []  # a study's trials are asked for one at a time: none waits unstarted

    def epoch(self, child, line: dict) -> bool:
        figure = finite_number(line.get(self.metric))
        epoch = line.get("epoch")
        trial = self.trials.get(child.index)
        if trial is None or figure is None or not isinstance(epoch, int):
            return False
        trial.report(figure, epoch)
        return self.pruner_kind != "none" and trial.should_prune()

    def ended(self, child, entry: dict) -> None:
        import optuna
        from core.runs.store import StoreError
        from core.runs.trials import tag_trial
        trial = self.trials.pop(child.index, None)
        if trial is None:
            return
        entry["trial"] = trial.number
        entry["study"] = self.name
        value = finite_number(entry.get("model_acc" if self.metric == "test_acc" else "model_loss"))
        state = optuna.trial.TrialState
        try:
            trial.set_user_attr("run_id", entry.get("run_id"))
            trial.set_user_attr("status", entry["status"])
            if entry["status"] == "finished" and value is not None:
                self.study.tell(trial, value)
            elif entry["status"] == "pruned":
                self.study.tell(trial, state=state.PRUNED)
            else:  # failed, or stopped with the sweep: not a figure the search should learn from
                self.study.tell(trial, state=state.FAIL)
        except Exception as e:  # noqa: BLE001 - the database went away: the run is kept all the same
            entry["study_error"] = why(e, self.storage)
        if entry.get("run_id"):
            try:
                tag_trial(entry["run_id"], f"{self.name} #{trial.number}",
                          pruned=entry["status"] == "pruned")
            except StoreError as e:  # the run and the study keep their figures; only the tag is lost
                entry["history_error"] = str(e)

    def best(self) -> Optional[dict]:
        """The study's best trial so far, every process's counted."""
        try:
            t = self.study.best_trial
        except ValueError:  # no trial completed yet
            return None
        return {"trial": t.number, "value": t.value, "params": t.params,
                "run_id": t.user_attrs.get("run_id")}


def _seed(seed: Optional[int], joined: bool) -> Optional[int]:
    """The study's first process draws from --seed (a repeatable sweep); a process joining a study
    draws from its own seed too, or two processes with one seed would try the same values."""
    if seed is None or not joined:
        return seed
    return (seed * 1_000_003 + os.getpid()) % 2**32
