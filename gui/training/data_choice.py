"""The setup panel's "Let the data choose epochs and augmentation" box.

For the workflows with settings left to the data (an image folder's epochs, shift and flips:
core/config.py, their Setting's from_data): ticked, the panel greys those rows and its config
leaves them to the trainer, which chooses them once the data is read, as `main.py train` does
when they are not given (core/train/data_defaults.py)."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFormLayout

TIP = ("Once the folder is read: enough epochs for a few hundred optimiser steps (within about "
       "40 s), and random shifts for a small set (flips stay off: a mirrored picture is not "
       "always the same thing). The log says what was chosen and why. Untick to set them yourself.")


class DataChoice:
    def __init__(self, settings, forms: dict[str, QFormLayout]):
        self.chosen = [s for s in settings if s.from_data]
        self.form = forms[self.chosen[0].box]
        self.box = QCheckBox("Let the data choose epochs and augmentation")
        self.box.setToolTip(TIP)
        self.box.setChecked(True)
        self.form.insertRow(0, self.box)  # above the rows it greys

    def left_to_data(self, task: str) -> tuple:
        """The settings the trainer is to choose (config.from_data) for this workflow."""
        if not self.box.isChecked():
            return ()
        return tuple(s.name for s in self.chosen if task in s.from_data)

    def show_for(self, task: str) -> None:
        self.form.setRowVisible(self.box, any(task in s.from_data for s in self.chosen))

    def restore(self, saved: dict) -> None:
        chooses = saved.get("data_chooses", True)
        self.box.setChecked(chooses if isinstance(chooses, bool) else True)
