"""The widgets a setting gets in the setup panel (gui/training/setup_panel.py) and the toy data
panels (gui/toy/data_panels.py), from its declaration (core/settings_spec.py), and the signal each
sends when the user changes it."""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QLabel,
                               QLineEdit, QSpinBox, QWidget)

from core.settings_spec import Setting


class CompactDoubleSpinBox(QDoubleSpinBox):
    """Shows 0.1 and 0.0003 as such, not padded to a fixed number of decimals."""

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()


def changed_signal(widget):
    """The signal a setting's widget sends when the user changes its value."""
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, QLineEdit):
        return widget.editingFinished
    return widget.valueChanged


def plain_widget(spec: Setting) -> QWidget:
    """A setting's widget from its declaration: a combo of its choices, a spin box in its range,
    or a line to type it."""
    options = spec.options(resolve=False)
    if options is not None:
        box = QComboBox()
        for key, name in options.items():
            box.addItem(name, key)
        return box
    if spec.kind is int:
        box = spin_box(*spec.widget_bounds())
        if spec.step is not None:
            box.setSingleStep(int(spec.step))
        return box
    if spec.kind is float:
        box = CompactDoubleSpinBox()
        box.setDecimals(spec.decimals)
        box.setRange(*spec.widget_bounds())
        if spec.step is not None:  # a fixed arrow step (the toy data's), else one per decimal
            box.setSingleStep(spec.step)
        else:
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        return box
    return QLineEdit()


def note_label(text: str = "") -> QLabel:
    """A quiet line of explanation under a row."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setEnabled(False)  # the palette's quieter text colour, in light and dark alike
    return label


def spin_box(lo: int, hi: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setGroupSeparatorShown(True)
    return box
