"""Help > About: what this TrainDesk is (versions, device, data) and where it keeps its files."""
from __future__ import annotations

import html
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout

from core.applog import log_file
from core.paths import user_data_dir
from core.version import __version__
from gui.shared.app_icon import app_icon


def _folder_link(path: Path) -> str:
    url = QUrl.fromLocalFile(str(path)).toString()
    return f'<a href="{html.escape(url)}">{html.escape(str(path))}</a>'


def about_rows(core_info, data_source: str | None) -> list[tuple[str, str]]:
    """(label, rich text) rows; torch's figures once the worker has loaded it."""
    torch_text = device = "loading…"
    if core_info is not None:
        torch_text = html.escape(core_info.torch_version)
        device = html.escape(f"{core_info.auto_device} (found: {', '.join(core_info.devices)})")
    build = "packaged" if getattr(sys, "frozen", False) else "from source"
    return [("Version", f"{__version__} ({build})"),
            ("PyTorch", torch_text),
            ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
            ("Python", sys.version.split()[0]),
            ("Device", device),
            ("Data", html.escape(data_source or "not loaded yet")),
            ("Data folder", _folder_link(user_data_dir())),
            ("Log folder", _folder_link(log_file().parent))]


class AboutDialog(QDialog):
    def __init__(self, core_info, data_source, parent=None):
        super().__init__(parent)
        self.setWindowTitle("About TrainDesk")
        self.icon = QLabel()
        self.icon.setPixmap(app_icon().pixmap(96, 96))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>"
                       for k, v in about_rows(core_info, data_source))
        self.text = QLabel(
            "<h2>TrainDesk</h2><p>Train, watch and probe small PyTorch models: the models of the "
            "“Learn PyTorch for Deep Learning” notebooks, without writing a training loop.</p>"
            f"<table>{rows}</table>")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(False)  # folders open in the file manager, not a browser
        self.text.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(self.icon)
        top.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
