"""The Diagnosis panel and the Runs tab's diagnoses, fed by real runs through the real training
session and worker (the circles: notebook 02's straight boundary plateaus, the ReLU model does
not), and the run history they are kept in."""
from gui.runs.runs_model import DIAGNOSES, display, tooltip
from gui.training.diagnosis_panel import NOTHING_YET, DiagnosisPanel
from gui.training.session import TrainingSession
from gui.training.worker import running_threads


def run(qtbot, session, **settings):
    from core.config import TrainConfig
    ended, recorded = [], []
    session.run_ended.connect(ended.append)
    session.run_recorded.connect(recorded.append)
    assert session.start(TrainConfig(threads=1, **settings))
    qtbot.waitUntil(lambda: bool(ended) and bool(recorded), timeout=120_000)
    session.run_ended.disconnect(ended.append)
    session.run_recorded.disconnect(recorded.append)
    return ended[0], recorded[0]


def test_the_panel_fills_from_a_run_and_the_runs_tab_keeps_it(qtbot):
    from core.runs.store import RunStore
    session = TrainingSession()
    panel = DiagnosisPanel()
    qtbot.addWidget(panel)
    panel.connect_session(session)
    sent, logged = [], []
    session.diagnosed.connect(sent.append)
    session.log.connect(logged.append)
    with qtbot.waitSignal(session.ready, timeout=120_000):
        session.load()
    assert panel.findings == [] and panel.text() == NOTHING_YET

    result, run_id = run(qtbot, session, model="circles-v0", epochs=1500, lr=0.1)
    assert [d["code"] for d in result.diagnoses] == ["plateau"]
    assert [d["code"] for d in panel.findings] == ["plateau"]
    text = panel.text()
    assert "Plateau (plateau)" in text and "No progress for 150 epochs" in text
    assert "from epoch 1351 to 1500" in text and "Try: a learning-rate schedule" in text
    assert sent[0] == [] and sent[-1] == result.diagnoses  # a new run starts empty
    assert any(line.startswith("Diagnosis (plateau): No progress") for line in logged)

    # kept in the run's row: the Runs tab's column and its tooltip read it after a restart too
    row = RunStore().get(run_id)
    assert row.diagnoses == result.diagnoses
    assert display(row, DIAGNOSES) == "plateau"
    assert tooltip(row, DIAGNOSES).startswith("plateau: No progress for 150 epochs")

    # a new run of the ReLU model: the panel empties, and nothing is found
    result, run_id = run(qtbot, session, model="circles-v2", epochs=1500, lr=0.1)
    assert result.diagnoses == [] and panel.findings == [] and panel.text() == NOTHING_YET
    assert display(RunStore().get(run_id), DIAGNOSES) == ""
    assert session.close() and not running_threads()
