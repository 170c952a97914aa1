"""The canvas tab: draw or open an item, and see live what every model makes of it.

Each model reads the picture by its own input recipe (core/pictures/recipe.py, model_input.py): a Fashion-MNIST model
the drawing as shown, framed like the data set's items; an image folder's model an opened photo
itself, in colour at its own size (the canvas shows only a grey copy of it), or a drawing as dark
strokes on white paper. Self-contained: give it models with add_model() (or let the user load checkpoints), and call
shutdown() (closeEvent does too) before it goes, so its prediction thread never outlives it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QFileDialog, QHBoxLayout, QLabel,
                               QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget)

from gui.draw.draw_surface import DrawSurface, Tool
from gui.draw.feature_maps import FeatureMapsView
from gui.draw.model_grid import ModelGrid, answer_text
from gui.draw.pixel_view import PixelView
from gui.draw.predict_worker import LivePredictor, Picture
from gui.draw.prediction_bars import PredictionBars
from gui.draw.teach_bar import TeachBar

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"


class CanvasPanel(QWidget):
    prediction_shown = Signal(int)   # the drawing revision the bars now show (tests, benchmark)
    explanation_shown = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.models: list[tuple[str, list[str]]] = []
        self.recipes: list = []  # each model's core.pictures.recipe.InputRecipe
        self.sources: list = []  # each model's {"checkpoint", "run_id", "title"}, None: not on disk
        self._live: Optional[str] = None  # the name of a training run's latest epoch, while shown
        self.selected = 0
        self.last_prediction = None
        self._photo: Optional[tuple[str, np.ndarray]] = None  # the opened file, and its ink
        self.surface = DrawSurface()
        self.predictor = LivePredictor(self._picture, parent=self)
        self.sees = PixelView(tile=140)
        self.bars = PredictionBars()
        self.teach = TeachBar(self)  # "It's a …": teach the selected model (gui/draw/teach_bar.py)
        self.answer = QLabel("Draw something")
        self.answer.setWordWrap(True)
        self.grid = ModelGrid()
        self.maps = FeatureMapsView()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("background:#8b1e1e; color:white; padding:4px; border-radius:3px")
        self.message.hide()

        self.sees_label = QLabel("<b>What the model sees</b> (28×28)")
        # A photo model given a drawing: said, so a poor answer is not taken for a broken model.
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a5a00;")
        self.note.hide()
        right = QVBoxLayout()
        right.addWidget(self.sees_label)
        right.addWidget(self.sees)
        right.addWidget(self.note)
        right.addWidget(self.answer)
        right.addWidget(self.bars)
        right.addWidget(self.teach)
        right.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.surface, 3)
        middle.addLayout(right, 2)
        middle.addWidget(self.maps, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addLayout(self._toolbar())
        lay.addLayout(middle, 1)
        lay.addWidget(self.grid)

        self.surface.changed.connect(lambda _r: self.predictor.request())
        self.surface.stroke_finished.connect(lambda _r: self.predictor.request(explain=True))
        self.predictor.predicted.connect(self._on_predicted)
        self.predictor.explained.connect(self._on_explained)
        self.predictor.failed.connect(self.show_error)
        self.grid.selected.connect(self.select_model)

    # ---- controls ---------------------------------------------------------------------------
    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.tool_buttons = QButtonGroup(self)
        for tool, key, tip in ((Tool.BRUSH, "B", "Brush"), (Tool.ERASER, "E", "Eraser"),
                               (Tool.FILL, "F", "Fill a closed outline")):
            b = QToolButton(text=tip.split()[0])
            b.setCheckable(True)
            b.setChecked(tool is Tool.BRUSH)
            b.setShortcut(QKeySequence(key))
            b.setToolTip(f"{tip} ({key})")
            b.toggled.connect(lambda on, t=tool: on and setattr(self.surface, "tool", t))
            self.tool_buttons.addButton(b)
            row.addWidget(b)
        self.size_slider = QSlider(Qt.Orientation.Horizontal, minimum=4, maximum=60,
                                   value=int(self.surface.brush_size))
        self.size_slider.setToolTip("Brush size ([ and ])")
        self.size_slider.setMaximumWidth(120)
        self.size_slider.setMinimumWidth(60)  # squeezed to nothing in a narrow window (scale 2)
        self.size_slider.valueChanged.connect(lambda v: setattr(self.surface, "brush_size", float(v)))
        row.addWidget(QLabel("Size"))
        row.addWidget(self.size_slider)
        self.dark_on_light = QCheckBox("Dark ink on light")
        self.dark_on_light.toggled.connect(lambda on: self.surface.set_light_on_dark(not on))
        row.addWidget(self.dark_on_light)
        stack = self.surface.undo_stack
        for action, keys in ((stack.createUndoAction(self, "Undo"), QKeySequence.StandardKey.Undo),
                             (stack.createRedoAction(self, "Redo"), QKeySequence.StandardKey.Redo)):
            action.setShortcuts(keys)
            self._add_action(action, row)
        self._add_action(self._action("Clear", self.surface.clear, QKeySequence.StandardKey.Delete), row)
        self._add_action(self._action("Open image…", self.choose_image, QKeySequence.StandardKey.Open), row)
        load = QPushButton("Load checkpoint…")
        load.clicked.connect(self.choose_checkpoint)
        row.addWidget(load)
        for key, step in (("[", -2), ("]", 2)):
            self.addAction(self._action(f"Brush {key}", lambda s=step: self.size_slider.setValue(
                self.size_slider.value() + s), QKeySequence(key)))
        row.addStretch(1)
        return row

    def _action(self, text, slot, keys) -> QAction:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.triggered.connect(slot)
        return action

    def _add_action(self, action: QAction, row: QHBoxLayout):
        # Shortcuts live while focus is anywhere in this tab, not in the rest of the window.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(action)
        button = QToolButton()
        button.setDefaultAction(action)
        row.addWidget(button)

    # ---- models -----------------------------------------------------------------------------
    def add_model(self, name: str, model, classes: list[str], recipe=None, source=None):
        """Show this model's answers beside the others (it gets a private copy of the model).
        `recipe`: its InputRecipe, or its checkpoint's meta["input"] (None: Fashion-MNIST's, as
        before recipes were stored); a damaged one raises core.pictures.recipe.RecipeError.
        `source`: {"checkpoint", "run_id", "title"} of a model on disk, which can be taught."""
        from core.pictures.recipe import InputRecipe
        recipe = InputRecipe.of(recipe)
        self.predictor.add_model(model, classes, recipe)
        self.models.append((name, list(classes)))
        self.recipes.append(recipe)
        self.sources.append(source)
        self.grid.add(name, classes)
        if len(self.models) == 1:
            self.select_model(0)
        else:
            self.predictor.request()

    def remove_model(self, name: str) -> None:
        """Take the model called `name` away (its run was deleted); the selection stays on the
        same model where it can, else moves to its neighbour."""
        names = [n for n, _ in self.models]
        if name not in names:
            return
        index = names.index(name)
        self.predictor.remove_model(index)
        self.grid.remove(index)
        del self.models[index], self.recipes[index], self.sources[index]
        self.last_prediction = None  # its figures are numbered by the old list
        if not self.models:
            self.selected = 0
            self.maps.show_nothing("Add or load a model to see what drives its answer.")
            self._show_selected()
            return
        self.select_model(self.selected - (index < self.selected) if self.selected != index
                          else min(index, len(self.models) - 1))

    def replace_model(self, index: int, name: str, model, source=None) -> None:
        """Another version of the model at `index` (taught, undone, the next epoch): same classes
        and recipe, its place and selection kept."""
        self.predictor.replace_model(index, model)
        self.models[index] = (name, self.models[index][1])
        self.sources[index] = source
        self.grid.rename(index, name)
        self._show_selected()
        self.predictor.request(explain=True)

    def show_live(self, name: str, model, classes, recipe) -> None:
        """A training run's latest epoch as a model, in place of its previous epoch."""
        names = [n for n, _ in self.models]
        if self._live in names and list(classes) == self.models[names.index(self._live)][1]:
            self.replace_model(names.index(self._live), name, model)
        else:
            self.end_live()
            self.add_model(name, model, classes, recipe)
        self._live = name

    def end_live(self) -> None:
        if self._live is not None:
            self.remove_model(self._live)
            self._live = None

    def select_model(self, index: int):
        self.selected = index
        self.grid.select(index)
        self.predictor.explain_index = index
        self._show_selected()
        self.predictor.request(explain=True)

    def load_checkpoint(self, path: str) -> bool:
        from core import workflows
        from core.checkpoint import CheckpointError, load
        from core.models import get_spec
        from core.pictures.recipe import InputRecipe
        try:
            ckpt = load(path)
            if get_spec(ckpt.meta["model_id"]).task not in workflows.IMAGE_WORKFLOWS:
                raise CheckpointError(f"{Path(path).name} holds a {ckpt.meta['model_id']} model, "
                                      "which does not classify images")
            recipe = InputRecipe.from_meta(ckpt.meta)
        except (CheckpointError, KeyError, ValueError) as e:  # a damaged recipe is a ValueError
            self.show_error(str(e))
            return False
        name = f"{Path(path).stem} ({ckpt.meta['model_id']})"
        self.add_model(name, ckpt.model, ckpt.meta["classes"], recipe,
                       {"checkpoint": str(Path(path).absolute()), "run_id": None, "title": name})
        return True

    def choose_checkpoint(self):
        path, _ = QFileDialog.getOpenFileName(self, "Load checkpoint", "",
                                              "TrainDesk checkpoints (*.safetensors);;All files (*)")
        if path:
            self.load_checkpoint(path)

    # ---- pictures from files ----------------------------------------------------------------
    def open_image(self, path: str) -> bool:
        """Classify a file the way the CLI's predict does: read, then the same preprocessing."""
        from core.pictures.framing import ImageError, read_image
        try:
            self.surface.load_gray(read_image(path))
            # Photo models read the file itself while the canvas shows it as opened (undo back
            # to it included); a stroke on it makes it a drawing for them too.
            self._photo = (str(path), self.surface.ink())
        except ImageError as e:
            self.show_error(str(e))
            return False
        except Exception as e:  # whatever a strange file does, the canvas stays up
            self.show_error(f"{Path(path).name} could not be opened: {e}")
            return False
        self.message.hide()
        return True

    def choose_image(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def dragEnterEvent(self, e):
        if any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e):
        files = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if files:
            e.acceptProposedAction()
            self.open_image(files[0])

    def show_error(self, text: str):
        self.message.setText(text.splitlines()[0] if text else "error")
        self.message.setToolTip(text)
        self.message.show()

    def _picture(self) -> Picture:
        """The canvas now, for the prediction thread (called on the UI thread)."""
        ink = self.surface.ink()
        photo = self._photo[0] if self._photo is not None and np.array_equal(ink, self._photo[1]) else None
        return Picture(self.surface.revision, self.surface.model_gray(), ink, photo)

    # ---- answers ----------------------------------------------------------------------------
    def _on_predicted(self, p):
        self.last_prediction = p
        for i, card in enumerate(self.grid.cards):
            if p.blank or i >= len(p.probs):
                card.show_blank()
            else:
                card.show_verdict(p.probs[i], p.verdicts[i])
        if p.blank:
            self.maps.show_nothing("Draw something to see what drives the answer.")
        self._show_selected()
        self.prediction_shown.emit(p.revision)

    def _show_seen(self):
        """The selected model's own input: 28x28 grey, or its S x S colour picture."""
        from core.pictures.recipe import FASHION, FRAMED
        p, i = self.last_prediction, self.selected
        recipe = self.recipes[i] if i < len(self.recipes) else FASHION
        self.sees_label.setText(f"<b>What the model sees</b> ({recipe.describe()})")
        seen = p.seen[i] if p is not None and i < len(p.seen) else None
        if seen is None:
            self.sees.show_arrays([p.image28] if p is not None else [], normalise=False)
        elif seen.ndim == 3 and seen.shape[0] == 3:
            self.sees.show_rgb(seen)
        else:
            self.sees.show_arrays([seen.reshape(seen.shape[-2:])], normalise=False)
        drawing = recipe.framing != FRAMED and p is not None and not p.blank and not p.photo
        self.note.setText("This model was trained on photos, so a drawing (given to it as dark "
                          "strokes on white) may not be read well: open or drop a photo to test it.")
        self.note.setVisible(drawing)

    def _show_selected(self):
        self._show_seen()
        p, i = self.last_prediction, self.selected
        if p is None or p.blank or i >= len(p.probs):
            self.bars.clear()
            self.answer.setText("Draw something" if self.models else "Add or load a model")
            self.teach.refresh()
            return
        self.answer.setText(f"{self.models[i][0]}: {answer_text(p.verdicts[i])}")
        self.bars.set_probs(self.models[i][1], p.probs[i], p.verdicts[i].unsure)
        self.teach.refresh()

    def _on_explained(self, x):
        if x.model_index == self.selected and not self.surface.is_blank():
            name, classes = self.models[x.model_index]
            self.maps.show_explanation(name, classes, x.image28, x.explanation)
            self.explanation_shown.emit(x.revision)

    def shutdown(self):
        self.teach.shutdown()
        self.predictor.shutdown()

    def closeEvent(self, e):
        self.shutdown()
        super().closeEvent(e)
