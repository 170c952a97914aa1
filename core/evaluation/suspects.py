"""Suspect labels: the test images whose given label the model believes least, as cleanlab's
self-confidence ranking orders them (Northcutt et al., "Confident learning"): lowest probability
of the given class first, and among equal ones the most confident other class first. Fashion-MNIST
holds mislabelled images, and a learner should see that a model's "mistake" is sometimes the
data's."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHOWN = 60  # the suspects a gallery shows: the first screenfuls are where mislabels gather


@dataclass(frozen=True)
class Suspect:
    index: int          # in the test set
    given: int          # the label the data gives it
    given_prob: float   # the model's probability of that label (its self-confidence)
    other: int          # the class the model believes most among the others
    other_prob: float


def suspect_labels(probs: np.ndarray, y_true: np.ndarray, count: int = SHOWN) -> list[Suspect]:
    """The `count` images the model believes least of, by self-confidence (probs [N, C], rows
    summing to 1; y_true [N] the given labels)."""
    n = len(y_true)
    if n == 0:
        return []
    rows = np.arange(n)
    given = probs[rows, y_true]
    others = probs.copy()
    others[rows, y_true] = -1.0
    other = others.argmax(axis=1)
    other_prob = others[rows, other]
    order = np.lexsort((-other_prob, given))[:count]  # by given, then by the other's probability
    return [Suspect(int(i), int(y_true[i]), float(given[i]), int(other[i]), float(other_prob[i]))
            for i in order]
