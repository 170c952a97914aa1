"""The Draw tab's teach bar, under the answer: "It's a …" with a button per class (keys 0-9).

Picking the right class on a wrong or unsure answer keeps the drawing in the model's personal set
(core/teach/personal_set.py) and fine-tunes a copy of the model in a job thread (the canvas keeps
answering meanwhile, with an instant imprinted copy), with a progress bar. The taught copy is a run in the history, and takes the
model's place on the canvas; the bar then shows the drawing's answer before -> after and the
test accuracy before -> after (a drop of more than a point said in words). Undo and Redo step
through the taught versions; the original checkpoint is never written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from gui.draw.teach_jobs import TeachJobs, TeachRequest
from gui.jobs import JobRunner


@dataclass
class Versions:
    """One model's taught versions: (name, model, source) each; `at` is the one shown."""
    items: list = field(default_factory=list)
    at: int = 0


class TeachBar(QWidget):
    taught = Signal(str)      # the taught run's id (the Runs tab lists it)
    finished = Signal(object)  # gui.draw.teach_jobs.Taught, or None when it failed (tests)

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self.versions: dict[str, Versions] = {}
        self._busy_key: Optional[str] = None
        self._before = None  # (class name, probability) of the drawing before teaching
        self.prompt = QLabel("It's a …")
        self.buttons: list[QPushButton] = []
        self._grid = QGridLayout()
        self._grid.setSpacing(2)
        self.progress = QProgressBar()
        self.progress.setFormat("Teaching… %p%")
        self.progress.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.undo_button = QPushButton("Undo teach")
        self.redo_button = QPushButton("Redo teach")
        self.set_button = QPushButton("Personal set…")
        self.undo_button.clicked.connect(lambda: self.step(-1))
        self.redo_button.clicked.connect(lambda: self.step(1))
        self.set_button.clicked.connect(self.show_personal_set)
        row = QHBoxLayout()
        for b in (self.undo_button, self.redo_button, self.set_button):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(self.prompt)
        lay.addLayout(self._grid)
        lay.addWidget(self.progress)
        lay.addWidget(self.result)
        lay.addLayout(row)
        for k in range(10):  # keys 0-9 pick a class while focus is anywhere in the Draw tab
            action = QAction(f"It's class {k}", panel)
            action.setShortcut(QKeySequence(str(k)))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, k=k: self.pick(k))
            panel.addAction(action)
        self._jobs = JobRunner("canvas-teach", self)
        self._jobs.progress.connect(self._on_progress)
        self._jobs.result.connect(self._on_taught)
        self._jobs.failed.connect(self._on_failed)
        self._work = TeachJobs()
        self._classes: list = []
        self.refresh()

    # -- what the bar shows ------------------------------------------------------------------------
    def _selected(self):
        """(index, name, classes, source, verdict, probs) of the selected model, or None."""
        p, i = self.panel, self.panel.selected
        if not p.models or i >= len(p.models):
            return None
        pred = p.last_prediction
        answered = pred is not None and not pred.blank and i < len(pred.probs)
        return (i, p.models[i][0], p.models[i][1], p.sources[i],
                pred.verdicts[i] if answered else None, pred.probs[i] if answered else None)

    def key_of(self, index: int) -> Optional[str]:
        """The personal set of the model at `index`: its original's, through its taught versions."""
        from core.teach.personal_set import set_key
        source = self.panel.sources[index]
        for key, v in self.versions.items():
            if any(item[2] is source for item in v.items):
                return key
        return set_key(source["run_id"], source["checkpoint"]) if source else None

    def refresh(self) -> None:
        sel = self._selected()
        classes = sel[2] if sel else []
        if classes != self._classes:
            self._classes = list(classes)
            for b in self.buttons:
                self._grid.removeWidget(b)
                b.deleteLater()
            self.buttons = []
            for k, name in enumerate(classes):
                b = QPushButton(f"{k} {name}" if k < 10 else name)
                b.setToolTip(f"It's a {name}: teach the model this drawing" + (f" (key {k})" if k < 10 else ""))
                b.clicked.connect(lambda _=False, k=k: self.pick(k))
                self.buttons.append(b)
                self._grid.addWidget(b, *divmod(k, 5))
        teachable = bool(sel and sel[3] and sel[4] is not None and self._busy_key is None)
        for b in self.buttons:
            b.setEnabled(teachable)
        self.prompt.setText("It's a … (teaching: wait for it)" if self._busy_key is not None else
                            "It's a …" if not sel or sel[3] else
                            "It's a … (this model can be taught once its run is saved)")
        key = self.key_of(sel[0]) if sel else None
        v = self.versions.get(key)
        self.undo_button.setEnabled(bool(v and v.at > 0 and self._busy_key is None))
        self.redo_button.setEnabled(bool(v and v.at < len(v.items) - 1 and self._busy_key is None))
        self.set_button.setEnabled(bool(sel and sel[3]))

    # -- teaching ----------------------------------------------------------------------------------
    def pick(self, label: int) -> bool:
        """The drawing is class `label`: teach it, when the answer was wrong or unsure."""
        sel = self._selected()
        if sel is None or label >= len(sel[2]) or self._busy_key is not None:
            return False
        i, name, classes, source, verdict, probs = sel
        if source is None or verdict is None:
            self.result.setText("Draw something first." if source else
                                "This model can be taught once its run is saved.")
            return False
        if verdict.top[0][0] == classes[label] and not verdict.unsure:
            self.result.setText(f"It already reads this as <b>{classes[label]}</b>: nothing to teach.")
            return False
        self._before = (classes[label], probs[label], verdict.top[0][0])
        return self._submit(i, label, self.panel._picture())

    def teach_again(self, index: int) -> bool:
        """Teach the original model the personal set as it is now (after relabelling, deleting)."""
        key = self.key_of(index)
        v = self.versions.get(key)
        if v is not None:
            self._show_version(index, key, 0)
        self._before = None
        return self._submit(index, None, None)

    def _submit(self, index: int, label, picture) -> bool:
        key = self.key_of(index)
        v = self.versions.setdefault(key, Versions())
        if not v.items:
            name = self.panel.models[index][0]
            v.items.append((name, self._model_of(index), self.panel.sources[index]))
        _name, model, source = v.items[v.at]
        self._busy_key, self._index = key, index
        self.progress.setValue(0)
        self.progress.show()
        self.result.setText("Teaching: the canvas keeps answering meanwhile.")
        self.refresh()
        self._jobs.submit(self._work.teach, TeachRequest(
            key, model, source, self.panel.models[index][1], self.panel.recipes[index], label,
            picture, original=v.items[0][1], root_title=v.items[0][2]["title"]))
        return True

    def _model_of(self, index: int):
        """The model shown at `index` now, from its checkpoint (the canvas keeps only copies)."""
        from core.checkpoint import load
        return load(self.panel.sources[index]["checkpoint"]).model

    def _on_progress(self, _tag, value) -> None:
        if value[0] == "instant":  # shown at once; the fine-tuned model takes its place
            name = self.versions[self._busy_key].items[0][0]
            self.panel.replace_model(self._index, f"{name}, instant answer (teaching…)", value[1])
            return
        done, total = value
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _on_taught(self, _tag, t) -> None:
        key, index = self._busy_key, self._index
        self._busy_key = None
        self.progress.hide()
        v = self.versions[key]
        base = v.items[0][0]
        name = f"{base}, taught ({t.drawings} drawing{'s' if t.drawings != 1 else ''})"
        source = {"checkpoint": t.checkpoint, "run_id": t.run_id, "title": name}
        del v.items[v.at + 1:]  # a new version after an undo drops the ones undone
        v.items.append((name, t.model, source))
        self._show_version(index, key, len(v.items) - 1)
        lines = []
        if self._before is not None and t.probs_after is not None:
            cls, p_before, answer = self._before
            p_after = t.probs_after[self.panel.models[index][1].index(cls)]
            top = self.panel.models[index][1][max(range(len(t.probs_after)), key=t.probs_after.__getitem__)]
            lines.append(f"This drawing: <b>{answer}</b> → <b>{top}</b> "
                         f"({cls}: {p_before:.0%} → {p_after:.0%})")
        lines.append(f"Test accuracy {t.test_acc_before:.1f}% → {t.test_acc_after:.1f}% "
                     f"(the original: {t.test_acc_original:.1f}%; 2,000 test images); "
                     f"{t.drawings} drawings, {t.seconds:.1f} s")
        if t.note:
            lines.append(f"<span style='color:#b00020'><b>{t.note}</b></span>")
        if t.missed:
            lines.append(f"Not in the run history: {t.missed}")
        self.result.setText("<br>".join(lines))
        self.refresh()
        self.taught.emit(t.run_id)
        self.finished.emit(t)

    def _on_failed(self, _tag, error) -> None:
        key, self._busy_key = self._busy_key, None
        self._show_version(self._index, key, self.versions[key].at)  # not the instant answer
        self.progress.hide()
        self.result.setText(f"<span style='color:#b00020'>Could not teach: {error.message}</span>")
        self.refresh()
        self.finished.emit(None)

    # -- versions ----------------------------------------------------------------------------------
    def _show_version(self, index: int, key: str, at: int) -> None:
        v = self.versions[key]
        v.at = at
        name, model, source = v.items[at]
        self.panel.replace_model(index, name, model, source)

    def step(self, delta: int) -> bool:
        """Undo (-1) or Redo (+1) through the taught versions of the selected model."""
        sel = self._selected()
        if sel is None or self._busy_key is not None:
            return False
        key = self.key_of(sel[0])
        v = self.versions.get(key)
        if v is None or not 0 <= v.at + delta < len(v.items):
            return False
        self._show_version(sel[0], key, v.at + delta)
        self.result.setText(f"Now: {v.items[v.at][0]}")
        self.refresh()
        return True

    def show_personal_set(self) -> None:
        from gui.draw.personal_view import PersonalSetView
        sel = self._selected()
        if sel is None or sel[3] is None:
            return
        PersonalSetView(self, sel[0]).exec()

    def shutdown(self) -> None:
        self._jobs.shutdown()
