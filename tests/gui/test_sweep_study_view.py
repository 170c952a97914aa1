"""The Sweep tab on an Optuna study: a study in a real Optuna database (trials told COMPLETE, PRUNED
and FAIL through Optuna's own API, as sweep processes on other machines would) followed with
"Join a study…"; pruned runs apart in the scatter at their last epoch's figure, the optimisation
history's best so far, the parameter importances; the dialog's ranges, search and pruner."""
import optuna
import pytest

from core.runs.store import RunStore

VALUES = [(0.01, 32, [70.0, 78.0, 81.0]), (0.3, 64, [60.0, 62.0, 63.0]), (0.05, 32, [72.0, 80.0, 84.5]),
          (0.002, 64, [50.0]), (0.1, 32, [74.0, 81.0, 83.0]), (0.02, 64, [71.0, 79.0, 82.0]),
          (0.4, 32, [40.0]), (0.03, 32, [73.0, 80.5, 84.0])]


def _study(path) -> tuple[str, list]:
    url = f"sqlite:///{path}"
    study = optuna.create_study(study_name="elsewhere", storage=url, direction="maximize")
    study.set_user_attr("model", "fashion-v0")
    study.set_user_attr("space", {"lr": {"low": 0.001, "high": 0.5, "log": True},
                                  "batch_size": [32, 64]})
    space = {"lr": optuna.distributions.FloatDistribution(0.001, 0.5, log=True),
             "batch_size": optuna.distributions.CategoricalDistribution([32, 64])}
    for lr, batch, figures in VALUES:
        study.enqueue_trial({"lr": lr, "batch_size": batch})
        trial = study.ask(space)
        assert trial.params == {"lr": lr, "batch_size": batch}
        for epoch, figure in enumerate(figures, 1):
            trial.report(figure, epoch)
        if len(figures) == 1:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, figures[-1])
    failed = study.ask()
    study.tell(failed, state=optuna.trial.TrialState.FAIL)
    return url, study.trials


def test_following_a_study_shows_pruned_runs_history_and_importances(qtbot, tmp_path):
    from gui.sweep.sweep_view import SweepView

    url, trials = _study(tmp_path / "study.db")
    view = SweepView.follow(url, "elsewhere", store=RunStore(tmp_path / "runs.sqlite"), poll_ms=60_000)
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    qtbot.waitUntil(lambda: view.study is not None and bool(view.points), timeout=30_000)
    assert not view.running and view.plan["model"] == "fashion-v0"
    assert view.table.rowCount() == 9
    assert view.study_panel.isVisible()
    # Pruned trials: points of their own status at their last reported epoch.
    pruned = [p for p in view.points if p["status"] == "pruned"]
    assert sorted(p["y"] for p in pruned) == [40.0, 50.0]
    assert all(p["epochs"] == 1 for p in pruned)
    finished = [p for p in view.points if p["status"] == "finished"]
    assert len(finished) == 6
    assert [p for p in view.points if p["best"]][0]["y"] == 84.5  # the star: a finished run
    assert "failed" in [view.table.item(r, 3).text() for r in range(9)]
    # The history: best so far against the trial number, completed trials only.
    completed = [(t.number, t.value) for t in trials if t.state.name == "COMPLETE"]
    running_best = [max(v for _, v in completed[:k + 1]) for k in range(len(completed))]
    assert view.study_panel.best_so_far == [(n, b) for (n, _), b in zip(completed, running_best)]
    # Six completed trials are enough for Optuna's importances of the two settings.
    assert set(view.study_panel.importances) == {"lr", "batch_size"}
    assert sum(view.study_panel.importances.values()) == pytest.approx(1.0)
    assert "6 finished, 2 pruned, 1 failed" in view.message.text()
    view.shutdown()


def test_following_a_damaged_study_database_says_so_in_one_line(qtbot, tmp_path):
    from gui.sweep.sweep_view import SweepView

    bad = tmp_path / "damaged.db"
    bad.write_bytes(b"not a database" * 100)
    view = SweepView.follow(f"sqlite:///{bad}", "x", store=RunStore(tmp_path / "runs.sqlite"),
                            poll_ms=60_000)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: "damaged" in view.message.text(), timeout=30_000)
    assert view.study is None and not view.points
    view.shutdown()


def test_the_dialog_takes_ranges_for_a_study(qtbot, tmp_path):
    from core.config import TrainConfig
    from gui.sweep.sweep_dialog import SweepDialog

    dialog = SweepDialog(TrainConfig(model="fashion-v0", epochs=2), None, str(tmp_path / "runs"))
    qtbot.addWidget(dialog)
    dialog.fields["lr"].setText("0.005:0.5:log")
    dialog.fields["batch_size"].setText("32,64,128")
    dialog.fields["momentum"].setText("0:0.95")
    assert not dialog.check() and "0.005:0.5:log" in dialog.summary.text()  # the plain grid: lists
    dialog.search.setCurrentIndex(dialog.search.findData("tpe"))
    assert not dialog.check() and "trials" in dialog.summary.text()
    dialog.trials.setValue(16)
    dialog.pruner.setCurrentIndex(dialog.pruner.findData("median"))
    dialog.study.setText("fashion-lr")
    assert dialog.check(), dialog.summary.text()
    assert "16 trials of fashion-v0 for fashion-lr (tpe, pruner median)" in dialog.summary.text()
    args = dialog.arguments()
    for flag, value in (("--lr", "0.005:0.5:log"), ("--batch-size", "32,64,128"),
                        ("--momentum", "0:0.95"), ("--sampler", "tpe"), ("--pruner", "median"),
                        ("--trials", "16"), ("--study", "fashion-lr")):
        assert args[args.index(flag) + 1] == value
    assert "--random" not in args
    dialog.search.setCurrentIndex(dialog.search.findData("grid"))
    assert not dialog.check() and "grid takes lists only" in dialog.summary.text()
    dialog.fields["momentum"].setText("0:2")  # an end the setting refuses
    dialog.search.setCurrentIndex(dialog.search.findData("random"))
    assert not dialog.check() and "momentum" in dialog.summary.text().lower()


def test_a_study_sweep_started_in_the_tab_fills_in_from_its_study(qtbot, tmp_path):
    """`main.py sweep` on a study in the tab's QProcess: the tab reads the trials back from the
    study's database and this machine's history."""
    from gui.sweep.sweep_view import SweepView

    db = tmp_path / "here.db"
    view = SweepView(["sweep", "--model", "line", "--lr", "0.005:0.05:log", "--trials", "3",
                      "--epochs", "20", "--parallel", "1", "--study", "here", "--storage",
                      f"sqlite:///{db}", "--out", str(tmp_path / "runs")], poll_ms=300)
    qtbot.addWidget(view)
    view.start()
    qtbot.waitUntil(lambda: view.exit_code is not None, timeout=300_000)
    qtbot.waitUntil(lambda: view.study is not None and len(view.study["trials"]) == 3 and all(
        t["status"] == "finished" for t in view.study["trials"]), timeout=30_000)
    assert view.exit_code == 0 and view.plan["study"] == "here" and not view.study_panel.isHidden()
    assert "3 trials of line here (tpe, pruner none)" in view.title.text()
    assert view.table.rowCount() == 3 and len(view.points) == 3
    assert all(p["run_id"] and p["status"] == "finished" and p["y"] < 0.5 for p in view.points)
    assert len(view.study_panel.best_so_far) == 3
    view.shutdown()
