"""The toy workbench: notebooks 01 and 02 as one self-contained widget, TF Playground style.

A workflow switch (straight line / circles), its data panel, model and optimiser settings,
play / pause / step / speed / reset, and the live view. Training runs as a ToyWorker job off the
UI thread. Every change of a setting resets the run (a fresh, untrained model on the new data),
as the Playground does; a run's settings are copied when it is set up and never read again.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from core.config import WORKFLOW_DEFAULTS
from core.models import MODELS
from gui.shared.elided_label import ElidedLabel
from gui.toy.circles_view import CirclesView
from gui.toy.data_panels import CirclesDataPanel, LineDataPanel
from gui.toy.line_view import LineView
from gui.toy.toy_worker import Pace, ToySettings, ToyWorker

WORKFLOWS = [("line", "Straight line (notebook 01)"), ("circles", "Circles (notebook 02)")]
DEFAULT_MODEL = {"line": "line", "circles": "circles-v2"}
SPEEDS = [("Fastest", 0.0), ("100 epochs/s", 100.0), ("10 epochs/s", 10.0), ("1 epoch/s", 1.0)]


class ToyWorkbench(QWidget):
    run_finished = Signal(object)        # the last ToyFrame of a run (done=True)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.workflow = QComboBox()
        for key, label in WORKFLOWS:
            self.workflow.addItem(label, key)
        self.model = QComboBox()
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 10)
        self.lr.setSingleStep(0.01)
        self.data = {"line": LineDataPanel(), "circles": CirclesDataPanel()}
        self.data_stack = QStackedWidget()
        self.views = {"line": LineView(), "circles": CirclesView()}
        self.view_stack = QStackedWidget()
        for key, _ in WORKFLOWS:
            self.data_stack.addWidget(self.data[key])
            self.view_stack.addWidget(self.views[key])
        self.play_button = QPushButton("Play")
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Reset")
        self.speed = QComboBox()
        for label, rate in SPEEDS:
            self.speed.addItem(label, rate)
        self.status = ElidedLabel()  # the whole text is its tooltip
        self._layout()

        self._session, self._pace, self.last_frame, self.done = 0, None, None, True
        self._worker = ToyWorker(self)
        self._worker.scene.connect(self._on_scene)
        self._worker.frame.connect(self._on_frame)
        self._worker.failed.connect(self._on_failed)

        self.play_button.clicked.connect(self.toggle_play)
        self.step_button.clicked.connect(self.step)
        self.reset_button.clicked.connect(self.reset)
        self.speed.currentIndexChanged.connect(self._speed_changed)
        self.workflow.currentIndexChanged.connect(self._workflow_changed)
        for w in (self.model, self.epochs, self.lr):
            signal = w.currentIndexChanged if isinstance(w, QComboBox) else w.valueChanged
            signal.connect(self.reset)
        for panel in self.data.values():
            panel.changed.connect(self.reset)
        self._workflow_changed()

    def _layout(self) -> None:
        settings = QFormLayout()
        settings.addRow("Workflow", self.workflow)
        settings.addRow("Model", self.model)
        settings.addRow("Epochs", self.epochs)
        settings.addRow("Learning rate (SGD)", self.lr)
        side = QVBoxLayout()
        side.addLayout(settings)
        side.addWidget(self.data_stack)
        side.addStretch(1)
        controls = QHBoxLayout()
        for w in (self.reset_button, self.play_button, self.step_button, QLabel("Speed"),
                  self.speed):
            controls.addWidget(w)
        controls.addStretch(1)
        main = QVBoxLayout()
        main.addLayout(controls)
        main.addWidget(self.status)  # a line of its own: it is the run's headline
        main.addWidget(self.view_stack, 1)
        root = QHBoxLayout(self)
        root.addLayout(side, 0)
        root.addLayout(main, 1)

    # -- settings ---------------------------------------------------------------------------------
    @property
    def task(self) -> str:
        return self.workflow.currentData()

    def settings(self) -> ToySettings:
        return ToySettings(self.model.currentData(), self.epochs.value(), self.lr.value(),
                           self.data[self.task].values())

    def _workflow_changed(self) -> None:
        task = self.task
        widgets = (self.model, self.epochs, self.lr)
        for w in widgets:
            w.blockSignals(True)  # one reset below, not one per field
        self.model.clear()
        for spec in MODELS.values():
            if spec.task == task:
                self.model.addItem(f"{spec.id}: {spec.class_name}", spec.id)
                self.model.setItemData(self.model.count() - 1, spec.description,
                                       Qt.ItemDataRole.ToolTipRole)
        self.model.setCurrentIndex(self.model.findData(DEFAULT_MODEL[task]))
        self.epochs.setValue(WORKFLOW_DEFAULTS[task]["epochs"])
        self.lr.setValue(WORKFLOW_DEFAULTS[task]["lr"])
        for w in widgets:
            w.blockSignals(False)
        self.data_stack.setCurrentWidget(self.data[task])
        self.view_stack.setCurrentWidget(self.views[task])
        self.reset()

    def _speed_changed(self) -> None:
        if self._pace is not None:
            self._pace.set_rate(self.speed.currentData())

    # -- play / pause / step / reset -------------------------------------------------------------
    def _new_run(self, playing: bool) -> None:
        """Stop the current run and set up a fresh one; its frames replace the old ones."""
        self._session += 1
        self._pace = Pace(playing=playing, rate=self.speed.currentData())
        self.done, self.last_frame = False, None
        self._settings = self.settings()
        self.status.setText("Setting up ...")
        self._worker.begin(self._settings, self._session, self._pace)  # ends the current run
        self._show_playing(playing)

    def reset(self) -> None:
        self._new_run(playing=False)

    def play(self) -> None:
        if self.done:
            self._new_run(playing=True)
        else:
            self._pace.play()
            self._show_playing(True)

    def pause(self) -> None:
        if self._pace is not None:
            self._pace.pause()
        self._show_playing(False)

    def toggle_play(self) -> None:
        self.pause() if self._pace is not None and self._pace.playing and not self.done else self.play()

    def step(self) -> None:
        """One epoch, then paused (after a finished run: the first epoch of a new one)."""
        if self.done:
            self._new_run(playing=False)
        self._pace.pause()
        self._pace.step()
        self._show_playing(False)

    def _show_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    # -- from the worker -------------------------------------------------------------------------
    def _on_scene(self, scene) -> None:
        if scene.session == self._session:
            self.views[scene.task].set_scene(scene, self._settings.epochs)

    def _on_frame(self, frame) -> None:
        if frame.session != self._session:
            return  # a frame from a run that was reset meanwhile
        self._pace.frame_out = False
        self.views[self.task].show_frame(frame)
        self.last_frame = frame
        self.status.setText(self._describe(frame))
        if frame.done:
            self.done = True
            self._show_playing(False)
            self.run_finished.emit(frame)

    def _on_failed(self, session: int, message: str) -> None:
        if session == self._session:
            self.done = True
            self._show_playing(False)
            self.status.setText(f"Could not run: {message}")

    def _describe(self, frame) -> str:
        view = self.views[self.task]
        parts = [f"Epoch {frame.epoch}/{frame.epochs}"]
        if self.task == "circles":
            acc = view.acc.last("test")
            if not math.isnan(acc):
                parts.append(f"test accuracy {acc:.1f}%")
        loss = view.loss.last("test")
        if not math.isnan(loss):
            parts.append(f"test loss {loss:.4f}")
        parts.append(f"{frame.seconds:.2f} s training")
        if frame.error:
            parts.append(frame.error)
        elif frame.done:
            parts.append("stopped" if frame.stopped else "done")
        return " · ".join(parts)

    # -- lifetime ---------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the run and end the worker thread; safe to call more than once."""
        self._worker.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
