"""Every added model side by side, each with its answer (or "not sure") and its top three."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from gui.draw.prediction_bars import PredictionBars

COLUMNS = 3


def answer_text(verdict) -> str:
    """One line: the answer and how likely, or "Not sure" with why and the best guess."""
    cls, p = verdict.top[0]
    if verdict.unsure:
        return (f"<span style='color:#c08a1e'><b>Not sure</b></span> ({verdict.reason}); "
                f"best guess {cls}")
    return f"<b>{cls}</b> ({p:.0%})"


class ModelCard(QFrame):
    clicked = Signal()

    def __init__(self, name: str, classes: list[str], parent=None):
        super().__init__(parent)
        self.name, self.classes = name, list(classes)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to show this model's bars, feature maps and heat map")
        self.title = QLabel(f"<b>{name}</b>")
        self.answer = QLabel("—")
        self.answer.setWordWrap(True)
        self.bars = PredictionBars(rows=3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        for w in (self.title, self.answer, self.bars):
            lay.addWidget(w)
        # Reached by Tab; Space or Enter selects it as a click does; a screen reader hears its answer.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"Model {name}")
        self.setAccessibleDescription("No drawing yet")

    def show_verdict(self, probs, verdict):
        self.bars.set_probs(self.classes, probs, verdict.unsure)
        self.answer.setText(answer_text(verdict))
        top = ", ".join(f"{cls} {p:.0%}" for cls, p in verdict.top[:3])
        self.setAccessibleDescription(("Not sure: " + verdict.reason + ". " if verdict.unsure else "")
                                      + f"Top answers: {top}")

    def show_blank(self):
        self.bars.clear()
        self.answer.setText("Draw something")
        self.setAccessibleDescription("No drawing yet")

    def set_selected(self, on: bool):
        self.setLineWidth(2 if on else 1)
        self.setFrameShadow(QFrame.Shadow.Sunken if on else QFrame.Shadow.Raised)
        self.title.setText(f"<b>{'▶ ' if on else ''}{self.name}</b>")

    def mousePressEvent(self, e):
        self.clicked.emit()
        super().mousePressEvent(e)

    def keyPressEvent(self, e):
        if e.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.clicked.emit()
            return
        super().keyPressEvent(e)


class ModelGrid(QWidget):
    selected = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cards: list[ModelCard] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._empty = QLabel("No model yet: train one, or use “Load checkpoint…”.")
        self._grid.addWidget(self._empty, 0, 0)

    def add(self, name: str, classes: list[str]) -> int:
        self._empty.hide()
        card = ModelCard(name, classes)
        index = len(self.cards)
        card.clicked.connect(lambda: self.selected.emit(self.cards.index(card)))
        self.cards.append(card)
        self._grid.addWidget(card, *divmod(index, COLUMNS))
        return index

    def remove(self, index: int):
        """Take a card away; the ones after it move up a place."""
        card = self.cards.pop(index)
        self._grid.removeWidget(card)
        card.deleteLater()
        for i, later in enumerate(self.cards[index:], start=index):
            self._grid.removeWidget(later)
            self._grid.addWidget(later, *divmod(i, COLUMNS))
        self._empty.setVisible(not self.cards)

    def rename(self, index: int, name: str):
        card = self.cards[index]
        card.name = name
        card.set_selected(card.lineWidth() == 2)

    def select(self, index: int):
        for i, card in enumerate(self.cards):
            card.set_selected(i == index)
