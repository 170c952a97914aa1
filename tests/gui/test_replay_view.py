"""The Replay tab: a notebook's steps tick off, its models' curves race on one plot, its findings
and results are said, its runs reach the Runs tab, and a notebook 03 comparison opens the best
model in Evaluate and Draw."""
from types import SimpleNamespace

from core.runs.store import RunStore


def test_the_menu_action_opens_the_tab_and_notebook02_plays_through(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.replay_action.isEnabled(), timeout=60000)
    before = {r.run_id for r in RunStore().runs()}
    w.replay_action.trigger()
    panel = w.tool_tabs.replay_panel
    assert panel is not None and w.tab_widget.currentWidget().widget() is panel
    assert w.tab_widget.tabText(w.tab_widget.currentIndex()) == "Re&play"
    panel.start("notebook02")
    assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    # It trains in the Training tab's worker, which waits meanwhile: no Start until it is over.
    assert w.session.phase == "replaying" and not w.session.can_start
    qtbot.waitUntil(lambda: panel.status.text().startswith("Done"), timeout=120000)
    # the worker's job ends a moment after the replay says it is done
    qtbot.waitUntil(lambda: w.session.phase == "idle", timeout=10000)
    assert w.session.can_start
    steps = [panel.steps.item(i).text() for i in range(panel.steps.count())]
    assert len(steps) == 4 and all(s.startswith("\u2713") for s in steps)
    assert "Add ReLU" in panel.caption.text()
    text = panel.findings.text()
    assert "800 training and 200 test" in text and "CircleModelV2" in text
    assert len(panel.curves.items) == 3  # three runs raced on one set of axes
    # 1000 epochs each: their test figures are lines in each run's colour, not dots
    assert all((items.get("test_acc") or items["test_loss"]).opts["symbol"] is None
               for items in panel.curves.items.values())
    # The notebook's own figure: each circles model's boundary over the train and the test points
    # (the line stack fits a line: it has none)
    assert list(panel.boundaries.plots) == ["CircleModelV1", "CircleModelV2"]
    for train, test in panel.boundaries.plots.values():
        assert train.image.image.shape == (101, 101) and test.image.image is train.image.image or \
            (test.image.image == train.image.image).all()
        assert len(train.points.data) == 800 and len(test.points.data) == 200
    assert panel.comparison.table.rowCount() == 3  # and the comparison is filled as models end
    new = [r for r in RunStore().runs() if r.run_id not in before]
    assert len(new) == 3 and {r.source for r in new} == {"replay"}
    assert len({r.sweep for r in new}) == 1  # one replay id ties them together
    qtbot.waitUntil(lambda: {r.run_id for r in new} <= {r.run_id for r in w.tool_tabs.runs.table.model.rows},
                    timeout=30000)
    assert panel.start_button.isEnabled()


def test_stop_ends_the_replay(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.tool_tabs.built, timeout=60000)
    w.tool_tabs.replay()
    panel = w.tool_tabs.replay_panel
    panel.start("notebook02")
    qtbot.waitUntil(lambda: "Step 2 of 4" in panel.caption.text(), timeout=60000)
    panel.stop()
    qtbot.waitUntil(lambda: panel.start_button.isEnabled(), timeout=60000)
    assert panel.status.text().startswith("Stopped at step")


def test_the_comparison_opens_the_best_run(window, qtbot, tmp_path, fashion_small):
    """The end of notebook 03, fed one real fashion run: the table fills and Evaluate opens it."""
    from core.config import TrainConfig
    from core.runs.recorded import RecordedRun
    from core.train.trainer import Trainer

    w = window
    qtbot.waitUntil(lambda: w.tool_tabs.built, timeout=60000)
    t = Trainer(TrainConfig(model="fashion-v0", epochs=1, threads=2), data=fashion_small)
    run = RecordedRun(t, tmp_path / "runs", "replay")
    list(run.events())
    result = run.finish()
    w.tool_tabs.replay()
    panel = w.tool_tabs.replay_panel
    panel._on_row({"compare": [{"run_id": run.run_id, "model_name": result.model_name,
                                              "model_loss": result.model_loss,
                                              "model_acc": result.model_acc,
                                              "training_time": result.training_time,
                                              "notebook_acc": 83.43}],
                                 "best": run.run_id, "note": "why V1 differs"})
    assert len(panel.comparison.records) == 1
    assert "notebook 83.43%" in panel.findings.text()
    assert run.run_id in w.tool_tabs.evaluation.entries
    assert any(name.startswith("FashionMNISTModelV0") for name, _ in w.tool_tabs.canvas.models)


def test_a_replay_waits_for_a_run_in_the_training_tab(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.tool_tabs.built and w.session.can_start, timeout=60000)
    from core.config import TrainConfig
    w.tool_tabs.replay()
    panel = w.tool_tabs.replay_panel
    assert w.session.start(TrainConfig(model="circles-v0", epochs=100000), paused=True)
    qtbot.waitUntil(lambda: w.session.phase == "paused", timeout=60000)
    panel.start("notebook01")
    assert "busy" in panel.status.text() and panel.start_button.isEnabled()
    assert not panel.running and w.session.phase == "paused"
    w.session.stop()
    qtbot.waitUntil(lambda: w.session.phase == "idle", timeout=60000)
