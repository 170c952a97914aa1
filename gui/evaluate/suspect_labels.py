"""The Suspect labels view: the test images whose given label the model believes least
(core/evaluation/suspects.py), each with the given label's probability and the class the model
believes instead; click one for its probability for every class."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QListWidgetItem, QVBoxLayout, QWidget

from core.evaluation.report import EvalReport
from core.evaluation.suspects import SHOWN, suspect_labels
from gui.evaluate.gallery import PictureList, ProbabilityBars
from gui.evaluate.widgets import StateStack, pixmap_from_u8
from gui.shared.thumbnail_list import thumbnail_list

THUMB = 56
PICK = "Click an image to see its probability for every class."


class SuspectLabels(PictureList, QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.list = thumbnail_list(THUMB, QSize(THUMB + 70, THUMB + 48))
        self.list.currentItemChanged.connect(self._on_item)
        self.bars = ProbabilityBars()
        self.bars_state = StateStack(self.bars, PICK)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.heading)
        lay.addWidget(self.list, 3)
        lay.addWidget(self.bars_state, 2)
        self.report: EvalReport | None = None
        self.images: np.ndarray | None = None
        self.suspects: list = []

    def show_report(self, report: EvalReport, images: np.ndarray, title: str) -> None:
        if report is self.report and images is self.images:
            return  # the same evaluation: keep the image picked
        self.report, self.images = report, images
        self.suspects = suspect_labels(report.probs, report.y_true, SHOWN)
        names = report.classes
        self.heading.setText(
            f"<b>{title}</b>: the {len(self.suspects)} test images whose given label the model "
            "believes least (lowest probability of the given class; the most confident other "
            "class first among equals). Some are the model's mistakes, some the data's: "
            "Fashion-MNIST holds mislabelled images.")
        self.list.clear()
        for s in self.suspects:
            item = QListWidgetItem(QIcon(pixmap_from_u8(images[s.index], THUMB)),
                                   f"given {names[s.given]} {s.given_prob:.1%}\n"
                                   f"model: {names[s.other]} {s.other_prob:.1%}")
            item.setData(Qt.ItemDataRole.UserRole, s.index)
            item.setToolTip(f"test image #{s.index}: labelled {names[s.given]}, which the model "
                            f"gives {s.given_prob:.3%}; it believes {names[s.other]} "
                            f"({s.other_prob:.1%})")
            self.list.addItem(item)
        self.bars_state.show_message(PICK)
