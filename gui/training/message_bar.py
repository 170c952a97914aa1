"""An inline message above the plots: errors, and the data set's whereabouts with ways to get it.

Inline rather than a modal dialog: the message stays readable while the user acts on it, and
nothing blocks the event loop (or a test).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QVBoxLayout)

# Translucent tints read well on light and dark palettes alike.
TINTS = {"error": "rgba(220, 50, 47, 0.14)", "info": "rgba(38, 139, 210, 0.14)"}
EDGES = {"error": "rgba(220, 50, 47, 0.85)", "info": "rgba(38, 139, 210, 0.85)"}


class MessageBar(QFrame):
    download_clicked = Signal()
    choose_folder_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.kind = ""
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download = QPushButton("Download (about 30 MB)")
        self.choose = QPushButton("Choose folder…")
        self.close_button = QPushButton("Dismiss")
        self.download.clicked.connect(self.download_clicked)
        self.choose.clicked.connect(self.choose_folder_clicked)
        self.close_button.clicked.connect(self.hide)
        self.progress = QProgressBar()
        self.progress.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.download)
        buttons.addWidget(self.choose)
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()

    def _show(self, kind: str, text: str, data_actions: bool) -> None:
        self.kind = kind
        self.setStyleSheet(f"#messageBar {{ background: {TINTS[kind]}; border: 1px solid "
                           f"{EDGES[kind]}; border-radius: 4px; }}")
        self.text.setText(text)
        self.download.setVisible(data_actions)
        self.choose.setVisible(data_actions)
        self.download.setEnabled(True)
        self.progress.hide()
        self.show()

    def show_error(self, text: str) -> None:
        self._show("error", text, False)

    def show_info(self, text: str) -> None:
        self._show("info", text, False)

    def show_data_missing(self, text: str) -> None:
        self._show("error", text, True)

    def download_started(self) -> None:
        self.download.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setFormat("Connecting…")
        self.progress.show()

    def download_progress(self, name: str, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
            self.progress.setFormat(f"{name}: {100 * done / total:.0f}%")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{name}: {done / 1e6:.1f} MB")

    def message(self) -> str:
        return "" if self.isHidden() else self.text.text()
