"""The window's other tabs are fed by real runs: evaluation, drawing canvas, run history."""
from core.runs.store import RunStore


def _kept_fashion_runs():
    """The kept runs Evaluate lists: every image workflow's (Fashion-MNIST's and image folders')."""
    from gui.runs.runs_panel import is_image_run
    return [r for r in RunStore().runs() if r.checkpoint and is_image_run(r)]


def test_finished_run_reaches_evaluation_canvas_and_history(qtbot, window):
    w = window
    assert [w.tab_widget.tabText(i) for i in range(w.tab_widget.count())] == [
        "&Training", "&Evaluate", "&Draw", "R&uns"]
    w.panel.set_config({"model": "fashion-v0", "epochs": 1, "batch_size": 256})
    qtbot.waitUntil(lambda: w.tool_tabs.evaluation.data is not None, timeout=60000)
    before = len(w.tool_tabs.evaluation.records)  # earlier tests' runs, read from the history
    assert before == len(_kept_fashion_runs())
    models_before = len(w.tool_tabs.canvas.models)
    w.start()
    qtbot.waitUntil(lambda: w.phase == "idle" and "Finished" in w.log_text(), timeout=120000)
    qtbot.waitUntil(lambda: len(w.tool_tabs.evaluation.records) == before + 1, timeout=30000)
    record = w.tool_tabs.evaluation.records[-1]
    assert record.model_name == "FashionMNISTModelV0" and record.epochs == 1
    assert [r.run_id for r in _kept_fashion_runs()][-1] == record.run_id
    row = RunStore().get(record.run_id)
    assert row.status == "finished" and row.source == "window" and row.best_epoch == 1
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
    # Continue from the Runs tab: a new run from the checkpoint, trained here up to 2 epochs
    w.tool_tabs.continue_requested.emit(record.checkpoint, 2)
    qtbot.waitUntil(lambda: w.phase == "idle" and w.log_text().count("Finished") == 2, timeout=120000)
    (resumed,) = [r for r in RunStore().runs() if r.resumed_from == record.checkpoint]
    assert resumed.status == "finished" and resumed.epochs == 2 and resumed.run_id != record.run_id
    assert [e["epoch"] for e in RunStore().epochs(resumed.run_id)] == [1, 2]
    assert list(w.plots.points("test_loss")[0]) == [1, 2]  # the whole run's curve, from epoch 1
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


def test_once_the_tabs_are_built_the_collector_leaves_the_startup_objects_alone(window):
    """gui/shared/collector.py: the modules and widgets made so far are frozen, so a full
    collection (on any thread) no longer walks them while the window waits."""
    import gc
    assert window.tool_tabs.built
    assert gc.get_freeze_count() > 100_000  # torch, Qt's wrappers and the panels


def test_the_collector_runs_on_the_ui_thread_only(window, qtbot):
    """Automatic collection is off once a window exists: a worker thread that allocates never
    destroys a closed window's widgets; the UI thread's timer collects cyclic garbage instead."""
    import gc
    import weakref

    assert not gc.isenabled()

    class Cycle:
        pass
    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    kept = [[] for _ in range(gc.get_threshold()[0] + 1)]  # the youngest generation is due
    qtbot.waitUntil(lambda: gone() is None, timeout=5000)
    assert len(kept) > 0
