"""The line and the circles in the main window: one workflow picker, one worker, and the run
controls that play them as TF Playground does (play, pause, step, speed, reset), drawing the
line's fit and the circles' boundary live in the Training tab."""
import numpy as np
import pytest

from core import workflows


def _shown_epoch(w):
    """The epoch of the frame on show; None between a new scene and its first frame."""
    return None if w.last_frame is None else w.last_frame.epoch


def _pick(qtbot, w, task):
    w.panel.workflow.setCurrentIndex(w.panel.workflow.findData(task))
    view = w.live_views[workflows.get(task).live_view]
    # a fresh untrained model of the new settings is on show (epoch 0), as a preview
    qtbot.waitUntil(lambda: _shown_epoch(w) == 0
                    and w.live_stack.currentWidget() is view, timeout=30000)
    return view


def _play_to_the_end(qtbot, w, timeout=120000):
    with qtbot.waitSignal(w.run_ended, timeout=timeout) as ended:
        w.start()
    return ended.args[0]


def test_line_seed_run_draws_the_fit_and_learns_the_line(qtbot, window):
    w = window
    view = _pick(qtbot, w, "line")
    config = w.panel.config()
    assert (config.model, config.epochs, config.lr) == ("line", 300, pytest.approx(0.01))
    assert w.start_action.text() == "Play" and w.reset_action.isVisible()
    assert all(a.isVisible() for a in w._actions.speed_actions)
    result = _play_to_the_end(qtbot, w)
    assert result.epochs_done == 300 and result.error is None
    assert w.last_frame.done and w.last_frame.epoch == 300
    assert result.extra["learned"]["weight"] == pytest.approx(0.7, abs=0.02)
    x, y = view.pred.getData()
    assert len(x) == 20 and np.allclose(y, 0.7 * x + 0.3, atol=0.02)  # red dots on the green ones
    assert view.loss.n == 300 and view.loss.last("test") < 0.02
    assert "0.70" in view.values.text()
    # the log keeps a readable summary, not 300 lines: the first epoch, each tenth, the last
    assert _logged_epochs(w) == [1, *range(30, 301, 30)]


def _logged_epochs(w):
    return [int(line.split()[1].split("/")[0]) for line in w.log_text().splitlines()
            if line.startswith("Epoch ")]


def test_the_log_keeps_the_milestones_when_one_frame_holds_every_epoch(qtbot, window, monkeypatch):
    # A fast machine trains the line's 300 epochs in a few frames; here all of them go in the
    # last frame, and the log must still read the same.
    from gui.training import live_frames
    w = window
    _pick(qtbot, w, "line")
    monkeypatch.setattr(live_frames, "FRAME_S", 3600.0)
    result = _play_to_the_end(qtbot, w)
    assert result.epochs_done == 300 and w.last_frame.done and len(w.last_frame.ep) == 300
    assert _logged_epochs(w) == [1, *range(30, 301, 30)]


def test_circles_default_run_bends_the_boundary(qtbot, window):
    w = window
    view = _pick(qtbot, w, "circles")
    config = w.panel.config()
    assert (config.model, config.epochs, config.lr) == ("circles-v2", 1500, pytest.approx(0.1))
    result = _play_to_the_end(qtbot, w)
    assert result.epochs_done == 1500 and view.acc.n == 1500
    assert view.acc.last("test") >= 97  # 99.0% (the core test has the notebook's 1000)
    for plot in (view.train, view.test):  # a boundary grid under the train and the test points
        prob = plot.image.image
        assert prob.shape == (101, 101) and prob.min() < 0.2 and prob.max() > 0.6
        assert prob[50, 50] > 0.5  # the middle (inner circle, class 1) is blue


def test_step_pause_speed_and_resume(qtbot, window):
    w = window
    _pick(qtbot, w, "line")
    w.step()  # no run yet: a new one, one epoch, then paused
    qtbot.waitUntil(lambda: _shown_epoch(w) == 1, timeout=30000)
    assert w.phase == "paused"
    w.step()
    qtbot.waitUntil(lambda: _shown_epoch(w) == 2, timeout=30000)
    qtbot.wait(300)
    assert w.last_frame.epoch == 2 and w.pause_action.text() == "Resume"
    assert w.status.progress.format() == "Epoch 2/300 · 1%"  # the run's share, not the epoch's
    w.speed.setCurrentIndex(w.speed.findData(100.0))
    w.toggle_pause()  # resume at 100 epochs a second
    qtbot.waitUntil(lambda: (_shown_epoch(w) or 0) >= 20, timeout=10000)
    w.toggle_pause()
    qtbot.wait(300)  # the last frames in
    paused_at = w.last_frame.epoch
    qtbot.wait(400)
    assert w.last_frame.epoch == paused_at < 300  # nothing trains while paused
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        w.speed.setCurrentIndex(w.speed.findData(0.0))
        w.toggle_pause()
    assert w.last_frame.epoch == 300 and w.last_frame.done


def test_reset_and_data_changes_show_a_fresh_model(qtbot, window):
    w = window
    view = _pick(qtbot, w, "line")
    w.step()
    qtbot.waitUntil(lambda: _shown_epoch(w) == 1, timeout=30000)
    w.reset()  # stops the run (it is kept) and shows an untrained model
    qtbot.waitUntil(lambda: w.phase == "idle" and _shown_epoch(w) == 0, timeout=30000)
    assert view.loss.n == 0
    w.panel.toy_data["line"].fields["weight"].setValue(0.3)
    qtbot.waitUntil(lambda: view.scene.true_line == (0.3, 0.3) and _shown_epoch(w) == 0,
                    timeout=30000)
    assert w.panel.config().line["weight"] == pytest.approx(0.3)
    result = _play_to_the_end(qtbot, w)
    assert result.extra["learned"]["weight"] == pytest.approx(0.3, abs=0.05)


def test_bad_data_settings_say_so(qtbot, window):
    w = window
    _pick(qtbot, w, "line")
    w.panel.toy_data["line"].fields["end"].setValue(-1.0)  # end < start
    qtbot.waitUntil(lambda: "start < end" in w.message.message(), timeout=30000)
    w.panel.toy_data["line"].restore_defaults()
    qtbot.waitUntil(lambda: _shown_epoch(w) == 0 and w.phase == "idle", timeout=30000)


def test_the_image_workflows_keep_the_curves_and_no_pace(qtbot, window):
    w = window
    _pick(qtbot, w, "circles")
    _play_to_the_end(qtbot, w)
    w.panel.workflow.setCurrentIndex(w.panel.workflow.findData("fashion"))
    assert w.live_stack.currentWidget() is w.plots
    assert all(s.n == 0 for s in w.plots.series.values())  # the circles' curves are gone
    assert w.start_action.text() == "Start" and not w.reset_action.isVisible()
    assert not any(a.isVisible() for a in w._actions.speed_actions) and w.step_action.isEnabled()


def test_toy_data_survives_a_restart(qtbot, window, settings):
    from gui.main_window import MainWindow
    w = window
    _pick(qtbot, w, "circles")
    w.panel.toy_data["circles"].fields["noise"].setValue(0.1)
    w.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.core_info is not None and bool(again.panel.toy_data), timeout=60000)
    assert again.panel.task() == "circles"
    assert again.panel.config().circles["noise"] == pytest.approx(0.1)
    again.close()
