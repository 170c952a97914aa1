"""Per-class precision, recall, F1 and support, overall accuracy, and the most-confused pairs."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.evaluation.report import EvalReport
from gui.shared.elided_label import ElidedLabel
from gui.evaluate.widgets import NumberTable

CLASS_COLUMNS = [("class", "class"), ("precision", "precision"), ("recall", "recall"),
                 ("f1", "F1"), ("support", "support")]
PAIR_COLUMNS = [("true", "true class"), ("predicted", "predicted as"), ("count", "count")]
FMT = {"precision": "{:.3f}", "recall": "{:.3f}", "f1": "{:.3f}"}


class ClassTable(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = ElidedLabel()
        self.summary.setStyleSheet("font-weight: bold;")
        self.classes = NumberTable(CLASS_COLUMNS)
        self.pairs = NumberTable(PAIR_COLUMNS)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.classes, 3)
        lay.addWidget(QLabel("Most-confused class pairs (off-diagonal cells, largest first):"))
        lay.addWidget(self.pairs, 2)

    def show_report(self, report: EvalReport, title: str) -> None:
        rows = report.class_rows()
        n = len(rows)
        macro = {k: sum(r[k] for r in rows) / n for k in ("precision", "recall", "f1")}
        total = {"class": "macro average", **macro, "support": sum(r["support"] for r in rows)}
        self.classes.set_rows(rows + [total], FMT)
        self.summary.setText(f"{title}: overall accuracy {report.accuracy:.2f}% "
                             f"on {len(report.y_true):,} test images")
        self.pairs.set_rows(report.confused_pairs(10))

    def tables(self) -> dict[str, NumberTable]:
        """Name -> table, for the CSV export."""
        return {"per-class": self.classes, "confused-pairs": self.pairs}
