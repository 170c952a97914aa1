"""The Sweep tab: a real `main.py sweep` in a QProcess, its runs filling in the scatter and the table
as they finish; the dialog's checks; the window's Sweep action, and its Stop."""
import pytest

from core.runs.store import RunStore


def _wait_ended(qtbot, view, timeout=180_000):
    qtbot.waitUntil(lambda: view.exit_code is not None, timeout=timeout)


def test_points_appear_as_the_runs_finish(qtbot, tmp_path):
    from gui.sweep.sweep_view import SweepView

    lines = []
    view = SweepView(["sweep", "--model", "circles-v2", "--lr", "0.05,0.2,1e6", "--epochs", "40",
                      "--parallel", "2", "--out", str(tmp_path / "runs")], poll_ms=300)
    qtbot.addWidget(view)
    view.log_line.connect(lines.append)
    view.resize(900, 700)
    view.show()
    seen = []  # the number of points each time it changed, while the sweep was running
    view.runs_changed.connect(lambda: seen.append((len(view.points), view.running)))
    view.start()
    qtbot.waitUntil(lambda: view.plan is not None, timeout=60_000)
    assert [r["lr"] for r in view.plan["runs"]] == [0.05, 0.2, 1e6]
    assert view.axis.currentData() == "lr"
    assert view.table.rowCount() == 3
    _wait_ended(qtbot, view)
    qtbot.waitUntil(lambda: len(view.points) == 3 and all(
        view.entry(i)["status"] != "running" for i in range(3)), timeout=10_000)
    assert view.exit_code == 1  # the diverging run is a failure, and the sweep says so
    # Points came in while the sweep was still running, as its runs finished: some, not all.
    assert any(0 < n < 3 and running for n, running in seen), seen
    assert len(view.points) == 3  # the diverged run too (at its 50%), in the failure colour
    statuses = {e["lr"]: e["status"] for e in (view.entry(i) for i in range(3))}
    assert statuses == {0.05: "finished", 0.2: "finished", 1e6: "failed"}
    finished = [p for p in view.points if p["status"] == "finished"]
    assert len(finished) == 2 and all(0 <= p["y"] <= 100 for p in finished)
    best = max(finished, key=lambda p: p["y"])
    assert [p["best"] for p in view.points if p["best"]] == [True] and best["best"]
    # The learning rate on a log axis: the ticks are the values, at their log10.
    ticks = view.plot.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["0.05", "0.2", "1e+06"]
    assert ticks[2][0] == pytest.approx(6.0)
    # The table: one row per run, its status and figures; the failure says why.
    texts = [[view.table.item(r, c).text() for c in range(view.table.columnCount())] for r in range(3)]
    assert [t[2] for t in texts] == ["finished", "finished", "failed"]
    assert "too high" in view.table.item(2, 2).toolTip()
    assert view.summary["best"]["run_id"] == best["run_id"]
    assert best["run_id"] in view.message.text() and view.message.text().startswith("Finished")
    assert any("3/3 done" in line for line in lines)
    # Every run the history has for the sweep is on show.
    rows = [r for r in RunStore().runs() if r.sweep == view.sweep_id]
    assert {r.run_id for r in rows} == {e["run_id"] for e in map(view.entry, range(3))}
    view.shutdown()


