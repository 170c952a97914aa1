"""The panel alone with real data and a real trained checkpoint: empty states, evaluation, selection."""
from eval_fixtures import panel, trained_run, wait_evaluated  # noqa: F401 - fixtures

from gui.evaluate.panel import NO_DATA, NO_MODEL, EvaluationPanel


def test_empty_states_say_what_to_do(qtbot, fashion):
    p = EvaluationPanel()
    qtbot.addWidget(p)
    try:
        assert p.states["confusion"].is_empty and p.states["confusion"].message.text() == NO_DATA
        p.set_data(fashion)
        assert p.states["confusion"].message.text() == NO_MODEL
        assert p.states["classes"].is_empty and p.states["predictions"].is_empty
        assert not p.states["data"].is_empty  # the data explorer needs no model
        assert p.states["compare"].is_empty and "No runs" in p.states["compare"].message.text()
    finally:
        p.shutdown()


def test_finished_run_is_evaluated_off_the_ui_thread(qtbot, panel, trained_run, fashion):
    record, model = trained_run
    panel.add_run(record, model)
    assert panel.busy and not panel.progress.isHidden()  # returned at once; the worker evaluates
    assert "Evaluating" in panel.states["confusion"].message.text()
    report = wait_evaluated(qtbot, panel)
    assert report.confusion.sum() == len(fashion.test_y) == 10_000
    # the same accuracy the trainer measured on its own (small) test split is not expected, but
    # the report must agree with a direct count over the full test set
    assert report.accuracy == 100 * (report.y_pred == fashion.test_y.numpy()).mean()
    assert panel.progress.isHidden() and not panel.states["confusion"].is_empty
    assert f"{report.accuracy:.2f}%" in panel.status.text()


def test_lazy_load_from_checkpoint_and_selection_signal(qtbot, panel, trained_run):
    record, model = trained_run
    panel.add_run(record, None)  # no model: loaded from record.checkpoint in the worker
    lazy = wait_evaluated(qtbot, panel)
    panel.add_run(record.__class__(**{**vars(record), "run_id": "second"}), model)
    direct = wait_evaluated(qtbot, panel)
    assert (lazy.y_pred == direct.y_pred).all()
    assert panel.comparison.table.rowCount() == 2
    with qtbot.waitSignal(panel.run_selected) as sig:
        panel.comparison.table.selectRow(0)
    assert sig.args == [record.run_id] and panel.current == record.run_id


def test_live_updates_coalesce_and_evaluate_a_copy(qtbot, panel, trained_run):
    _, model = trained_run
    for _ in range(5):  # five epochs end while the first evaluation still runs
        panel.update_live("FashionMNISTModelV2", model)
    assert panel.evaluator.waiting is not None  # one running, one waiting: the rest were dropped
    live = panel.entries[panel.current]
    assert live.model is not model  # a private copy, taken at call time
    wait_evaluated(qtbot, panel)
    assert panel.evaluator.waiting is None and "training" in panel.status.text()
