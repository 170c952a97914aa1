"""The Follow tab on a long run's folder (200,000 batch lines, 28 MB, written as TrainDesk writes
them): read in the reader's thread, the curves decimated to a few thousand points whose first and
last are the run's first and last batches, every epoch's figures right, and lines appended later
picked up. (2,000,000 lines are timed in benchmarks/bench_follow.py, not here.)"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.runs.folder import METRICS
from core.runs.metrics_digest import EPOCHS, POINTS, MetricsDigest
from gui.follow.follow_panel import FollowPanel

sys.path.insert(0, str(Path(__file__).parent))
from big_run_folder import batch_line, end_line, epoch_line, write_big_run  # noqa: E402

LINES, PER_EPOCH = 200_000, 2_000  # 100 epochs


@pytest.fixture
def panel(qtbot):
    p = FollowPanel(interval_ms=40)
    qtbot.addWidget(p)
    p.resize(1200, 800)
    p.show()
    yield p
    p.shutdown()


def _caught_up(panel, batches: int) -> bool:
    v = panel.view
    return v is not None and not v.behind and v.batches_read == batches and not panel._dirty


def _curve(panel):
    items = panel.curves.items[panel.row.run_id]
    return items["loss"].xData, items["loss"].yData


def test_a_long_run_is_followed_with_decimated_curves_and_right_figures(qtbot, panel, tmp_path):
    folder = write_big_run(tmp_path / "long", LINES, PER_EPOCH, end=False)
    assert panel.follow(folder)
    # Read in the reader's thread (only run.json here), and said while it goes
    assert panel.view.batches_read == 0 and panel.view.behind
    assert panel.status.text() == "reading its metrics\u2026"
    assert panel.title.text().startswith("FashionMNISTModelV0")  # from run.json, at once
    assert panel.figures.text() == f"reading {METRICS}: 0 of 28 MB"
    assert panel.curves.state.message.text().startswith("Reading the run's metrics")
    qtbot.waitUntil(lambda: _caught_up(panel, LINES), timeout=120_000)
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 100, timeout=10_000)
    assert panel.status.text() == "running \u2014 epoch 100 of 100"
    x, y = _curve(panel)
    assert POINTS // 2 <= len(x) <= POINTS + 1  # a few thousand points, not 200,000
    assert y[0] == 1.0 and y[-1] == 1.0 / LINES  # the first batch and the last
    assert x[0] == pytest.approx(1 / PER_EPOCH) and x[-1] == pytest.approx(100.0)
    assert all(b > a for a, b in zip(x, x[1:]))  # in step order
    # Every epoch (100 <= EPOCHS): its own figures, and the training time up to its end
    records = panel.comparison.records
    assert len(records) == 100 <= EPOCHS
    for n, r in enumerate(records, 1):
        assert (r.epochs, r.model_acc, r.model_loss) == (n, n % 100 + 0.5, 2.0 / n)
        assert r.training_time == pytest.approx(2.0 * n)
    assert panel.row.training_time == pytest.approx(200.0) and panel.row.epochs == 100

    # Lines appended later: a new epoch's batches, its epoch line, the end
    with open(folder / METRICS, "a", encoding="utf-8") as f:
        f.write("".join(batch_line(s, PER_EPOCH) for s in range(LINES + 1, LINES + 1001)))
    qtbot.waitUntil(lambda: _caught_up(panel, LINES + 1000), timeout=30_000)
    assert panel.status.text().startswith("running")  # trained on after its end
    assert "batch 1,000 of 2,000" in panel.figures.text()
    x, y = _curve(panel)
    assert y[-2] == 1.0 / (LINES + 1000) and y[-1] != y[-1]  # then where the epoch will end (NaN)
    with open(folder / METRICS, "a", encoding="utf-8") as f:
        f.write("".join(batch_line(s, PER_EPOCH) for s in range(LINES + 1001, LINES + 2001)))
        f.write(epoch_line(101, 101) + end_line(101))
    qtbot.waitUntil(lambda: panel.status.text() == "finished", timeout=30_000)
    qtbot.waitUntil(lambda: len(panel.comparison.records) == 101, timeout=30_000)
    qtbot.waitUntil(lambda: not panel._dirty, timeout=30_000)
    x, y = _curve(panel)
    assert y[0] == 1.0 and y[-1] == 1.0 / (LINES + 2000) and len(x) <= POINTS + 1
    r = panel.comparison.records[-1]
    assert (r.epochs, r.model_acc) == (101, 1.5) and r.training_time == pytest.approx(202.0)


def test_the_digest_keeps_a_bounded_sample_of_a_long_run(tmp_path):
    """Straight from the reader: memory stays a few thousand rows however long the run; a file
    started over (another run in the same place) drops what was read."""
    folder = write_big_run(tmp_path / "long", 50_000, 100, end=True)  # 500 epochs
    digest = MetricsDigest(folder, points=1000, epochs=200)
    while True:
        digest.read(1 << 20)
        if not digest.behind:
            break
    d = digest.snapshot()
    assert d.batches_read == 50_000 and d.epochs_read == 500 and d.end["status"] == "finished"
    assert 500 <= len(d.batches) <= 1001 and d.batches[0]["step"] == 1
    assert d.batches[-1]["step"] == 50_000
    steps = [b["step"] for b in d.batches]
    assert steps == sorted(set(steps))
    assert all(b["batch"] == 100 for b in d.batches if b["step"] % 100 == 0)
    assert {e["epoch"] * 100 for e in d.epochs} <= set(steps)  # each epoch kept: its last batch
    sampled = [s for s in steps if s % 100]  # the rest: about every k-th batch, evenly spread
    gaps = sorted(b - a for a, b in zip(sampled, sampled[1:-1]))
    assert gaps[-1] <= 3 * gaps[len(gaps) // 2]  # (an epoch's end, left out above, was one)
    assert 100 <= len(d.epochs) <= 201 and d.epochs[0]["epoch"] == 1 and d.epochs[-1]["epoch"] == 500
    assert d.seconds == 1000.0 and d.epochs[-1]["seconds_so_far"] == 1000.0 and d.skipped == 0
    write_big_run(folder, 300, 100, end=False)  # written again from its start
    assert digest.read() and not digest.behind
    d = digest.snapshot()
    assert d.batches_read == 300 and [e["epoch"] for e in d.epochs] == [1, 2, 3] and d.end is None
    assert len(d.batches) == 300 and d.seconds == 6.0


def test_the_sample_is_the_same_however_the_file_is_sliced_or_damaged(tmp_path):
    """Batch lines are sampled by where they lie in the file, counted in bulk or (in a stretch
    with a damaged or foreign line) one by one: the rows kept are the same either way."""
    folder = write_big_run(tmp_path / "long", 30_000, 1000, end=True)

    def digest(limit):
        d = MetricsDigest(folder, points=500)
        while True:
            d.read(limit)
            if not d.behind:
                return d.snapshot()
    whole, sliced = digest(None), digest(1)  # 1: the smallest slice (two of the longest lines)
    assert [b["step"] for b in whole.batches] == [b["step"] for b in sliced.batches]
    assert whole.batches_read == sliced.batches_read == 30_000 and whole.skipped == 0
    # A damaged line and one written with spaces, near the start: that stretch is read line by line
    text = (folder / METRICS).read_bytes()
    cut = text.index(b"\n", 50_000) + 1
    (folder / METRICS).write_bytes(text[:cut] + b'{"kind": "batch", "st\xff\n' + text[cut:])
    damaged = digest(None)
    assert damaged.skipped == 1 and damaged.batches_read == 30_000
    assert damaged.batches[0]["step"] == 1 and damaged.batches[-1]["step"] == 30_000
    assert [e["epoch"] for e in damaged.epochs] == list(range(1, 31)) and damaged.seconds == 60.0
    assert damaged.end["status"] == "finished"
