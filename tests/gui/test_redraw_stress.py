"""A live plot redrawn thousands of times in one process.

PySide6 6.12.0 drops a reference to None on every void Qt call; after a few thousand pyqtgraph
redraws None's count runs out and the interpreter aborts (pyproject.toml pins <6.12 for it). This
test is the canary: on an affected PySide6 the process dies here instead of in a user's session.
"""
from PySide6.QtCore import QEvent, QObject

from core.config import BatchResult, EpochResult

REDRAWS = 3000


class PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_live_plot_survives_thousands_of_redraws(qtbot):
    from gui.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(480, 260)
    with qtbot.waitExposed(plots):
        plots.show()
    plots._timer.stop()  # drive the redraws ourselves, one per iteration
    view = plots.plots["loss"]
    counter = PaintCounter()
    view.viewport().installEventFilter(counter)
    epochs = 6
    plots.set_epochs(epochs)
    per_epoch = REDRAWS // epochs
    for i in range(REDRAWS):
        epoch, batch = divmod(i, per_epoch)
        loss = 2.3 / (1 + i / 300)
        plots.add_batch(BatchResult(epoch + 1, batch + 1, per_epoch, loss, 100 - 30 * loss / 2.3,
                                    5000.0, i * 0.01))
        if batch == per_epoch - 1:
            plots.add_epoch(EpochResult(epoch + 1, epochs, loss, 80.0, loss * 1.1, 78.0, 1.0, 5e3))
        plots.refresh()
        view.viewport().repaint()  # paint now, synchronously, as a visible plot would
    assert plots.redraws >= REDRAWS
    assert counter.paints >= REDRAWS
    assert plots.series["batch_loss"].n == REDRAWS
    assert len(plots.points("test_loss")[0]) == epochs
