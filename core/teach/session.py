"""One model being taught: its replay data, the fixed test slice its forgetting is measured on,
and the teaching step itself (fine-tune a copy, then measure it on the slice).

The replay data and the test slice are the model's own data set, found as `evaluate` finds it
(its image folder, or Fashion-MNIST's). The slice is the same TEST_SLICE images every time (a
seeded draw), so before and after, and any two taught versions, are measured on one set.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import torch

from core.teach.finetune import TuneSettings, fine_tune

TEST_SLICE = 2000
FORGETTING_POINTS = 1.0  # a larger drop in test accuracy is said in words


class TeachError(Exception):
    """The model cannot be taught here (no training data to replay, a damaged recipe): one line."""


def load_data(meta: dict, data_dir: Optional[str] = None):
    """The data set the model was trained on, as `main.py evaluate` loads it."""
    from core import workflows
    from core.config import TrainConfig
    from core.data.fashion_mnist import DataError

    config = TrainConfig.from_dict(meta.get("config") or {})
    config.model = meta["model_id"]
    config.data_dir = data_dir or config.data_dir
    try:
        data = workflows.get(meta["task"]).load(config)
    except DataError as e:
        raise TeachError(f"teaching replays the model's own training data, which cannot be "
                         f"loaded: {str(e).splitlines()[0]}") from None
    if list(data.classes) != list(meta["classes"]):
        raise TeachError(f"the training data now has the classes {', '.join(data.classes)[:200]}, "
                         f"not the model's ({', '.join(meta['classes'])[:200]})")
    return data


def forgetting_note(before: float, after: float) -> Optional[str]:
    """Words for a drop of more than FORGETTING_POINTS in test accuracy, else None."""
    drop = before - after
    if drop <= FORGETTING_POINTS:
        return None
    return (f"It forgot some of what it knew: test accuracy fell {drop:.1f} points "
            f"({before:.1f}% -> {after:.1f}% on {TEST_SLICE:,} test images). Undo goes back.")


@dataclass
class TeachResult:
    model: torch.nn.Module
    seconds: float               # the fine-tune alone
    drawings: int
    test_acc_before: float       # on the fixed test slice
    test_acc_after: float
    note: Optional[str] = None   # forgetting_note
    extra: dict = field(default_factory=dict)


class Teacher:
    """The data side of teaching one model (any of its taught versions: same classes, same data)."""

    def __init__(self, meta: dict, data=None, data_dir: Optional[str] = None):
        from core.pictures.recipe import InputRecipe
        try:
            self.recipe = InputRecipe.from_meta(meta)
        except ValueError as e:
            raise TeachError(str(e)) from None
        self.meta = meta
        data = data if data is not None else load_data(meta, data_dir)
        self.replay_x, self.replay_y = data.train_x.cpu(), data.train_y.cpu()
        test_x, test_y = data.test_x.cpu(), data.test_y.cpu()
        pick = torch.randperm(len(test_x), generator=torch.Generator().manual_seed(0))[:TEST_SLICE]
        pick = pick.sort().values
        self.test_x, self.test_y = test_x[pick], test_y[pick]
        self._full = (test_x, test_y)
        self._acc: dict[int, float] = {}

    def accuracy(self, model: torch.nn.Module) -> float:
        """Test accuracy (%) on the fixed slice; remembered per model object."""
        key = id(model)
        if key not in self._acc:
            from core.evaluation.evaluate import image_logits
            logits = image_logits(model, self.test_x, torch.device("cpu"), self.recipe)
            self._acc[key] = 100.0 * float((logits.argmax(1) == self.test_y).float().mean())
        return self._acc[key]

    def full_test(self, model: torch.nn.Module) -> tuple[float, float]:
        """(accuracy %, loss) on the whole test set: the figures the history shows for a run."""
        from core.evaluation.evaluate import image_logits
        x, y = self._full
        logits = image_logits(model, x, torch.device("cpu"), self.recipe)
        return (100.0 * float((logits.argmax(1) == y).float().mean()),
                float(torch.nn.functional.cross_entropy(logits, y)))

    def teach(self, model: torch.nn.Module, pixels, labels, settings: TuneSettings = TuneSettings(),
              progress: Callable[[int, int], None] = lambda d, t: None,
              stop: Callable[[], bool] = lambda: False) -> TeachResult:
        """Fine-tune a copy of `model` on the drawings (pixels float [N, C, H, W] in 0..255, as
        the model sees them before its recipe), then measure it on the test slice."""
        set_threads()
        pixels = torch.as_tensor(np.asarray(pixels, np.float32))
        labels = torch.as_tensor(np.asarray(labels, np.int64))
        if len(pixels) == 0:
            raise TeachError("there are no drawings to teach")
        if int(labels.max()) >= len(self.meta["classes"]) or int(labels.min()) < 0:
            raise TeachError("a drawing is labelled with a class the model does not have")
        before = self.accuracy(model)
        taught, seconds, info = fine_tune(model, self.recipe, pixels, labels, self.replay_x,
                                          self.replay_y, settings, progress, stop)
        after = self.accuracy(taught)
        return TeachResult(taught, seconds, len(pixels), before, after, forgetting_note(before, after),
                           info)


def set_threads() -> None:
    """One thread: a fine-tune step is small work, and on a busy 2-core machine two OpenMP threads
    waited on each other (the trainer measured 35 ms a step on one thread, 1.1 s on two)."""
    torch.set_num_threads(1)