def test_dialog_checks_as_it_is_typed_and_makes_the_arguments(qtbot, settings, tmp_path):
    from core.config import TrainConfig
    from gui.sweep.sweep_dialog import SweepDialog

    config = TrainConfig(model="fashion-v0", epochs=2, seed=7, device="cpu")
    d = SweepDialog(config, settings, str(tmp_path / "runs"))
    qtbot.addWidget(d)
    ok = d.buttons.buttons()[0]
    d.fields["lr"].setText("0.01, 0.1")
    d.fields["batch_size"].setText("32,64")
    d.fields["optimizer"].setText("sgd,adam")
    d.parallel.setValue(2)
    assert d.check() and len(d.plan.runs) == 8 and "8 runs of fashion-v0, 2 at a time" in d.summary.text()
    assert d.arguments() == ["sweep", "--model", "fashion-v0", "--lr", "0.01, 0.1", "--batch-size",
                             "32,64", "--hidden-units", "10", "--optimizer", "sgd,adam",
                             "--momentum", "0", "--epochs", "2", "--seed", "7", "--device", "cpu", "--parallel", "2",
                             "--out", str(tmp_path / "runs")]
    d.fields["lr"].setText("0.1,-1")
    assert not ok.isEnabled() and "learning rate (--lr) must be above 0, not -1" in d.summary.text()
    d.fields["lr"].setText("0.1")
    d.random.setValue(20)
    assert not ok.isEnabled() and "more runs than the grid's 4" in d.summary.text()
    d.random.setValue(3)
    assert ok.isEnabled() and len(d.plan.runs) == 3
    # A toy model: the Fashion-only lists are off, and not passed on.
    d.model.setCurrentIndex(d.model.findData("circles-v1"))
    assert not d.fields["batch_size"].isEnabled() and "--batch-size" not in d.arguments()
    d.random.setValue(0)
    d.accept()
    again = SweepDialog(config, settings, str(tmp_path / "runs"))  # the last sweep's lists come back
    qtbot.addWidget(again)
    assert again.fields["optimizer"].text() == "sgd,adam" and again.parallel.value() == 2


def test_the_window_starts_a_sweep_and_stops_it(qtbot, window, tmp_path):
    from gui.sweep import sweep_launch

    assert window.sweep_action.isEnabled()
    menu = next(a.menu() for a in window.menuBar().actions()
                if a.menu() is not None and window.start_action in a.menu().actions())
    assert window.sweep_action in menu.actions()
    keys = [k.toString() for a in window.findChildren(type(window.sweep_action)) for k in a.shortcuts()]
    assert keys.count("Ctrl+Shift+R") == 1  # no other action has its shortcut
    dialog = sweep_launch.open_sweep_dialog(window)
    dialog.model.setCurrentIndex(dialog.model.findData("circles-v0"))
    dialog.fields["lr"].setText("0.1,0.2,0.3")
    dialog.epochs.setValue(1_000_000)  # until stopped
    dialog.parallel.setValue(2)
    assert dialog.check()
    dialog.accept()
    view = window.tool_tabs.sweep_view()
    assert view is not None and view.running
    assert window.tab_widget.tabText(window.tab_widget.currentIndex()) == "S&weep"
    qtbot.waitUntil(lambda: view.plan is not None, timeout=60_000)
    # Both running runs show up (a point each, once their first epochs are in), then Stop.
    qtbot.waitUntil(lambda: sum(view.entry(i)["status"] == "running" for i in range(3)) == 2
                    and len(view.points) == 2, timeout=120_000)
    assert sweep_launch.open_sweep_dialog(window) is None  # one sweep at a time
    view.stop_button.click()
    _wait_ended(qtbot, view, timeout=90_000)
    assert view.exit_code == 143 and view.summary["stopped"]
    assert [r["status"] for r in view.summary["runs"]] == ["stopped", "stopped", "not started"]
    qtbot.waitUntil(lambda: [view.entry(i)["status"] for i in range(3)]
                    == ["stopped", "stopped", "not started"], timeout=10_000)
    rows = {r.run_id: r for r in RunStore().runs() if r.sweep == view.sweep_id}
    assert len(rows) == 2 and all(r.status == "stopped" and r.checkpoint for r in rows.values())
    assert "Stopped: 2 of 3 runs" in view.message.text()
    assert any("Sweep: main.py sweep" in line for line in window.log_text().splitlines())


@pytest.mark.parametrize("model, regression", [("line", True), ("line-stack", True),
                                                ("circles-v2", False), ("tinyvgg", False),
                                                ("no-such-model", False)])
def test_the_line_models_are_scored_by_test_loss(model, regression):
    """By the model's workflow (core.workflows), not by its name."""
    from gui.sweep.sweep_plot import SweepPlot
    view = SweepPlot()
    view.plan = {"model": model, "runs": []}
    assert view._regression() is regression
