"""SweepDialog: what a sweep varies (comma-separated lists, or LOW:HIGH[:log] ranges for an Optuna
study), checked as it is typed with the same checks `main.py sweep` makes (core/sweep/plan.py,
space.py), and the `main.py sweep` arguments it adds up to. "Search" picks the plain grid (or its
random sample) or an Optuna study (TPE, random or grid, with --trials, a pruner and a study name).

The lists start from the last sweep's (remembered in the window's QSettings), else from the setup
panel's values; the device, seed and data folder come from the setup panel.
"""
from __future__ import annotations

import json
from typing import Optional

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout)

from core.config import TrainConfig
from core.settings_spec import settings_of

REMEMBERED = "sweep/dialog"  # the QSettings key of the last sweep's fields (JSON)
LISTS = (("lr", "Learning rates"), ("batch_size", "Batch sizes"), ("hidden_units", "Hidden units"),
         ("optimizer", "Optimizers"), ("momentum", "Momentum"))
SEARCHES = (("plain", "every combination (or a random sample)"), ("tpe", "Optuna study: TPE"),
            ("random", "Optuna study: random"), ("grid", "Optuna study: grid"))
_SETTINGS = {s.name: s for s in settings_of(TrainConfig)}


def _text(name: str, value) -> str:
    return f"{value:g}" if isinstance(value, float) else _SETTINGS[name].cli_text(value)


