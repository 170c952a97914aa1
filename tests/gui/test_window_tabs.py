"""The window's other tabs are fed by real runs: evaluation, drawing canvas, run history."""
from core.history import RunHistory


def test_finished_run_reaches_evaluation_canvas_and_history(qtbot, window):
    w = window
    assert [w.tab_widget.tabText(i) for i in range(w.tab_widget.count())] == [
        "&Training", "&Evaluate", "&Draw", "&Line && circles"]
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 256})
    qtbot.waitUntil(lambda: w.tool_tabs.evaluation.data is not None, timeout=60000)
    before = len(w.tool_tabs.evaluation.records)  # earlier tests' runs, read from the history
    assert before == len(RunHistory().records)
    models_before = len(w.tool_tabs.canvas.models)
    w.start()
    qtbot.waitUntil(lambda: w.phase == "idle" and "Finished" in w.log_text(), timeout=120000)
    qtbot.waitUntil(lambda: len(w.tool_tabs.evaluation.records) == before + 1, timeout=30000)
    record = w.tool_tabs.evaluation.records[-1]
    assert record.model_name == "FashionMNISTModelV0" and record.epochs == 1
    assert [r.run_id for r in RunHistory().records][-1] == record.run_id
    assert "Saved" in w.log_text() and record.checkpoint.endswith(".safetensors")
    assert len(w.tool_tabs.canvas.models) == models_before + 1
    assert w.tool_tabs.canvas.models[-1][0].startswith("FashionMNISTModelV0")
    # Nothing is evaluated while the Evaluate tab is hidden (it would slow training down);
    # shown, the saved run is evaluated off the UI thread and agrees with the trainer.
    entry = w.tool_tabs.evaluation.entries[record.run_id]
    assert entry.report is None and not w.tool_tabs.evaluation.busy
    w.tab_widget.setCurrentIndex(1)
    qtbot.waitUntil(lambda: entry.report is not None, timeout=60000)
    assert abs(entry.report.accuracy - record.model_acc) < 0.01
    w.close()


def test_sketch_option_reaches_the_config_and_is_remembered(qtbot):
    from gui.training.setup_panel import SetupPanel
    panel = SetupPanel()
    qtbot.addWidget(panel)
    assert panel.config().augment == ""
    panel.sketch.setChecked(True)
    state = panel.state()
    assert panel.config().augment == "sketch" and state["augment"] == "sketch"
    again = SetupPanel()
    qtbot.addWidget(again)
    again.set_config(state)
    assert again.sketch.isChecked() and again.config().augment == "sketch"
