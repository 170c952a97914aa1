"""The questions the Runs view asks: a name, a note, how far to continue, whether to delete, where
to export. Each returns the answer, or None when the user cancels (tests replace these functions)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QInputDialog, QMessageBox, QWidget)

MAX_EPOCHS = 10_000
LISTED = 12  # runs or files named in a question before "and N more"

# core.export.formats's formats, with what each gives (core.export.formats is imported only when exporting)
EXPORT_FORMATS = {"torchscript": ("TorchScript model (.pt)", ".pt"),
                  "onnx": ("ONNX model (.onnx)", ".onnx"),
                  "script": ("Standalone PyTorch training script (.py)", ".py")}


def ask_name(parent: QWidget, row) -> Optional[str]:
    text, ok = QInputDialog.getText(parent, "Rename run", f"Name for {row.run_id}\n(empty: the "
                                    "model and its start time):", text=row.name)
    return text.strip() if ok else None


def ask_note(parent: QWidget, row) -> Optional[str]:
    text, ok = QInputDialog.getMultiLineText(parent, "Note", f"Note on \u201c{row.title}\u201d:", row.note)
    return text if ok else None


def planned_epochs(row) -> int:
    """What the run was asked for: its config's epochs, at least 1."""
    planned = row.config.get("epochs")
    return planned if isinstance(planned, int) and not isinstance(planned, bool) and planned > 0 else 1


def default_total(row) -> int:
    """A run cut short is offered the epochs it was asked for; a finished one as many again."""
    planned = planned_epochs(row)
    return planned if row.epochs < planned else row.epochs + planned


def ask_epochs(parent: QWidget, row) -> Optional[int]:
    total, ok = QInputDialog.getInt(
        parent, "Continue run",
        f"\u201c{row.title}\u201d has trained {row.epochs} epoch{'s' * (row.epochs != 1)}.\n"
        "Train until epoch (counting those):", default_total(row), row.epochs + 1, MAX_EPOCHS)
    return total if ok else None


def _listed(lines: list[str]) -> str:
    more = len(lines) - LISTED
    return "\n".join(lines[:LISTED] + ([f"\u2026 and {more} more"] if more > 0 else []))


def confirm_delete(parent: QWidget, rows: list, files: list[Path]) -> bool:
    what = f"the run \u201c{rows[0].title}\u201d" if len(rows) == 1 else f"{len(rows)} runs"
    text = f"Delete {what} from the history"
    text += f", and its files?\n\n{_listed([str(f) for f in files])}" if files else "? It has no files left."
    if any(r.folder for r in rows):
        text += "\n\nA run's folder goes too once nothing else is left in it."
    if len(rows) > 1:
        text += "\n\nRuns:\n" + _listed([r.title for r in rows])
    text += "\n\nThis cannot be undone."
    answer = QMessageBox.question(parent, "Delete runs", text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def ask_csv_path(parent: QWidget, count: int) -> Optional[str]:
    path, _ = QFileDialog.getSaveFileName(parent, f"Export {count} run{'s' * (count != 1)} as CSV",
                                          "runs.csv", "CSV files (*.csv)")
    return path or None


class ExportChoice(QDialog):
    """Which checkpoint (the last or the best epoch's) and which format."""

    def __init__(self, parent: QWidget, row):
        super().__init__(parent)
        self.setWindowTitle("Export checkpoint")
        self.which = QComboBox()
        self.which.addItem(f"Last (epoch {row.epochs})", row.checkpoint)
        if row.best_checkpoint:
            self.which.addItem(f"Best (epoch {row.best_epoch})", row.best_checkpoint)
        self.format = QComboBox()
        for key, (label, _) in EXPORT_FORMATS.items():
            self.format.addItem(label, key)
        form = QFormLayout(self)
        form.addRow("Checkpoint:", self.which)
        form.addRow("Format:", self.format)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def ask_export(parent: QWidget, row) -> Optional[tuple[str, str, str]]:
    """(checkpoint path, format, target path), or None."""
    dialog = ExportChoice(parent, row)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    checkpoint, fmt = dialog.which.currentData(), dialog.format.currentData()
    label, suffix = EXPORT_FORMATS[fmt]
    name = Path(checkpoint).name.removesuffix(".safetensors")
    if name in ("last", "best"):  # a run folder's last/best.safetensors: name it after the run
        name = f"{row.run_id}-{name}"
    start = str(Path(checkpoint).with_name(name + suffix))
    path, _ = QFileDialog.getSaveFileName(parent, "Export checkpoint", start, f"{label} (*{suffix})")
    if not path:
        return None
    if not path.endswith(suffix):
        path += suffix
    return checkpoint, fmt, path
