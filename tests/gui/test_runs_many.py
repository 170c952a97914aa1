"""The Runs tab and the Evaluate comparison with thousands of runs: the right rows after sorting and
filtering, the selection kept, only the rows on screen read; and a running run's time counting up
(a real run history with a run in state running)."""
from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.runs.row import RunRow
from core.runs.store import RunStore
from gui.evaluate.comparison import MAX_BARS, ComparisonView
from gui.runs import runs_model, runs_table
from gui.runs.runs_model import ACC, COLUMNS, LOSS, NAME, STATUS, TIME, search_text
from gui.runs.runs_panel import RunsPanel
from gui.runs.runs_table import RunsTable

N = 3000
STATUSES = ("finished", "stopped", "failed", "interrupted")


def many_runs(n: int = N) -> list[RunRow]:
    """Runs as the store lists them (oldest first), with ties, missing figures and several models."""
    rows = []
    for i in range(n):
        model = ("fashion-v0", "fashion-v1", "fashion-v2")[i % 3]
        started = 1.7e9 + 60 * i
        rows.append(RunRow(
            run_id=f"run-{i:05d}", model_id=model, model_name=f"FashionMNISTModel{model[-2:].upper()}",
            model_loss=None if i % 7 == 0 else round(0.3 + (i * 37 % 101) / 100, 4),
            model_acc=None if i % 11 == 0 else 70 + (i * 13 % 29),  # 29 values: many ties
            training_time=float(i % 500), epochs=1 + i % 5, device="cpu", optimizer="sgd",
            lr=0.1, batch_size=32, checkpoint=f"/runs/run-{i:05d}/last.safetensors",
            created=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
            status=STATUSES[i % 4], name=f"trial {i}" if i % 5 == 0 else "",
            note="with sketches" if i % 13 == 0 else "", started=started,
            config={"model": model}))
    return rows


@pytest.fixture
def table(qtbot):
    t = RunsTable()
    qtbot.addWidget(t)
    t.resize(1200, 700)
    t.set_rows(many_runs())
    return t


def ids(table) -> list[str]:
    return [r.run_id for r in table.visible_rows()]


def test_sorting_thousands_by_value_keeps_ties_in_the_stores_order(table):
    rows = many_runs()
    assert ids(table) == [r.run_id for r in rows]  # oldest first, as stored
    table.view.sortByColumn(ACC, Qt.SortOrder.DescendingOrder)
    shown = table.visible_rows()
    accs = [r.model_acc for r in shown]
    known = [a for a in accs if a is not None]
    assert len(shown) == N and known == sorted(known, reverse=True)
    assert accs[len(known):] == [None] * (N - len(known))  # missing values last when descending
    for a, b in zip(shown, shown[1:]):  # equal accuracies: oldest first still
        if a.model_acc == b.model_acc:
            assert a.started < b.started
    # the cells on screen show the rows in that order, formatted
    model = table.model
    assert model.index(0, ACC).data() == f"{shown[0].model_acc:.2f}%"
    assert model.index(N - 1, NAME).data() == shown[-1].title
    table.view.sortByColumn(LOSS, Qt.SortOrder.AscendingOrder)
    losses = [r.model_loss for r in table.visible_rows()]
    missing = losses.count(None)
    assert losses[:missing] == [None] * missing and losses[missing:] == sorted(losses[missing:])
    table.view.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    names = [r.title.lower() for r in table.visible_rows()]
    assert names == sorted(names)


def test_filtering_thousands_keeps_every_word_and_the_sort(table):
    rows = many_runs()
    table.view.sortByColumn(ACC, Qt.SortOrder.AscendingOrder)
    table.filter.setText("V2 STOPPED")  # every word, any case, any column
    expected = [r for r in rows if "v2" in search_text(r) and "stopped" in search_text(r)]
    shown = table.visible_rows()
    assert 0 < len(shown) == len(expected) < N
    assert {r.run_id for r in shown} == {r.run_id for r in expected}
    assert all(r.model_id == "fashion-v2" and r.status == "stopped" for r in shown)
    known = [r.model_acc for r in shown if r.model_acc is not None]
    assert known == sorted(known)  # still sorted
    assert table.model.rowCount() == len(shown)
    assert table.model.index(len(shown) - 1, STATUS).data() == "stopped"
    table.filter.setText("run-00042")  # the id, though no column shows it
    assert ids(table) == ["run-00042"]
    table.view.sortByColumn(NAME, Qt.SortOrder.DescendingOrder)  # sorting a filtered table
    assert ids(table) == ["run-00042"]
    table.filter.setText("sketches trial")
    assert ids(table) == [r.run_id for r in sorted(
        (r for r in rows if r.note and r.name), key=lambda r: r.title.lower(), reverse=True)]
    table.filter.clear()
    assert len(ids(table)) == N


