"""Copy and save whatever is on show: Ctrl+C and a context menu on every plot and view.

A plot (any pyqtgraph view) or picture view: Ctrl+C copies it as an image, with its data as
tab-separated text beside it where it has data (a spreadsheet pastes the text, an editor the
image); its context menu offers Copy image, Save as PNG, Save as SVG and Save data as CSV. A table:
Ctrl+C copies the selected rows as tab-separated text, headed by the column titles.

`install_all(root)` equips every plot and table under a widget once (the window calls it for each
tab as it is shown, so tabs made later are equipped too).
"""
from __future__ import annotations

import atexit
import csv
import io
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QMimeData, QRect, QSize, Qt
from PySide6.QtGui import (QGuiApplication, QKeySequence, QPainter, QShortcut, QStandardItem,
                           QStandardItemModel)
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMenu, QWidget
import shiboken6

EQUIPPED = "_traindesk_copy_save"  # a widget property: equipped already
VIEW = "traindesk_view"  # a widget property: a picture view (the canvas, what the model sees) to equip

Data = Callable[[], tuple[list[str], list[list]]]  # () -> (header, rows)


# -- tables ----------------------------------------------------------------------------------------
def table_tsv(view: QAbstractItemView) -> str:
    """The selected rows of a table view (all columns shown), headed by the column titles."""
    model = view.model()
    if model is None:
        return ""
    selection = view.selectionModel()
    rows = sorted({i.row() for i in selection.selectedIndexes()}) if selection else []
    header = getattr(view, "horizontalHeader", lambda: None)()
    cols = [c for c in range(model.columnCount()) if header is None or not header.isSectionHidden(c)]
    if header is not None:  # in the order the columns are shown
        cols.sort(key=header.visualIndex)

    def cell(r, c, heading=False):
        value = (model.headerData(c, Qt.Orientation.Horizontal) if heading
                 else model.data(model.index(r, c)))
        return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")

    lines = ["\t".join(cell(0, c, True) for c in cols)]
    lines += ["\t".join(cell(r, c) for c in cols) for r in rows]
    return "\n".join(lines) + "\n" if rows else ""


def copy_table(view: QAbstractItemView) -> str:
    text = table_tsv(view)
    if text:
        QGuiApplication.clipboard().setText(text)
    return text


def copy_table_on_ctrl_c(view: QAbstractItemView) -> None:
    if view.property(EQUIPPED):
        return
    view.setProperty(EQUIPPED, True)
    shortcut = QShortcut(QKeySequence.StandardKey.Copy, view, lambda: copy_table(view))
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)


# -- plots and views ------------------------------------------------------------------------------
def plot_data(view: QWidget) -> tuple[list[str], list[list]]:
    """Every curve and scatter of a pyqtgraph view, one row a point: plot, series, x, y."""
    import pyqtgraph as pg

    rows = []
    if not hasattr(view, "scene"):
        return ["plot", "series", "x", "y"], rows
    for item in view.scene().items():
        if not isinstance(item, pg.PlotDataItem) or not item.isVisible():
            continue
        x, y = item.getData()
        if x is None or len(x) == 0:
            continue
        plot = item.getViewBox()
        owner = plot.parentItem() if plot is not None else None
        title = getattr(getattr(owner, "titleLabel", None), "text", "") or ""
        if not title and owner is not None and hasattr(owner, "getAxis"):
            title = owner.getAxis("left").labelText or ""
        name = item.name() or ""
        rows += [[title, name, float(a), float(b)] for a, b in zip(x, y)]
    return ["plot", "series", "x", "y"], rows


def as_text(header: list[str], rows: list[list], delimiter: str = "\t") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def copy_view(view: QWidget, data: Optional[Data] = None) -> QMimeData:
    """The view as an image on the clipboard, with its data as tab-separated text if it has any."""
    mime = QMimeData()
    mime.setImageData(view.grab().toImage())
    header, rows = (data or (lambda: plot_data(view)))()
    if rows:
        mime.setText(as_text(header, rows))
    QGuiApplication.clipboard().setMimeData(mime)
    global _hand_over_at_exit
    if not _hand_over_at_exit:
        _hand_over_at_exit = True
        atexit.register(hand_over_clipboard)
    return mime


_hand_over_at_exit = False


