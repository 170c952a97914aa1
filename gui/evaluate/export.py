"""Save a view as PNG (what is on screen, at device resolution) and a table as CSV (what it shows)."""
from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtWidgets import QWidget



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
