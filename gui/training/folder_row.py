"""A folder setting's row in the setup panel: a line to type it, a … button to choose it, and a
note under it (where the data came from; what an image folder holds)."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QPushButton

from core.settings_spec import Setting
from gui.shared.setting_widgets import note_label


def folder_row(spec: Setting, form: QFormLayout, parent):
    """Add the row to `form`: (the line, the … button, the note, the form rows to hide with it)."""
    edit = QLineEdit()
    edit.setPlaceholderText("automatic" if spec.name == "data_dir" else "choose a folder…")
    browse = QPushButton("…")
    browse.setToolTip(f"Choose the {spec.words}")
    browse.setFixedWidth(browse.fontMetrics().horizontalAdvance("…") + 24)
    browse.clicked.connect(lambda: _browse(parent, spec, edit))
    note = note_label()
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    row.addWidget(browse)
    form.addRow(spec.label, row)
    form.addRow(note)
    return edit, browse, note, [row, note]


def _browse(parent, spec: Setting, edit: QLineEdit) -> None:
    title = "Folder holding Fashion-MNIST" if spec.name == "data_dir" else \
        "Folder of your images: one folder per class (or train/ and test/)"
    folder = QFileDialog.getExistingDirectory(parent, title, edit.text())
    if folder:
        edit.setText(folder)