def test_the_selection_follows_its_runs_through_sorts_filters_and_refreshes(qtbot, table):
    chosen = ["run-00010", "run-01500", "run-02999"]
    table.select_ids(chosen, "run-01500")
    table.view.sortByColumn(LOSS, Qt.SortOrder.DescendingOrder)
    assert sorted(table.selected_ids()) == chosen and table.current_row().run_id == "run-01500"
    assert table.selected_ids() == [r.run_id for r in table.visible_rows() if r.run_id in chosen]
    table.filter.setText("run-01500 run-0")  # only one of them left
    assert table.selected_ids() == ["run-01500"]
    table.filter.clear()
    table.select_ids(chosen, "run-00010")
    table.set_rows(many_runs())  # a refresh: new row objects, the same runs
    assert sorted(table.selected_ids()) == chosen and table.current_row().run_id == "run-00010"
    table.view.selectAll()
    assert len(table.selected_rows()) == N


def test_only_the_rows_on_screen_are_read(qtbot, monkeypatch):
    """No work per cell over every row: filling and showing 3000 runs formats a screenful."""
    calls = []
    real = runs_model.display

    def counting(row, column):
        calls.append(row.run_id)
        return real(row, column)
    monkeypatch.setattr(runs_model, "display", counting)
    monkeypatch.setattr(runs_table, "display", counting)
    t = RunsTable()
    qtbot.addWidget(t)
    t.resize(1200, 700)
    t.set_rows(many_runs())
    t.show()
    qtbot.waitExposed(t)
    QApplication.processEvents()
    read = len(set(calls))
    assert 0 < read < 200 and len(calls) < 200 * len(COLUMNS), (read, len(calls))
    assert t.view.columnWidth(NAME) > t.fontMetrics().horizontalAdvance("trial 0")  # fitted
    calls.clear()
    t.view.scrollToBottom()
    QApplication.processEvents()
    assert "run-02999" in calls and len(set(calls)) < 200  # read as shown


def test_the_comparison_lists_thousands_reading_only_what_it_shows(qtbot):
    rows = many_runs()
    view = ComparisonView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.set_records(rows)
    table = view.table
    assert table.rowCount() == N and table.text(N - 1, 0) == rows[-1].model_name
    assert table.item(3, 2).text() == f"{rows[3].model_acc:.2f}"
    assert len(view.labels) == MAX_BARS  # the latest runs' bars, not three thousand
    with qtbot.waitSignal(view.selected) as picked:
        table.selectRow(1234)
    assert picked.args == [rows[1234].run_id] and len(view.labels) == MAX_BARS + 1
    cells = table.cells()  # the CSV export: every row
    assert len(cells) == N + 1 and cells[0][2] == "model_acc" and cells[N][0] == rows[-1].model_name


def test_a_running_runs_time_counts_up_on_screen(qtbot, tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    config = {"model": "fashion-v0", "epochs": 3, "lr": 0.1, "batch_size": 32, "optimizer": "sgd"}
    store.begin("run-done", config, "FashionMNISTModelV0", "cpu", "2.x", None, "test")
    store.finish("run-done", "finished", 0.5, 80.0, 42.0, 3, None, None, None, [])
    store.begin("run-live", config, "FashionMNISTModelV0", "cpu", "2.x", None, "test")
    with sqlite3.connect(store.path) as con:  # it started 2 minutes ago (this process runs it)
        con.execute("UPDATE runs SET started=? WHERE id='run-live'", (time.time() - 125,))
    panel = RunsPanel(store)
    qtbot.addWidget(panel)
    panel.resize(1300, 900)
    try:
        panel.refresh()
        qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
        table = panel.table
        assert [r.status for r in panel.rows] == ["running", "finished"]  # by start: live first
        assert table.ticker.isActive()
        model = table.model
        assert model.index(1, TIME).data() == "42s"  # a finished run: its training time
        assert model.index(0, TIME).data() in ("2m 05s", "2m 06s", "2m 07s", "2m 08s")  # not "0s"
        panel.show()
        qtbot.waitExposed(panel)
        changed = []
        model.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), a.column(), b.row())))
        table.tick()
        assert changed == [(0, TIME, 0)]  # the running run's time only
        with sqlite3.connect(store.path) as con:
            con.execute("UPDATE runs SET started=? WHERE id='run-live'", (time.time() - 3725,))
        panel.refresh()
        qtbot.waitUntil(lambda: model.index(0, TIME).data() == "1h 02m", timeout=10_000)
        store.finish("run-live", "finished", 0.4, 85.0, 3700.0, 3, None, None, None, [])
        panel.refresh()
        qtbot.waitUntil(lambda: not table.ticker.isActive(), timeout=10_000)
        assert model.index(0, TIME).data() == "1h 01m"  # its training time now
    finally:
        panel.shutdown()


def test_ticks_redraw_only_the_running_rows_on_screen(qtbot):
    rows = many_runs()
    for r in rows[::2]:
        r.status = "running"
    t = RunsTable()
    qtbot.addWidget(t)
    t.resize(1200, 400)
    t.set_rows(rows)
    t.show()
    qtbot.waitExposed(t)
    changed = []
    t.model.dataChanged.connect(lambda a, b, roles: changed.append(a.row()))
    t.tick()
    on_screen = range(t.view.rowAt(0), t.view.rowAt(t.view.viewport().height() - 1) + 1)
    assert changed and len(changed) < 50
    assert all(p in on_screen and t.model.row_at(p).status == "running" for p in changed)
    t.hide()
    changed.clear()
    t.tick()
    assert changed == []  # hidden: nothing redrawn