class SweepDialog(QDialog):
    def __init__(self, config: Optional[TrainConfig] = None, settings=None, out: str = "runs",
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle("New sweep")
        self.base = config or TrainConfig()
        self.settings, self.out = settings, out
        self.plan = None  # core.sweep.plan.Plan of the fields as they are, or None when they are not allowed
        self.model = QComboBox()
        for model_id in _SETTINGS["model"].options():
            self.model.addItem(model_id, model_id)
        self.fields: dict[str, QLineEdit] = {}
        self._tips: dict[str, str] = {}
        form = QFormLayout()
        form.addRow("&Model", self.model)
        for name, label in LISTS:
            edit = QLineEdit()
            spec = _SETTINGS[name]
            options = spec.options()
            edit.setPlaceholderText(
                "comma-separated, e.g. " + ("sgd,adam" if options else "0.01,0.1" if spec.kind is float
                                            else "32,64"))
            edit.setToolTip(f"{spec.help}; several values separated by commas, each one a row "
                            "of the grid" + (f" ({', '.join(options)})" if options else "; or a "
                            "range LOW:HIGH (LOW:HIGH:log for a log scale) an Optuna study samples"))
            self.fields[name] = edit
            self._tips[name] = edit.toolTip()
            form.addRow(f"{label}", edit)
        self.epochs = QSpinBox(minimum=1, maximum=_SETTINGS["epochs"].widget_bounds()[1])
        self.epochs.setToolTip("epochs of each run")
        form.addRow("&Epochs", self.epochs)
        self.random = QSpinBox(minimum=0, maximum=10_000)
        self.random.setSpecialValueText("all combinations")
        self.random.setToolTip("train this many combinations drawn at random from the grid "
                               "(the setup panel's seed makes the draw repeatable)")
        form.addRow("&Random sample", self.random)
        self.search = QComboBox()
        for key, text in SEARCHES:
            self.search.addItem(text, key)
        self.search.setToolTip("how the runs' values are picked: the plain grid, or an Optuna study "
                               "(TPE learns from the runs so far; a range needs TPE or random)")
        form.addRow("&Search", self.search)
        self.trials = QSpinBox(minimum=0, maximum=10_000)
        self.trials.setSpecialValueText("the grid's size")
        self.trials.setToolTip("runs this sweep trains for the study")
        form.addRow("&Trials", self.trials)
        self.pruner = QComboBox()
        self.pruner.addItem("none: every run to its last epoch", "none")
        self.pruner.addItem("median: stop runs below the median at an epoch", "median")
        form.addRow("&Pruner", self.pruner)
        self.study = QLineEdit()
        self.study.setPlaceholderText("a new study")
        self.study.setToolTip("the study's name: sweeps with the same name (here or on machines "
                              "sharing its database) work on one study")
        form.addRow("Stud&y name", self.study)
        self.parallel = QSpinBox(minimum=0, maximum=256)
        self.parallel.setSpecialValueText("auto")
        self.parallel.setToolTip("runs training at once; auto: one per CPU core (two cores a run "
                                 "for fashion-v2), or one per GPU")
        form.addRow("Runs at &once", self.parallel)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start sweep")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(self.buttons)
        self._fill()
        self.model.currentIndexChanged.connect(self._model_changed)
        for edit in self.fields.values():
            edit.textChanged.connect(self.check)
        for box in (self.epochs, self.random, self.parallel, self.trials):
            box.valueChanged.connect(self.check)
        for box in (self.search, self.pruner):
            box.currentIndexChanged.connect(self.check)
        self.study.textChanged.connect(self.check)
        self._model_changed()
        self.setMinimumWidth(460)

    # -- the fields -------------------------------------------------------------------------------
    def _fill(self) -> None:
        remembered = {}
        if self.settings is not None:
            try:
                remembered = json.loads(str(self.settings.value(REMEMBERED) or "{}"))
            except (ValueError, RecursionError):  # a damaged file: start from the panel's values
                remembered = {}
            if not isinstance(remembered, dict):
                remembered = {}
        index = self.model.findData(self.base.model)
        self.model.setCurrentIndex(max(index, 0))
        for name, edit in self.fields.items():
            value = remembered.get(name)
            edit.setText(value if isinstance(value, str) else _text(name, getattr(self.base, name)))
        self.epochs.setValue(self.base.epochs)
        for key, box in (("random", self.random), ("parallel", self.parallel), ("trials", self.trials)):
            value = remembered.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                box.setValue(min(max(value, box.minimum()), box.maximum()))  # hand-edited: clamped
        for key, box in (("search", self.search), ("pruner", self.pruner)):
            index = box.findData(remembered.get(key))
            if index >= 0:
                box.setCurrentIndex(index)

    def _model_changed(self) -> None:
        from core.models import get_spec

        task = get_spec(self.model.currentData()).task
        for name, edit in self.fields.items():
            used = _SETTINGS[name].used_in(task)
            edit.setEnabled(used)
            edit.setToolTip(self._tips[name] if used else "the image models only")
        self.check()

    def lists(self) -> dict:
        """{setting: text} of the enabled, non-empty list fields."""
        return {name: edit.text().strip() for name, edit in self.fields.items()
                if edit.isEnabled() and edit.text().strip()}

    def passed(self) -> dict:
        """The settings every run gets: the epochs here, the rest from the setup panel."""
        from core.models import get_spec
        from core.sweep.plan import PASSED
        task = get_spec(self.model.currentData()).task
        data = {name: getattr(self.base, name) for name in PASSED  # where the data is, as set
                if name not in ("epochs", "seed", "device", "threads")
                and _SETTINGS[name].used_in(task)}
        return {"epochs": self.epochs.value(), "seed": self.base.seed, "device": self.base.device,
                **{k: v for k, v in data.items() if v not in (None, "")}}

    def is_study(self) -> bool:
        return self.search.currentData() != "plain"

    def _check_study(self) -> str:
        """The study's fields as `main.py sweep` checks them (the database is opened when it
        starts); returns the summary line. ValueError when something is not allowed."""
        from core.sweep.plan import make_plan
        from core.sweep.space import check_lists, grid_size, parse_space
        from core.sweep.study import check_sampler
        space = parse_space(self.lists())
        if not space:
            raise ValueError("a study needs at least one setting to vary")
        sampler = self.search.currentData()
        check_sampler(sampler, space)
        trials = self.trials.value() or (grid_size(space) if sampler == "grid" else 0)
        if not trials:
            raise ValueError(f"set the trials: how many runs the {sampler} search trains")
        self.plan = make_plan(self.model.currentData(), check_lists(space), self.passed(),
                              seed=self.base.seed, parallel=self.parallel.value() or None, out=self.out)
        name = self.study.text().strip() or "a new study"
        return (f"{trials} trial{'s' * (trials != 1)} of {self.plan.model} for {name} "
                f"({sampler}, pruner {self.pruner.currentData()}), {self.epochs.value()} "
                f"epoch{'s' * (self.epochs.value() != 1)} each.")

    def check(self) -> bool:
        """Check the fields as `main.py sweep` would; say how many runs, or what is not allowed."""
        from core.sweep.plan import make_plan, parse_list

        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        study = self.is_study()
        self.random.setEnabled(not study)
        for box in (self.trials, self.pruner, self.study):
            box.setEnabled(study)
        try:
            if study:
                self.summary.setText(self._check_study())
                ok.setEnabled(True)
                return True
            lists = {name: parse_list(name, text) for name, text in self.lists().items()}
            self.plan = make_plan(self.model.currentData(), lists, self.passed(),
                                  random_n=self.random.value() or None, seed=self.base.seed,
                                  parallel=self.parallel.value() or None, out=self.out)
        except ValueError as e:
            self.plan = None
            self.summary.setText(f"<span style='color:#d62728'>{e}</span>")
            ok.setEnabled(False)
            return False
        n = len(self.plan.runs)
        self.summary.setText(f"{n} run{'s' * (n != 1)} of {self.plan.model}, "
                             f"{self.plan.parallel} at a time ({self.plan.why}), "
                             f"{self.epochs.value()} epoch{'s' * (self.epochs.value() != 1)} each.")
        ok.setEnabled(True)
        return True

    def arguments(self) -> list[str]:
        """`main.py sweep`'s arguments for the fields as they are (they must pass check())."""
        args = ["sweep", "--model", self.model.currentData()]
        for name, text in self.lists().items():
            args += [_SETTINGS[name].flag, text]
        for name, value in self.passed().items():
            if value is not None:
                args += [_SETTINGS[name].flag, str(value)]
        if self.is_study():
            args += ["--sampler", self.search.currentData(), "--pruner", self.pruner.currentData()]
            if self.trials.value():
                args += ["--trials", str(self.trials.value())]
            if self.study.text().strip():
                args += ["--study", self.study.text().strip()]
        elif self.random.value():
            args += ["--random", str(self.random.value())]
        if self.parallel.value():
            args += ["--parallel", str(self.parallel.value())]
        return args + ["--out", str(self.out)]

    def accept(self) -> None:
        if not self.check():
            return
        if self.settings is not None:
            self.settings.setValue(REMEMBERED, json.dumps(
                {**{name: edit.text().strip() for name, edit in self.fields.items()},
                 "random": self.random.value(), "parallel": self.parallel.value(),
                 "trials": self.trials.value(), "search": self.search.currentData(),
                 "pruner": self.pruner.currentData()}))
        super().accept()
