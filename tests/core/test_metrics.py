"""Evaluation metrics against examples worked out by hand, and the report the views read."""
import numpy as np
import pytest
import torch

from core.evaluation.report import Cancelled, EvalReport, evaluate
from core.evaluation.metrics import (accuracy, accuracy_from_confusion, confusion_matrix, most_confused,
                          normalise, per_class)

# 3 classes, 10 samples. Worked by hand:
#   true 0: predicted 0,0,0,1        -> row [3, 1, 0]
#   true 1: predicted 1,1,0          -> row [1, 2, 0]
#   true 2: predicted 2,1,1          -> row [0, 2, 1]
Y_TRUE = torch.tensor([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
Y_PRED = torch.tensor([0, 0, 0, 1, 1, 1, 0, 2, 1, 1])
CM = [[3, 1, 0], [1, 2, 0], [0, 2, 1]]


def test_confusion_matrix_rows_are_true_class_and_sum_to_size():
    cm = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert cm.tolist() == CM
    assert cm.sum().item() == len(Y_TRUE)
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(60.0)
    assert accuracy_from_confusion(cm) == pytest.approx(60.0)


def test_normalised_rows_and_columns_sum_to_one():
    rows = normalise(CM, "row")
    assert rows.sum(dim=1).tolist() == pytest.approx([1, 1, 1])
    assert rows[0].tolist() == pytest.approx([0.75, 0.25, 0])
    cols = normalise(CM, "column")
    assert cols.sum(dim=0).tolist() == pytest.approx([1, 1, 1])
    assert cols[:, 1].tolist() == pytest.approx([0.2, 0.4, 0.4])


def test_empty_row_or_column_stays_zero_not_nan():
    cm = [[2, 0], [0, 0]]  # class 1 never occurs and is never predicted
    assert normalise(cm, "row").tolist() == [[1, 0], [0, 0]]
    assert normalise(cm, "column").tolist() == [[1, 0], [0, 0]]
    m = per_class(cm)
    assert m["precision"].tolist() == [1, 0] and m["f1"].tolist() == [1, 0]


def test_precision_recall_f1_match_a_direct_count():
    m = per_class(confusion_matrix(Y_TRUE, Y_PRED, 3))
    for c in range(3):
        tp = int(((Y_TRUE == c) & (Y_PRED == c)).sum())
        fp = int(((Y_TRUE != c) & (Y_PRED == c)).sum())
        fn = int(((Y_TRUE == c) & (Y_PRED != c)).sum())
        p, r = tp / (tp + fp), tp / (tp + fn)
        assert m["precision"][c].item() == pytest.approx(p)
        assert m["recall"][c].item() == pytest.approx(r)
        assert m["f1"][c].item() == pytest.approx(2 * p * r / (p + r))
        assert m["support"][c].item() == int((Y_TRUE == c).sum())
    # by hand: class 1 precision 2/5, recall 2/3, F1 = 2*(0.4*0.667)/(1.067) = 0.5
    assert m["f1"][1].item() == pytest.approx(0.5)


def test_most_confused_pairs_largest_first_ties_in_row_order():
    assert most_confused(CM, 10) == [(2, 1, 2), (0, 1, 1), (1, 0, 1)]
    assert most_confused(CM, 1) == [(2, 1, 2)]
    assert most_confused([[5, 0], [0, 5]]) == []


def _report():
    # probabilities chosen so the predictions are Y_PRED, with distinct confidences
    probs = np.full((10, 3), 0.05, dtype=np.float32)
    conf = np.linspace(0.5, 0.9, 10, dtype=np.float32)
    probs[np.arange(10), Y_PRED.numpy()] = conf
    return EvalReport(probs, Y_TRUE.numpy(), ("a", "b", "c"))


def test_report_cells_tables_and_modes():
    r = _report()
    assert r.confusion.tolist() == CM and r.accuracy == pytest.approx(60.0)
    # cell (true c, predicted b): samples 8 and 9; 9 is more confident so it comes first
    assert r.cell(2, 1).tolist() == [9, 8]
    assert r.cell(0, 2).tolist() == []
    assert r.matrix("recall").sum(axis=1) == pytest.approx([1, 1, 1])
    assert r.matrix("precision").sum(axis=0) == pytest.approx([1, 1, 1])
    rows = r.class_rows()
    assert [row["support"] for row in rows] == [4, 3, 3] and rows[1]["f1"] == pytest.approx(0.5)
    assert r.confused_pairs(1) == [{"true": "c", "predicted": "b", "count": 2}]


class _Fixed(torch.nn.Module):
    """Logits that depend only on the mean brightness: a model whose answers we know."""
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor([[-10.0, 0.0, 10.0]]))

    def forward(self, x):
        return x.flatten(1).mean(dim=1, keepdim=True) * self.w * 10


def test_evaluate_runs_in_chunks_reports_progress_and_can_cancel():
    imgs = torch.cat([torch.zeros(2500, 28, 28), torch.full((2500, 28, 28), 255.0)]).to(torch.uint8)
    labels = torch.cat([torch.zeros(2500), torch.full((2500,), 2)]).long()
    seen = []
    r = evaluate(_Fixed(), imgs, labels, ("dark", "mid", "light"),
                 progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2000, 5000), (4000, 5000), (5000, 5000)]
    assert r.probs.shape == (5000, 3) and r.probs.sum(axis=1) == pytest.approx(np.ones(5000), abs=1e-5)
    # black images tie (argmax takes class 0, their label), white ones are class 2
    assert r.confusion.sum() == 5000 and r.accuracy == pytest.approx(100.0)
    with pytest.raises(Cancelled):
        evaluate(_Fixed(), imgs, labels, ("a", "b", "c"), progress=lambda d, t: False)
