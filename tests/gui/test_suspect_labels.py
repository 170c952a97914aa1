"""The Suspect labels view on a real trained model (TinyVGG, one epoch on a slice of the real
Fashion-MNIST), scored on the real test set."""
import numpy as np
from eval_fixtures import panel, trained_run, wait_evaluated  # noqa: F401 - fixtures

from core.evaluation.suspects import SHOWN, suspect_labels


def test_the_images_the_model_believes_least_of_come_first(qtbot, panel, trained_run, fashion):
    record, model = trained_run
    panel.add_run(record, model)
    report = wait_evaluated(qtbot, panel)
    panel.tabs.setCurrentIndex(list(panel.states).index("suspects"))
    view = panel.suspects
    assert panel.tabs.tabText(panel.tabs.currentIndex()) == "Suspect labels"
    assert not panel.states["suspects"].is_empty
    shown = view.shown_indices()
    assert len(shown) == SHOWN
    # cleanlab's self-confidence: the probability of the given label, lowest first; no image left
    # out has a lower one than the last shown
    y = fashion.test_y.numpy()
    given = report.probs[np.arange(len(y)), y]
    assert all(given[a] <= given[b] for a, b in zip(shown, shown[1:]))
    assert given[shown[-1]] == np.sort(given)[SHOWN - 1]
    # each image says its given label's probability and the class the model believes instead
    first = view.list.item(0)
    s = view.suspects[0]
    names = report.classes
    assert first.text() == (f"given {names[s.given]} {s.given_prob:.1%}\n"
                            f"model: {names[s.other]} {s.other_prob:.1%}")
    assert s.given == y[s.index] and s.other != s.given
    assert s.other_prob == report.probs[s.index].max() and s.given_prob < 0.01
    # a click shows that image's probability for every class
    view.list.setCurrentRow(0)
    assert not view.bars_state.is_empty
    assert np.array_equal(view.bars.probs, report.probs[s.index])


def test_ties_put_the_most_confident_other_class_first():
    probs = np.array([[0.1, 0.9, 0.0], [0.1, 0.5, 0.4], [0.8, 0.1, 0.1], [0.1, 0.0, 0.9]])
    y = np.array([0, 0, 0, 0])
    order = [s.index for s in suspect_labels(probs, y, 3)]
    assert order == [0, 3, 1]  # three at 0.1: the other class at 0.9 (twice), then at 0.5
    s = suspect_labels(probs, y, 1)[0]
    assert (s.given, s.given_prob, s.other, s.other_prob) == (0, 0.1, 1, 0.9)
    assert suspect_labels(probs[:0], y[:0]) == []
