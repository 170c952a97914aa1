"""The side panel where an experiment is set up: workflow, model, hyperparameters, device, data."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

# Plain dataclasses and declarations, no torch: safe before the first paint.
from core.config import DEVICE_NAMES, WORKFLOWS, TrainConfig
from core.settings_spec import BOXES, Setting, settings_of

LOADING = "loading…"
# Panel attributes the window and the tests know by another name than the setting's.
ALIASES = {"hidden_units": "hidden", "augment": "sketch"}


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
    """The form is built from the settings' declarations (core/config.py): one row per setting
    with a box, in declaration order, with the widget its type asks for, its range and its help
    as tooltip; a row is hidden while the workflow does not use it. The model, device and data
    folder rows keep their own widgets and notes."""
    parameters_wanted = Signal(str, int)   # model id, hidden units: the window asks the worker

    def __init__(self, parent=None):
        super().__init__(parent)
        self._settings = [s for s in settings_of(TrainConfig) if s.box is not None]
        self._models = []          # core's ModelInfo list, once loaded
        self._pending_model = TrainConfig().model
        self._recipe_model = self._pending_model  # the model whose starting values the panel shows
        self._counts = {}
        self._restoring = False
        self.widgets: dict[str, QWidget] = {}
        self._rows: dict[str, list] = {}      # setting -> what to hide with it (form rows)
        self._forms: dict[str, QFormLayout] = {}

        self.workflow = QComboBox()
        for task, name, _ in WORKFLOWS:
            self.workflow.addItem(name, task)
        self.workflow_about = self._note()

        boxes = [QGroupBox(title) for title in BOXES]
        for title, box in zip(BOXES, boxes):
            self._forms[title] = QFormLayout(box)
        self.hyper = boxes[BOXES.index("Training")]
        self._forms["Experiment"].addRow("Workflow", self.workflow)
        self._forms["Experiment"].addRow(self.workflow_about)
        for spec in self._settings:
            self._add_row(spec)

        layout = QVBoxLayout(self)
        for box in boxes:
            layout.addWidget(box)
        layout.addStretch(1)
        self.groups = boxes

        self.workflow.currentIndexChanged.connect(self._workflow_changed)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.hidden.valueChanged.connect(self._want_parameters)
        self.set_config({})

    # -- building the form -----------------------------------------------------------------------
    def _add_row(self, spec: Setting) -> None:
        form = self._forms[spec.box]
        make = {"model": self._model_row, "device": self._device_row,
                "folder": self._folder_row}.get(spec.widget)
        if make is not None:
            widget, rows = make(spec, form)
        elif spec.widget == "check" or spec.kind is bool:
            widget = QCheckBox(spec.label)
            form.addRow(widget)
            rows = [widget]
        else:
            widget = self._plain_widget(spec)
            form.addRow(spec.label, widget)
            rows = [widget]
        tip = f"{spec.help} ({spec.flag})"
        widget.setToolTip(tip[:1].upper() + tip[1:])
        self.widgets[spec.name] = widget
        self._rows[spec.name] = rows
        name = ALIASES.get(spec.name, spec.name)
        if not hasattr(QWidget, name):  # a setting called e.g. "font" stays in self.widgets only
            setattr(self, name, widget)

    def _plain_widget(self, spec: Setting) -> QWidget:
        options = spec.options(resolve=False)
        if options is not None:
            box = QComboBox()
            for key, name in options.items():
                box.addItem(name, key)
            return box
        if spec.kind is int:
            return self._spin(*spec.widget_bounds())
        if spec.kind is float:
            box = CompactDoubleSpinBox()
            box.setDecimals(spec.decimals)
            box.setRange(*spec.widget_bounds())
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            return box
        return QLineEdit()

    def _model_row(self, spec: Setting, form: QFormLayout):
        self.model = QComboBox()
        self.model.setMinimumContentsLength(10)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_about = self._note(LOADING)
        self.model_params = self._note()
        form.addRow(spec.label, self.model)
        form.addRow(self.model_about)
        form.addRow(self.model_params)
        return self.model, [self.model, self.model_about, self.model_params]

    def _device_row(self, spec: Setting, form: QFormLayout):
        self.device = QComboBox()
        for key, name in spec.options().items():
            self.device.addItem(name, key)
        self.device_found = self._note(f"Devices: {LOADING}")
        form.addRow(spec.label, self.device)
        form.addRow(self.device_found)
        return self.device, [self.device, self.device_found]

    def _folder_row(self, spec: Setting, form: QFormLayout):
        self.data_dir = QLineEdit()
        self.data_dir.setPlaceholderText("automatic")
        self.browse = browse = QPushButton("…")
        browse.setToolTip("Choose the data folder")
        browse.setFixedWidth(browse.fontMetrics().horizontalAdvance("…") + 24)
        browse.clicked.connect(self._browse)
        self.data_source = self._note()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.data_dir, 1)
        row.addWidget(browse)
        form.addRow(spec.label, row)
        form.addRow(self.data_source)
        return self.data_dir, [row, self.data_source]

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

    # -- one setting's value in and out ----------------------------------------------------------
    def _value(self, spec: Setting):
        widget = self.widgets[spec.name]
        if spec.widget == "model":
            return self.model_id()
        if spec.widget == "folder":
            return widget.text().strip() or None
        if isinstance(widget, QCheckBox):
            if spec.kind is bool:
                return widget.isChecked()
            return list(spec.options())[1 if widget.isChecked() else 0]  # (off, on)
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QLineEdit):
            return widget.text() or (None if spec.optional else "")
        return widget.value()

    def _put(self, spec: Setting, value) -> None:
        widget = self.widgets[spec.name]
        if spec.widget == "model":
            self._pending_model = str(value)
            self._fill_models(prefer=self._pending_model)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value) if spec.kind is bool else value == list(spec.options())[1])
        elif isinstance(widget, QComboBox):
            self._set_combo(widget, value)
        elif isinstance(widget, QLineEdit):
            widget.setText(value if isinstance(value, str) else "")
        else:
            widget.setValue(value)

    # -- settings in and out ---------------------------------------------------------------------
    def config(self) -> TrainConfig:
        """A snapshot of what the panel says now (the worker copies it again at Start); settings
        the panel does not show keep their defaults."""
        return TrainConfig(**{spec.name: self._value(spec) for spec in self._settings})

    def state(self) -> dict:
        """What to remember: the config plus the workflow it belongs to."""
        return {**self.config().to_dict(), "workflow": self.task()}

    def set_config(self, saved: dict) -> None:
        """Fill the panel from remembered settings; anything missing or odd takes the workflow's
        default, and numbers are clamped into their widget's range."""
        self._restoring = True
        try:
            self._set_combo(self.workflow, saved.get("workflow", "fashion"))
            task = self.task()
            model = saved.get("model") if isinstance(saved.get("model"), str) else None
            for spec in self._settings:
                fallback = spec.default_for(task, model)
                self._put(spec, spec.restore(saved.get(spec.name, fallback), fallback))
            self._recipe_model = self.model_id()
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
            for spec in self._settings:
                if spec.per_workflow:  # epochs and learning rate start from the workflow's own
                    self._put(spec, spec.default_for(task))
            self._fill_models()
        self._update_enabled()

    def _model_changed(self) -> None:
        if self.model.currentData():
            self._pending_model = self.model.currentData()
            if not self._restoring and self._pending_model != self._recipe_model:
                self._model_defaults(self._recipe_model, self._pending_model)
        self._update_enabled()
        self._want_parameters()

    def _model_defaults(self, old: str, new: str) -> None:
        """A model with a recipe of its own (core/config.py, per_model; fashion-best) brings its
        starting values when picked, and leaving it brings back the ones the new model starts
        from; settings neither model has its own value for keep what the user set."""
        task = self.task()
        for spec in self._settings:
            if old in spec.per_model or new in spec.per_model:
                self._put(spec, spec.default_for(task, new))
        self._recipe_model = new

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
        """Rows the workflow does not use are hidden (and disabled, so config() is plainly
        theirs by default); the toy workflows train on the whole set at once and their models
        have fixed widths."""
        task = self.task()
        spec_of_model = self._spec()
        for spec in self._settings:
            used = spec.used_in(task)
            for row in self._rows[spec.name]:
                self._forms[spec.box].setRowVisible(row, used)
            enabled = used
            if spec.name == "hidden_units" and spec_of_model is not None:
                enabled = used and spec_of_model.uses_hidden_units
            self.widgets[spec.name].setEnabled(enabled)
        self.browse.setEnabled(self.data_dir.isEnabled())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder holding Fashion-MNIST",
                                                  self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

