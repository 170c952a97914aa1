"""The data settings of the two toy workflows, with the seed notebooks' values as defaults.

The defaults are read from core.data.toy's own signatures, so the window, the CLI and the tests
cannot drift apart.
"""
from __future__ import annotations

import inspect

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox

from core.data.toy import make_circles, make_line


def _defaults(fn) -> dict:
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()}


class DataPanel(QGroupBox):
    """A form of numeric fields; `values()` gives the make_* keyword arguments."""

    changed = Signal()
    MAKER = None
    # field -> (label, minimum, maximum, step, decimals; 0 decimals means an integer field)
    FIELDS: dict = {}

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent)
        form = QFormLayout(self)
        defaults = _defaults(self.MAKER)
        self.fields = {}
        for key, (label, lo, hi, step, decimals) in self.FIELDS.items():
            box = QSpinBox() if decimals == 0 else QDoubleSpinBox()
            if decimals:
                box.setDecimals(decimals)
            box.setRange(lo, hi)
            box.setSingleStep(step)
            box.setValue(defaults[key])
            box.setKeyboardTracking(False)  # one change when typing ends, not one per keystroke
            box.valueChanged.connect(self.changed)
            form.addRow(label, box)
            self.fields[key] = box
        self._defaults = {k: defaults[k] for k in self.FIELDS}

    def values(self) -> dict:
        return {k: box.value() for k, box in self.fields.items()}

    def set_values(self, values: dict) -> None:
        for k, v in values.items():
            self.fields[k].setValue(v)

    def restore_defaults(self) -> None:
        self.set_values(self._defaults)


class LineDataPanel(DataPanel):
    MAKER = staticmethod(make_line)
    FIELDS = {"weight": ("Weight", -10, 10, 0.1, 3), "bias": ("Bias", -10, 10, 0.1, 3),
              "start": ("From x", -10, 10, 0.5, 2), "end": ("To x", -10, 10, 0.5, 2),
              "step": ("Step", 0.001, 1, 0.005, 3),
              "train_fraction": ("Train fraction", 0.05, 0.95, 0.05, 2)}

    def __init__(self, parent=None):
        super().__init__("Straight line data", parent)


class CirclesDataPanel(DataPanel):
    MAKER = staticmethod(make_circles)
    FIELDS = {"n_samples": ("Samples", 10, 20000, 100, 0), "noise": ("Noise", 0, 1, 0.01, 3),
              "factor": ("Inner/outer radius", 0.05, 0.95, 0.05, 2),
              "seed": ("Seed", 0, 2 ** 31 - 1, 1, 0)}

    def __init__(self, parent=None):
        super().__init__("Circles data", parent)
