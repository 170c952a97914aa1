"""The personal set of the selected model, by class with thumbnails of the canvases: relabel,
delete, "teach again from the original", and import or export as an image folder
(DIR/<class>/*.png) so a class of learners can share drawings."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout)

from gui.shared.thumbnail_list import thumbnail_list

THUMB = 72


class PersonalSetView(QDialog):
    def __init__(self, bar, index: int):
        from core.teach.personal_set import PersonalSet
        super().__init__(bar)
        self.bar, self.index = bar, index
        self.classes = bar.panel.models[index][1]
        self.recipe = bar.panel.recipes[index]
        self.people = PersonalSet.for_model(bar.key_of(index), None, self.classes)
        self.setWindowTitle(f"Personal set: {bar.panel.models[index][0]}")
        self.resize(760, 560)
        self.list = thumbnail_list(THUMB, QSize(THUMB + 40, THUMB + 34), fixed=False)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.relabel_to = QComboBox()
        self.relabel_to.addItems([f"{k} {c}" for k, c in enumerate(self.classes)])
        buttons = QHBoxLayout()
        for text, slot in (("Relabel as", self.relabel), (None, None), ("Delete", self.delete),
                           ("Teach again from the original", self.teach_again),
                           ("Import folder…", self.choose_import), ("Export folder…", self.choose_export)):
            if text is None:
                buttons.addWidget(self.relabel_to)
                continue
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.fill()

    def fill(self) -> None:
        self.list.clear()
        items = self.people.drawings()
        counts = {}
        for d in items:
            counts[d.label] = counts.get(d.label, 0) + 1
            pix = QPixmap(str(d.canvas_path if d.canvas_path.exists() else d.input_path))
            item = QListWidgetItem(QIcon(pix.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation)),
                                   f"{d.label} {self.classes[d.label]}")
            item.setData(Qt.ItemDataRole.UserRole, d)
            self.list.addItem(item)
        per_class = ", ".join(f"{self.classes[k]} {n}" for k, n in sorted(counts.items()))
        self.summary.setText(f"<b>{len(items)} drawing{'s' if len(items) != 1 else ''}</b> in "
                             f"{self.people.folder}" + (f": {per_class}" if per_class else ""))

    def chosen(self) -> list:
        return [i.data(Qt.ItemDataRole.UserRole) for i in self.list.selectedItems()]

    def relabel(self) -> None:
        for d in self.chosen():
            self.people.relabel(d, self.relabel_to.currentIndex())
        self.fill()

    def delete(self) -> None:
        for d in self.chosen():
            self.people.delete(d)
        self.fill()

    def teach_again(self) -> None:
        if self.people.drawings():
            self.bar.teach_again(self.index)
            self.accept()

    def import_folder(self, folder) -> tuple[int, list[str]]:
        n, problems = self.people.import_folder(folder, self.recipe)
        self.fill()
        if problems:
            self.summary.setText(f"<span style='color:#b00020'>Nothing imported: "
                                 f"{'<br>'.join(problems[:5])}</span>")
        return n, problems

    def export_folder(self, folder) -> int:
        n = self.people.export(folder)
        self.summary.setText(f"{n} drawings exported to {folder}")
        return n

    def choose_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import drawings (DIR/<class>/*.png)")
        if folder:
            self.import_folder(folder)

    def choose_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export drawings to")
        if folder:
            self.export_folder(folder)
