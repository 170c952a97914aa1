"""Form fields that may be narrower than their text, so a form in a narrow splitter pane shrinks
with it instead of being cut off at the pane's edge (where a … button or a value would vanish)."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QScrollArea, QWidget

NARROWEST_SPIN = 64   # pixels: room for a few digits and the arrows
COMBO_CHARACTERS = 6  # a combo shows at least this many characters, the rest elided


def let_fields_narrow(container: QWidget) -> None:
    """Every combo box and spin box inside `container` (call again for fields added later)."""
    for combo in container.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(max(combo.minimumContentsLength(), COMBO_CHARACTERS))
    for spin in container.findChildren(QAbstractSpinBox):
        # A spin box asks for room for its largest value (a seed: ten digits), wanted or not.
        spin.setMinimumWidth(min(spin.minimumSizeHint().width(), NARROWEST_SPIN))


def keep_form_whole(scroll: QScrollArea, floor: int = 0) -> None:
    """A splitter may not squeeze the scroll area below its form's narrowest: what is cut off at
    the right edge (with no sideways scroll bar) cannot be reached at all. Call again when rows
    are added to the form."""
    form = scroll.widget()
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumWidth(max(floor, form.minimumSizeHint().width() + bar + 2 * scroll.frameWidth()))
