"""The side panel where an experiment is set up: workflow, model, hyperparameters, device, data."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

# Plain dataclasses and declarations, no torch: safe before the first paint.
from core import workflows
from core.config import DEVICE_NAMES, WORKFLOWS, TrainConfig
from core.settings_spec import BOXES, Setting, settings_of
from gui.shared.narrow_fields import let_fields_narrow
from gui.shared.setting_widgets import changed_signal, note_label, plain_widget
from gui.training.data_choice import DataChoice
from gui.training.folder_row import folder_row
from gui.training.lr_finder import lr_button

LOADING = "loading…"
# Panel attributes the window and the tests know by another name than the setting's.
ALIASES = {"hidden_units": "hidden", "augment": "sketch"}


class SetupPanel(QWidget):
    """The form is built from the settings' declarations (core/config.py): one row per setting
    with a box, in declaration order, with the widget its type asks for, its range and its help
    as tooltip; a row is hidden while the workflow does not use it. The model, device and data
    folder rows keep their own widgets and notes."""
    # model id, hidden units, None or (input shape, classes): the window asks the worker
    parameters_wanted = Signal(str, int, object)
    changed = Signal()                     # any setting, the workflow or the toy data changed
    folder_wanted = Signal()               # the image folder on show should be looked at

    def __init__(self, parent=None):
        super().__init__(parent)
        self._settings = [s for s in settings_of(TrainConfig) if s.box is not None]
        self._models = []          # core's ModelInfo list, once loaded
        self._pending_model = TrainConfig().model
        self._recipe_model = self._pending_model  # the model whose starting values the panel shows
        self._counts = {}
        self._folder_classes = 0   # the image folder's class count, once the worker has looked
        self._restoring = False
        self.widgets: dict[str, QWidget] = {}
        self._rows: dict[str, list] = {}      # setting -> what to hide with it (form rows)
        self._forms: dict[str, QFormLayout] = {}
        self._browse_buttons: dict[str, QPushButton] = {}
        self.toy_data: dict = {}   # workflow -> its data panel (gui/toy/data_panels.py), once core is in
        self._saved_toy: dict = {}  # remembered toy data values, applied when those panels are made

        self.workflow = QComboBox()
        for task, name, _ in WORKFLOWS:
            self.workflow.addItem(name, task)
        self.workflow_about = note_label()

        boxes = [QGroupBox(title) for title in BOXES]
        for title, box in zip(BOXES, boxes):
            self._forms[title] = QFormLayout(box)
        self.hyper = boxes[BOXES.index("Training")]
        self._forms["Experiment"].addRow("Workflow", self.workflow)
        self._forms["Experiment"].addRow(self.workflow_about)
        for spec in self._settings:
            self._add_row(spec)
        self.find_lr = lr_button(self._forms["Training"], self.lr)  # gui/training/lr_finder.py
        self.data_choice = DataChoice(self._settings, self._forms)  # gui/training/data_choice.py
        self.data_chooses = self.data_choice.box
        self.data_chooses.toggled.connect(self._update_enabled)
        self.data_chooses.toggled.connect(self.changed)

        layout = QVBoxLayout(self)
        for box in boxes:
            layout.addWidget(box)
        layout.addStretch(1)
        self.groups = boxes
        let_fields_narrow(self)

        self.workflow.currentIndexChanged.connect(self._workflow_changed)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.hidden.valueChanged.connect(self._want_parameters)
        self.image_size.valueChanged.connect(self._want_parameters)
        self.workflow.currentIndexChanged.connect(self.changed)
        for name, widget in self.widgets.items():
            changed_signal(widget).connect(self.changed)
        for name in ("image_folder", "image_size", "test_fraction", "split_seed"):
            changed_signal(self.widgets[name]).connect(self.want_folder)
        self.workflow.currentIndexChanged.connect(self.want_folder)
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
            widget = plain_widget(spec)
            form.addRow(spec.label, widget)
            rows = [widget]
        tip = f"{spec.help} ({spec.flag})"
        widget.setToolTip(tip[:1].upper() + tip[1:])
        self.widgets[spec.name] = widget
        self._rows[spec.name] = rows
        name = ALIASES.get(spec.name, spec.name)
        if not hasattr(QWidget, name):  # a setting called e.g. "font" stays in self.widgets only
            setattr(self, name, widget)

    def _model_row(self, spec: Setting, form: QFormLayout):
        self.model = QComboBox()
        self.model.setMinimumContentsLength(10)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_about = note_label(LOADING)
        self.model_params = note_label()
        form.addRow(spec.label, self.model)
        form.addRow(self.model_about)
        form.addRow(self.model_params)
        return self.model, [self.model, self.model_about, self.model_params]

    def _device_row(self, spec: Setting, form: QFormLayout):
        self.device = QComboBox()
        for key, name in spec.options().items():
            self.device.addItem(name, key)
        self.device_found = note_label(f"Devices: {LOADING}")
        form.addRow(spec.label, self.device)
        form.addRow(self.device_found)
        return self.device, [self.device, self.device_found]

    def _folder_row(self, spec: Setting, form: QFormLayout):
        edit, browse, note, rows = folder_row(spec, form, self)  # gui/training/folder_row.py
        self._browse_buttons[spec.name] = browse
        if spec.name == "data_dir":
            self.browse, self.data_source = browse, note
        else:
            setattr(self, f"{spec.name}_note", note)
        return edit, rows

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
        return TrainConfig(**{spec.name: self._value(spec) for spec in self._settings},
                           **self._toy_config(), from_data=self.data_choice.left_to_data(self.task()))

    def _toy_config(self) -> dict:
        return {task: panel.values() for task, panel in self.toy_data.items()}

    def state(self) -> dict:
        """What to remember: the config plus the workflow it belongs to."""
        return {**self.config().to_dict(), "workflow": self.task(),
                "data_chooses": self.data_chooses.isChecked()}

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
            self.data_choice.restore(saved)
            self._saved_toy = {k: saved[k] for k in ("line", "circles") if isinstance(saved.get(k), dict)}
            self._restore_toy()
        finally:
            self._restoring = False
        self._update_enabled()
        self._want_parameters()

    @staticmethod
    def _set_combo(combo: QComboBox, key) -> None:
        if not isinstance(key, str):  # every choice is text; a damaged file may hold anything
            return
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
        self._add_toy_data()
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

    def set_parameter_count(self, model_id: str, hidden: int, inputs, count: int) -> None:
        self._counts[(model_id, hidden, inputs)] = count
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
        if i < 0:  # a model of another workflow: this workflow's own starting model
            i = self.model.findData(workflows.get(task).default_model)
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
        key = self._count_key()
        if spec is not None and key not in self._counts:
            self.parameters_wanted.emit(*key)

    def _count_key(self) -> tuple:
        """(model, hidden units, inputs) whose parameters are shown: an image-folder model is
        sized by the image size and the folder's class count (3, notebook 04's, until known)."""
        inputs = None
        if self.task() == "folder":
            size = self.image_size.value()
            inputs = ((3, size, size), self._folder_classes or 3)
        return self.model_id(), self.hidden.value(), inputs

    def _show_model(self) -> None:
        spec = self._spec()
        if spec is None:
            self.model_about.setText(LOADING)
            self.model_params.setText("")
            return
        self.model_about.setText(spec.description)
        count = self._counts.get(self._count_key())
        self.model_params.setText("Parameters: " + (LOADING if count is None else
                                                    "unknown" if count < 0 else f"{count:,}"))

    def _update_enabled(self) -> None:
        """Rows the workflow does not use are hidden (and disabled, so config() is plainly
        theirs by default); the toy workflows train on the whole set at once and their models
        have fixed widths."""
        task = self.task()
        spec_of_model = self._spec()
        left_to_data = self.data_choice.left_to_data(task)
        for spec in self._settings:
            used = spec.used_in(task)
            for row in self._rows[spec.name]:
                self._forms[spec.box].setRowVisible(row, used)
            enabled = used and spec.name not in left_to_data
            if spec.name == "hidden_units" and spec_of_model is not None:
                enabled = used and spec_of_model.uses_hidden_units
            self.widgets[spec.name].setEnabled(enabled)
        self.data_choice.show_for(task)
        for name, button in self._browse_buttons.items():
            button.setEnabled(self.widgets[name].isEnabled())
        for t, panel in self.toy_data.items():
            panel.setVisible(t == task)

    # -- the toy workflows' data and an image folder's contents -----------------------------------
    def _add_toy_data(self) -> None:
        """The line's and the circles' data forms (notebooks 01, 02), made once core is in (the
        window's first paint waits for nothing it does not show)."""
        if self.toy_data:
            return
        from gui.toy.data_panels import CirclesDataPanel, LineDataPanel
        form = self._forms["Experiment"]
        for task, panel in (("line", LineDataPanel()), ("circles", CirclesDataPanel())):
            self.toy_data[task] = panel
            form.addRow(panel)
            panel.changed.connect(self.changed)
        let_fields_narrow(self)
        self._restore_toy()
        self._update_enabled()

    def _restore_toy(self) -> None:
        """Remembered toy data, converted and clamped by the forms (hand-edited files)."""
        for task, panel in self.toy_data.items():
            panel.blockSignals(True)
            panel.set_values(self._saved_toy.get(task) or {})
            panel.blockSignals(False)

    def want_folder(self) -> None:
        """Ask for a look at the image folder (folder_wanted), when that workflow is on show."""
        if self.task() == "folder" and not self._restoring:
            self.folder_wanted.emit()

    def set_folder_summary(self, text: str, classes: int = 0) -> None:
        """What the chosen image folder holds and the memory it will take (from the worker), and
        its class count (0: unknown), which sizes the model's last layer."""
        self.image_folder_note.setText(text)
        if classes >= 2 and classes != self._folder_classes:
            self._folder_classes = classes
            self._want_parameters()

