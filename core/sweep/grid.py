"""Optuna's grid sampler for a sweep that asks for its trials itself (core/sweep/study.py)."""
from __future__ import annotations

import optuna


class Grid(optuna.samplers.GridSampler):
    """Optuna's grid, less its study.stop() once every combination is taken: that call works only
    inside study.optimize(), and a sweep asks for trials itself (StudyRuns stops taking them)."""

    def after_trial(self, study, trial, state, values) -> None:
        pass
