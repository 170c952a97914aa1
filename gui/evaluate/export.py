"""Save a view as PNG (what is on screen, at device resolution) and a table as CSV (what it shows)."""
from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget



def save_png(widget: QWidget, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_name(path.name + ".png")
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def save_csv(table, path: str | Path) -> Path:
    """`table` is anything with cells() -> rows of strings, header first (NumberTable, ConfusionView)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path.with_name(path.name + ".csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table.cells())
    return path


def save_csvs(tables: dict, path: str | Path) -> list[Path]:
    """The first of `tables` (name -> something with cells()) to `path`, any others beside it as
    <stem>-<name>.csv."""
    path = Path(path)
    return [save_csv(table, path if i == 0 else path.with_name(f"{path.stem}-{name}.csv"))
            for i, (name, table) in enumerate(tables.items())]


def ask_and_save(parent: QWidget, title: str, suggested: str, kinds: str, save) -> None:
    """Ask where to save (a file dialog), then `save(path)`; nothing if the user cancels."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, kinds)
    if path:
        save(path)
