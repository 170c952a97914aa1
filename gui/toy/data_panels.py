"""The data settings of the two toy workflows, one row per declared setting
(core/data/toy_settings.py): its label, widget, range, step and help come from the declaration, so
the window, the CLI and the tests cannot drift apart; remembered values are clamped into range."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox

from core.data.toy_settings import CirclesData, LineData
from core.settings_spec import settings_of
from gui.shared.setting_widgets import changed_signal, plain_widget


class DataPanel(QGroupBox):
    """A form of numeric fields; `values()` gives the make_* keyword arguments."""

    changed = Signal()
    DATA: type = LineData  # the declarations' dataclass

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent)
        form = QFormLayout(self)
        self.specs = {spec.name: spec for spec in settings_of(self.DATA)}
        self.fields = {}
        for name, spec in self.specs.items():
            box = plain_widget(spec)
            box.setValue(spec.default)
            box.setKeyboardTracking(False)  # one change when typing ends, not one per keystroke
            tip = f"{spec.help} ({spec.flag})"
            box.setToolTip(tip[:1].upper() + tip[1:])
            changed_signal(box).connect(self.changed)
            form.addRow(spec.label, box)
            self.fields[name] = box

    def values(self) -> dict:
        return {k: box.value() for k, box in self.fields.items()}

    def set_values(self, values) -> None:
        """Every field from remembered values as far as it can hold them (converted, finite and
        clamped into its range: a hand-edited seed of 3000000000 becomes the largest seed), the
        rest at their defaults; a damaged file never stops the window."""
        values = values if isinstance(values, dict) else {}
        for name, spec in self.specs.items():
            self.fields[name].setValue(spec.restore(values.get(name, spec.default), spec.default))

    def restore_defaults(self) -> None:
        self.set_values({})


class LineDataPanel(DataPanel):
    DATA = LineData

    def __init__(self, parent=None):
        super().__init__("Straight line data", parent)


class CirclesDataPanel(DataPanel):
    DATA = CirclesData

    def __init__(self, parent=None):
        super().__init__("Circles data", parent)
