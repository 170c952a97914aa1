"""Tab in reading order: a form's controls row by row, and left to right within a row.

Qt's Tab follows the order widgets were made in; a control added to a row later (a button beside a
field) would be reached last. reading_order() sets the order from the forms' rows instead.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLayout, QWidget


def _controls(item) -> list[QWidget]:
    """The focusable widgets in a layout item, left to right (nested layouts and widgets)."""
    if item is None:
        return []
    widget = item.widget()
    if widget is not None:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.focusProxy() is None:
            return [widget]
        return _in_widget(widget)
    layout = item.layout()
    return _in_layout(layout) if layout is not None else []


def _in_layout(layout: QLayout) -> list[QWidget]:
    if isinstance(layout, QFormLayout):
        out = []
        for row in range(layout.rowCount()):
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole,
                         QFormLayout.ItemRole.SpanningRole):
                out += _controls(layout.itemAt(row, role))
        return out
    return [w for i in range(layout.count()) for w in _controls(layout.itemAt(i))]


def _in_widget(widget: QWidget) -> list[QWidget]:
    return _in_layout(widget.layout()) if widget.layout() is not None else []


def reading_order(container: QWidget) -> list[QWidget]:
    """Set Tab's order through `container`'s forms to reading order; returns that order."""
    order = _in_widget(container)
    for a, b in zip(order, order[1:]):
        QWidget.setTabOrder(a, b)
    return order
