"""The side panel where an experiment is set up: workflow, model, hyperparameters, device, data."""
from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.config import WORKFLOW_DEFAULTS, TrainConfig  # plain dataclasses, no torch: safe before the first paint

# (task id, name, one line). The line and the circles get their own settings in a later issue;
# they already train through the same trainer with the seeds' defaults.
WORKFLOWS = [
    ("fashion", "Fashion-MNIST", "70,000 greyscale 28×28 clothing images, 10 classes (notebook 03)."),
    ("line", "Straight line", "Regression: learn y = 0.7·x + 0.3 from 50 points (notebook 01)."),
    ("circles", "Two circles", "Binary classification of two noisy rings (notebook 02)."),
]
OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
DEVICE_NAMES = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA", "mps": "Apple MPS"}
LOADING = "loading…"


class CompactDoubleSpinBox(QDoubleSpinBox):
    """Shows 0.1 and 0.0003 as such, not padded to a fixed number of decimals."""

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()


class SetupPanel(QWidget):
    parameters_wanted = Signal(str, int)   # model id, hidden units: the window asks the worker

    def __init__(self, parent=None):
        super().__init__(parent)
        self._models = []          # core's ModelInfo list, once loaded
        self._pending_model = TrainConfig().model
        self._counts = {}
        self._restoring = False

        self.workflow = QComboBox()
        for task, name, _ in WORKFLOWS:
            self.workflow.addItem(name, task)
        self.workflow_about = self._note()
        self.model = QComboBox()
        self.model.setMinimumContentsLength(10)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_about = self._note(LOADING)
        self.model_params = self._note()

        self.epochs = self._spin(1, 1_000_000)
        self.batch_size = self._spin(1, 60_000)
        self.lr = CompactDoubleSpinBox()
        self.lr.setDecimals(8)
        self.lr.setRange(1e-8, 100.0)
        self.lr.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.optimizer = QComboBox()
        for key, name in OPTIMIZER_NAMES.items():
            self.optimizer.addItem(name, key)
        self.sketch = QCheckBox("Sketch-robust (mix drawings into batches)")
        self.sketch.setToolTip("Replace half of each batch with silhouettes and outlines of its "
                               "images, so the model also reads drawings (train --augment sketch)")
        self.weight_decay = CompactDoubleSpinBox()
        self.weight_decay.setDecimals(8)
        self.weight_decay.setRange(0.0, 10.0)
        self.weight_decay.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.hidden = self._spin(1, 4096)
        self.seed = self._spin(0, 2**31 - 1)
        self.device = QComboBox()
        for key, name in DEVICE_NAMES.items():
            self.device.addItem(name, key)
        self.device_found = self._note(f"Devices: {LOADING}")
        self.data_dir = QLineEdit()
        self.data_dir.setPlaceholderText("automatic")
        self.data_dir.setToolTip("A folder holding the four Fashion-MNIST files (.gz or not). "
                                 "Empty: the Debian package dataset-fashion-mnist, or a copy "
                                 "downloaded earlier.")
        self.browse = browse = QPushButton("…")
        browse.setToolTip("Choose the data folder")
        browse.setFixedWidth(browse.fontMetrics().horizontalAdvance("…") + 24)
        browse.clicked.connect(self._browse)
        self.data_source = self._note()

        data_row = QHBoxLayout()
        data_row.setContentsMargins(0, 0, 0, 0)
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(browse)

        experiment = QGroupBox("Experiment")
        form = QFormLayout(experiment)
        form.addRow("Workflow", self.workflow)
        form.addRow(self.workflow_about)
        form.addRow("Model", self.model)
        form.addRow(self.model_about)
        form.addRow(self.model_params)
        self.hyper = QGroupBox("Training")
        hform = QFormLayout(self.hyper)
        hform.addRow("Epochs", self.epochs)
        hform.addRow("Batch size", self.batch_size)
        hform.addRow("Learning rate", self.lr)
        hform.addRow("Optimizer", self.optimizer)
        hform.addRow("Weight decay", self.weight_decay)
        hform.addRow("Hidden units", self.hidden)
        hform.addRow("Seed", self.seed)
        hform.addRow(self.sketch)
        where = QGroupBox("Hardware and data")
        wform = QFormLayout(where)
        wform.addRow("Device", self.device)
        wform.addRow(self.device_found)
        wform.addRow("Data folder", data_row)
        wform.addRow(self.data_source)

        layout = QVBoxLayout(self)
        layout.addWidget(experiment)
        layout.addWidget(self.hyper)
        layout.addWidget(where)
        layout.addStretch(1)
        self.groups = [experiment, self.hyper, where]

        self.workflow.currentIndexChanged.connect(self._workflow_changed)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.hidden.valueChanged.connect(self._want_parameters)
        self.set_config({})

    @staticmethod
    def _note(text: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setEnabled(False)  # the palette's quieter text colour, in light and dark alike
        return label

    @staticmethod
    def _spin(lo: int, hi: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(lo, hi)
        box.setGroupSeparatorShown(True)
        return box

    # -- settings in and out ---------------------------------------------------------------------
    def config(self) -> TrainConfig:
        """A snapshot of what the panel says now (the worker copies it again at Start)."""
        return TrainConfig(model=self.model_id(), epochs=self.epochs.value(),
                           batch_size=self.batch_size.value(), lr=self.lr.value(),
                           optimizer=self.optimizer.currentData(),
                           weight_decay=self.weight_decay.value(),
                           hidden_units=self.hidden.value(), seed=self.seed.value(),
                           device=self.device.currentData(),
                           data_dir=self.data_dir.text().strip() or None,
                           augment="sketch" if self.sketch.isChecked() else "")

    def state(self) -> dict:
        """What to remember: the config plus the workflow it belongs to."""
        return {**self.config().to_dict(), "workflow": self.task()}

    def set_config(self, saved: dict) -> None:
        """Fill the panel from remembered settings; anything missing or odd takes the default."""
        d = TrainConfig().to_dict()
        d.update({k: v for k, v in saved.items() if k in d and (v is not None or k == "data_dir")})
        self._restoring = True
        try:
            self._set_combo(self.workflow, saved.get("workflow", "fashion"))
            self._pending_model = str(d["model"])
            self._fill_models(prefer=self._pending_model)
            for box, key in ((self.epochs, "epochs"), (self.batch_size, "batch_size"),
                             (self.hidden, "hidden_units"), (self.seed, "seed")):
                box.setValue(_in_range(box, d[key], int, box.value()))
            self.lr.setValue(_in_range(self.lr, d["lr"], float, 0.1))
            self.weight_decay.setValue(_in_range(self.weight_decay, d["weight_decay"], float, 0.0))
            self._set_combo(self.optimizer, d["optimizer"])
            self._set_combo(self.device, d["device"])
            folder = d.get("data_dir")
            self.data_dir.setText(folder if isinstance(folder, str) else "")
            self.sketch.setChecked(d.get("augment") == "sketch")
        finally:
            self._restoring = False
        self._update_enabled()
        self._want_parameters()

    @staticmethod
    def _set_combo(combo: QComboBox, key) -> None:
        i = combo.findData(key)
        if i >= 0:
            combo.setCurrentIndex(i)

    def task(self) -> str:
        return self.workflow.currentData()

    def model_id(self) -> str:
        return self.model.currentData() or self._pending_model

    # -- what core tells us ----------------------------------------------------------------------
    def set_core_info(self, info) -> None:
        self._models = list(info.models)
        self._fill_models()
        found = ", ".join(DEVICE_NAMES.get(d, d) for d in info.devices)
        self.device_found.setText(f"Found: {found}. Auto picks {info.auto_device}.")
        for i in range(self.device.count()):
            key = self.device.itemData(i)
            available = key == "auto" or key in info.devices
            item = self.device.model().item(i)
            item.setEnabled(available)
            name = DEVICE_NAMES.get(key, key)
            self.device.setItemText(i, f"Auto ({info.auto_device})" if key == "auto" else
                                    name if available else f"{name} (not found)")
        if self.device.currentData() not in ("auto", *info.devices):
            self._set_combo(self.device, "auto")
        self._want_parameters()

    def set_parameter_count(self, model_id: str, hidden: int, count: int) -> None:
        self._counts[(model_id, hidden)] = count
        self._show_model()

    def set_data_source(self, text: str) -> None:
        self.data_source.setText(text)

    def set_data_dir(self, folder: str) -> None:
        self.data_dir.setText(folder)

    def set_locked(self, locked: bool) -> None:
        """While a run trains, its settings stay as they were when it started."""
        for group in self.groups:
            group.setEnabled(not locked)
        if not locked:
            self._update_enabled()

    # -- reactions -------------------------------------------------------------------------------
    def _fill_models(self, prefer: str | None = None) -> None:
        task = self.task()
        keep = prefer or self.model.currentData() or self._pending_model
        self.model.blockSignals(True)
        self.model.clear()
        if not self._models:
            self.model.addItem(f"{keep} ({LOADING})", keep)
        for m in self._models:
            if m.task == task:
                self.model.addItem(f"{m.id} ({m.class_name})", m.id)
        i = self.model.findData(keep)
        self.model.setCurrentIndex(max(i, 0))
        self.model.blockSignals(False)
        self._pending_model = self.model.currentData() or keep
        self._model_changed()

    def _workflow_changed(self) -> None:
        task = self.task()
        self.workflow_about.setText(next(a for t, _, a in WORKFLOWS if t == task))
        if not self._restoring:
            defaults = WORKFLOW_DEFAULTS[task]
            self.epochs.setValue(defaults["epochs"])
            self.lr.setValue(defaults["lr"])
            self._fill_models()
        self._update_enabled()

    def _model_changed(self) -> None:
        if self.model.currentData():
            self._pending_model = self.model.currentData()
        self._update_enabled()
        self._want_parameters()

    def _spec(self):
        return next((m for m in self._models if m.id == self.model_id()), None)

    def _want_parameters(self) -> None:
        self._show_model()
        spec = self._spec()
        if spec is not None and (spec.id, self.hidden.value()) not in self._counts:
            self.parameters_wanted.emit(spec.id, self.hidden.value())

    def _show_model(self) -> None:
        spec = self._spec()
        if spec is None:
            self.model_about.setText(LOADING)
            self.model_params.setText("")
            return
        self.model_about.setText(spec.description)
        count = self._counts.get((spec.id, self.hidden.value()))
        self.model_params.setText("Parameters: " + (LOADING if count is None else
                                                    "unknown" if count < 0 else f"{count:,}"))

    def _update_enabled(self) -> None:
        spec = self._spec()
        fashion = self.task() == "fashion"
        # The toy workflows train on the whole set at once; their models have fixed widths.
        self.batch_size.setEnabled(fashion)
        self.hidden.setEnabled(spec.uses_hidden_units if spec else fashion)
        self.data_dir.setEnabled(fashion)  # the folder only matters for Fashion-MNIST
        self.sketch.setEnabled(fashion)
        self.browse.setEnabled(fashion)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder holding Fashion-MNIST",
                                                  self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)


def _in_range(box, value, kind, fallback):
    """A remembered value as the box can hold it: converted, finite, and clamped into its range
    (a hand-edited 3000000000 epochs becomes the box's maximum, not an OverflowError)."""
    try:
        value = kind(value)
    except (TypeError, ValueError, OverflowError):
        return fallback
    if not math.isfinite(value):
        return fallback
    return min(max(value, kind(box.minimum())), kind(box.maximum()))
