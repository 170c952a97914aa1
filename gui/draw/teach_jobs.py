"""The job side of teaching from the Draw tab: runs in the teach JobRunner's thread, never on the
UI thread. It keeps one core.teach.session.Teacher per original model (its replay data and test
slice, loaded once), adds drawings to the personal set, fine-tunes, keeps the taught model as a
run in the history, and reads the drawing again with the taught model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass
class TeachRequest:
    key: str                     # the original model's personal-set key
    model: object                # the version taught from (a private copy)
    source: dict                 # its {"checkpoint", "run_id", "title"}
    classes: list
    recipe: object
    label: Optional[int] = None  # the class picked: a new drawing (None: the set as it is)
    picture: object = None       # gui.draw.predict_worker.Picture of that drawing
    original: object = None      # the model as it was before any teaching (the forgetting check)
    root_title: str = ""         # its run's title


@dataclass
class Taught:
    model: object
    run_id: str
    checkpoint: str
    drawings: int
    seconds: float
    test_acc_before: float
    test_acc_after: float
    test_acc_original: float     # the untaught original's, on the same slice
    note: Optional[str]          # a drop of more than a point against the original, in words
    probs_after: Optional[list]  # the drawing read again by the taught model
    missed: Optional[str]        # why it is not in the history, if it is not


def drawing_pixels_of(picture, recipe) -> np.ndarray:
    """The drawing as this model sees it (before its recipe), as the Draw tab reads it."""
    from core.pictures.framing import ImageError
    from core.pictures.model_input import drawing_pixels, photo_pixels
    from core.pictures.recipe import FRAMED
    if picture.photo and recipe.framing != FRAMED:
        try:
            return photo_pixels(picture.photo, recipe)
        except ImageError:
            pass
    return drawing_pixels(picture.gray, picture.ink, recipe)


class TeachJobs:
    def __init__(self):
        self._teachers: dict = {}

    def teacher(self, key: str, checkpoint: str):
        from core.checkpoint import read_meta
        from core.teach.session import Teacher
        if key not in self._teachers:
            self._teachers[key] = Teacher(read_meta(checkpoint))
        return self._teachers[key]

    def teach(self, job, req: TeachRequest) -> Taught:
        from core.evaluation.evaluate import predict_array
        from core.paths import runs_dir
        import torch

        from core.teach.finetune import IMPRINT, imprint
        from core.teach.personal_set import PersonalSet
        from core.teach.record import record_taught, taught_meta
        from core.teach.session import forgetting_note, set_threads

        set_threads()
        teacher = self.teacher(req.key, req.source["checkpoint"])
        people = PersonalSet.for_model(req.key, None, req.classes)
        pixels = None
        if req.label is not None:
            pixels = drawing_pixels_of(req.picture, req.recipe)
            people.add(req.label, pixels, req.picture.gray)
        x, y = people.arrays()
        # the instant answer (weight imprinting) is shown while the gradient steps run
        job.progress(("instant", imprint(req.model, req.recipe, torch.as_tensor(x),
                                         torch.as_tensor(y), IMPRINT)))
        job.progress((0, 1))
        result = teacher.teach(req.model, x, y, progress=lambda d, t: job.progress((d, t)),
                               stop=lambda: job.cancelled)
        job.check()
        acc, loss = teacher.full_test(result.model)
        meta = taught_meta(teacher.meta, req.source.get("run_id"), req.source["checkpoint"],
                           result.drawings, result.seconds)
        run_id, path, missed = record_taught(result.model, meta, req.root_title or req.source["title"],
                                             acc, loss, runs_dir())
        original = teacher.accuracy(req.original) if req.original is not None else result.test_acc_before
        after = None
        if pixels is not None:
            after = predict_array(result.model, req.recipe.to_input(pixels))
        return Taught(result.model, run_id, str(path), result.drawings, result.seconds,
                      result.test_acc_before, result.test_acc_after, original,
                      forgetting_note(original, result.test_acc_after), after, missed)