def hand_over_clipboard() -> None:
    """As the process exits: what TrainDesk copied, in a QMimeData made by Qt rather than by
    Python. The clipboard owns what it holds and deletes it last of all, after the interpreter
    has finished; one made from Python then calls back into it and the exit crashed (SIGSEGV).
    What was copied stays on the clipboard (where the desktop keeps it after we go)."""
    if QGuiApplication.instance() is None:
        return
    clipboard = QGuiApplication.clipboard()
    held = clipboard.mimeData()
    if held is None or not shiboken6.createdByPython(held):
        return
    model = QStandardItemModel()  # a model's mimeData() is made in C++: the one way to get one
    model.appendRow(QStandardItem())
    native = model.mimeData([model.index(0, 0)])
    for kind in native.formats():
        native.removeFormat(kind)
    if held.hasImage():
        native.setImageData(held.imageData())
    if held.hasText():
        native.setText(held.text())
    clipboard.setMimeData(native)


def save_png(view: QWidget, path) -> Path:
    path = Path(path)
    if not view.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def save_svg(view: QWidget, path) -> Path:
    """Drawn through Qt's SVG painter: pyqtgraph's curves and text stay vectors."""
    from PySide6.QtSvg import QSvgGenerator

    path = Path(path)
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(view.width(), view.height()))
    gen.setViewBox(QRect(0, 0, view.width(), view.height()))
    gen.setTitle(view.accessibleName() or "TrainDesk view")
    painter = QPainter(gen)
    view.render(painter)
    painter.end()
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path


def save_csv(view: QWidget, path, data: Optional[Data] = None) -> Path:
    header, rows = (data or (lambda: plot_data(view)))()
    path = Path(path)
    path.write_text(as_text(header, rows, ","), encoding="utf-8")
    return path


def _ask(view: QWidget, title: str, name: str, pattern: str, save) -> None:
    path, _ = QFileDialog.getSaveFileName(view, title, name, pattern)
    if path:
        try:
            save(path)
        except OSError as e:  # one clear line, nothing lost
            from PySide6.QtWidgets import QMessageBox
            QMessageBox.warning(view, title, f"Could not save {path}: {e}")


def view_menu(view: QWidget, name: str, data: Optional[Data] = None) -> QMenu:
    menu = QMenu(view)
    menu.addAction("&Copy image", lambda: copy_view(view, data)).setShortcut(QKeySequence.StandardKey.Copy)
    menu.addAction("Save as &PNG\u2026", lambda: _ask(view, "Save as PNG", f"{name}.png",
                                                      "PNG images (*.png)", lambda p: save_png(view, p)))
    menu.addAction("Save as &SVG\u2026", lambda: _ask(view, "Save as SVG", f"{name}.svg",
                                                      "SVG images (*.svg)", lambda p: save_svg(view, p)))
    if data is not _no_data and (data is not None or hasattr(view, "scene")):
        menu.addAction("Save &data as CSV\u2026", lambda: _ask(
            view, "Save data as CSV", f"{name}.csv", "CSV files (*.csv)",
            lambda p: save_csv(view, p, data)))
    return menu


def equip_view(view: QWidget, name: str = "view", data: Optional[Data] = None) -> None:
    """Ctrl+C and the context menu on a plot or picture view (once)."""
    if view.property(EQUIPPED):
        return
    view.setProperty(EQUIPPED, True)
    if view.focusPolicy() == Qt.FocusPolicy.NoFocus:
        view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reached by Tab, so Ctrl+C reaches it
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(
        lambda pos: view_menu(view, name, data).exec(view.mapToGlobal(pos)))
    shortcut = QShortcut(QKeySequence.StandardKey.Copy, view, lambda: copy_view(view, data))
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)


def _no_data() -> tuple[list[str], list[list]]:
    return [], []


def install_all(root: QWidget) -> int:
    """Equip every pyqtgraph view and every table under `root`; how many were new."""
    import pyqtgraph as pg

    new = 0
    for view in [root] * isinstance(root, pg.GraphicsView) + root.findChildren(pg.GraphicsView):
        if not view.property(EQUIPPED):
            equip_view(view, (view.accessibleName() or "plot").replace(" ", "_"))
            new += 1
    for view in [root] + root.findChildren(QWidget):
        if view.property(VIEW) and not view.property(EQUIPPED):
            equip_view(view, (view.accessibleName() or "view").replace(" ", "_"), _no_data)
            new += 1
    for table in [root] * isinstance(root, QAbstractItemView) + root.findChildren(QAbstractItemView):
        if not table.property(EQUIPPED) and hasattr(table, "horizontalHeader"):
            copy_table_on_ctrl_c(table)
            new += 1
    return new
