"""The Training tab's Diagnosis panel, beside the plots: what the run's numbers say went wrong
(core/train/diagnoses.py), each finding in plain words with the figures that show it and what to
try. It fills as the worker reports findings (TrainingSession.diagnosed, after the epoch that
showed them) and empties when a new run starts; "+1 epoch" keeps what was found."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

NOTHING_YET = ("Nothing found yet. After each epoch the run's numbers are checked for a learning "
               "rate too high or too low, too few steps, overfitting, a plateau, outputs the last "
               "layer clips and classes the model never predicts.")
TITLES = {"lr-too-high": "Learning rate too high", "lr-too-low": "Learning rate too low",
          "too-few-steps": "Too few steps", "overfitting": "Overfitting", "plateau": "Plateau",
          "clipped-outputs": "Clipped outputs", "class-never-predicted": "A class never predicted"}


class DiagnosisPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.findings: list[dict] = []
        title = QLabel("<b>Diagnosis</b>")
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 0, 0)
        lay.addWidget(title)
        lay.addWidget(self.view, 1)
        self.setMinimumWidth(180)
        self.clear()

    def connect_session(self, session) -> None:
        """Findings as they come; a new run (not "+1 epoch") starts with none."""
        session.diagnosed.connect(self.show_findings)
        session.run_started.connect(lambda info: None if info.continued else self.clear())

    def show_findings(self, findings: list) -> None:
        self.findings = list(findings or [])
        if not self.findings:  # a placeholder would not wrap: the words in gray instead
            self.view.setHtml(f"<p style='color: gray'>{html.escape(NOTHING_YET)}</p>")
            return
        parts = []
        for f in self.findings:
            code = f.get("code", "")
            parts.append(
                f"<p><b>{html.escape(TITLES.get(code, code))}</b> "
                f"<span style='color: gray'>({html.escape(code)})</span><br>"
                f"{html.escape(f.get('says', ''))}<br>"
                f"<i>{html.escape(f.get('evidence', ''))}.</i><br>"
                f"<b>Try:</b> {html.escape(f.get('try', ''))}</p>")
        self.view.setHtml("".join(parts))

    def clear(self) -> None:
        self.show_findings([])

    def text(self) -> str:
        """What the panel shows, as plain text."""
        return self.view.toPlainText()


def beside(views: QWidget, panel: DiagnosisPanel) -> QSplitter:
    """The Training tab's views with the Diagnosis panel on their right (narrow by default; its
    splitter lets the user widen it)."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(views)
    split.addWidget(panel)
    split.setStretchFactor(0, 4)
    split.setStretchFactor(1, 1)
    split.setChildrenCollapsible(True)
    return split
