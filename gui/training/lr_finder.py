"""The Training box's "Find learning rate": a learning-rate range test (core/train/lr_find.py) run
in the training worker's job thread on a fresh model of the panel's settings, its curve shown as it
comes (gui/training/lr_find_dialog.py), and "Use this rate" putting the suggestion into the panel's
learning rate. The last run's model and the panel's other settings stay as they were; closing the
dialog stops the test after its current step. No pyqtgraph here: the panel is built before the
window's first paint, the dialog only when the button is pressed."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFormLayout, QPushButton, QWidget

BUTTON_TEXT = "Find learning rate"


def lr_button(form: QFormLayout, lr_widget: QWidget) -> QPushButton:
    """The button, on the row under the learning rate's."""
    button = QPushButton(BUTTON_TEXT)
    button.setToolTip("Train a fresh model for about 100 steps while the rate grows from 1e-7 "
                      "to 10, and suggest the rate where the loss falls fastest (a range test); "
                      "the settings and the last run are left as they are")
    row, _ = form.getWidgetPosition(lr_widget)
    form.insertRow(row + 1, "", button)
    return button


class LrFinder(QObject):
    """Joins the panel's button, the worker's range test and the dialog."""

    def __init__(self, panel, session, parent=None):
        super().__init__(parent)
        self.panel, self.session = panel, session
        self.dialog = None
        self._control = None
        panel.find_lr.clicked.connect(self.open)

    def open(self) -> None:
        worker = self.session.worker
        if worker is None:
            return
        if self.dialog is None:
            from gui.training.lr_find_dialog import LrFindDialog
            self.dialog = LrFindDialog(self.panel.window())
            self.dialog.accepted.connect(self._use)
            self.dialog.finished.connect(self._stop)
            worker.lr_point.connect(self._point)
            worker.lr_found.connect(self._found)
            worker.failed.connect(self._failed)
        from core.train.control import Control  # plain Python: no torch on the window's thread
        self._stop()
        self._control = Control()
        self.dialog.restart()
        self.dialog.show()
        worker.find_lr(self.panel.config(), self._control)

    def _point(self, lr: float, loss: float) -> None:
        if self._control is not None and not self._control.stopped:
            self.dialog.add_point(lr, loss)

    def _found(self, found) -> None:
        if self._control is not None and not self._control.stopped:
            self.dialog.show_result(found)

    def _failed(self, failure) -> None:
        if self._control is not None and not self._control.stopped and not failure.during_run:
            self.dialog.show_failure(failure.message)

    def _use(self) -> None:
        if self.dialog.suggested is not None:
            self.panel.lr.setValue(self.dialog.suggested)
        self._stop()

    def _stop(self, *_) -> None:
        if self._control is not None:
            self._control.stop()
            self._control = None
