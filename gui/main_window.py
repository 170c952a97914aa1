"""TrainDesk's main window: the setup panel, run controls, live plots, log and status bar.

The window paints first and loads later: torch and the data set load in the worker's thread, and
the plots (pyqtgraph) once torch is in, behind a "loading" state; meanwhile this thread stays free
for a close or Ctrl+Q.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QLabel, QMainWindow, QPlainTextEdit, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from core import applog, workflows
from gui.shared import collector, settings as store
from gui.shared.narrow_fields import keep_form_whole
from gui.shared.native_imports import import_shared_natives
from gui.training.message_bar import MessageBar
from gui.training.run_actions import install_run_actions
from gui.training.data_sources import DataSources
from gui.training.run_reports import RunReports
from gui.training.run_status import RunStatus
from gui.training.lr_finder import LrFinder
from gui.training.setup_panel import SetupPanel
from gui.training.live_host import LiveHost
from gui.follow.follow_action import install_follow_action
from gui.sweep.sweep_launch import install_sweep_action
from gui.replay.replay_action import install_replay_action
from gui.tool_tabs import ToolTabs
from gui.menus import Menus
from gui.window_desktop import DesktopWindow
# The run's phases live in the session; named here too for gui/app.py and the tests.
from gui.training.session import (BROKEN, IDLE, LOADING, PAUSED, RUNNING,  # noqa: F401
                                  STARTING, STOPPING, TrainingSession)

PANEL_FLOOR = 260  # pixels: the setup panel is never narrower, however narrow its form
QUIT_WAIT_MS = 200  # how long a close waits for a loading worker before quit_fast


class MainWindow(RunReports, DataSources, LiveHost, DesktopWindow, QMainWindow):
    """The window itself: its widgets, what it remembers, the run controls and closing. What the
    worker reports about a run is shown by RunReports (gui/training/run_reports.py), the data
    sets are found or dropped by DataSources (gui/training/data_sources.py), the Training tab's
    plots and live views are LiveHost's (gui/training/live_host.py), and the theme, size,
    copy-and-save and notes to the desktop are DesktopWindow's (gui/window_desktop.py)."""

    first_painted = Signal()
    ready = Signal()              # core loaded: Start can be pressed
    plots_ready = Signal()
    run_ended = Signal(object)    # RunResult or Failure, in the UI thread, after the window updated

    def __init__(self, settings=None, parent=None):
        super().__init__(parent)
        collector.keep_to_ui_thread()  # before any worker thread allocates (gui/shared/collector.py)
        self.settings = settings if settings is not None else store.make_settings()
        self.setWindowTitle("TrainDesk")
        # The run's phase and the worker (made after the first paint); the window shows them.
        self.session = TrainingSession(self)
        self.data_source = None   # where Fashion-MNIST was read from, once it has been
        self.plots = None
        self._painted = False
        self._closing = False
        # Set by the application (not by tests): ends the process when the window is closed while
        # only loading is in flight, which no thread can interrupt (torch's import, the data set).
        self.quit_fast = None

        self.panel = SetupPanel()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        # The form narrows with the splitter down to its narrowest (combos elide, spin boxes
        # narrow: gui/shared/narrow_fields.py), never further; a sideways scroll bar only hides it.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll = scroll
        keep_form_whole(scroll, PANEL_FLOOR)
        self.message = MessageBar()
        self.message.download_clicked.connect(self._download)
        self.message.choose_folder_clicked.connect(self._choose_data_folder)
        self.plot_placeholder = QLabel("Loading plots…")
        self.plot_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot_area = QWidget()
        self._plot_layout = QVBoxLayout(self.plot_area)
        self._plot_layout.setContentsMargins(4, 4, 4, 4)
        self._plot_layout.addWidget(self.message)
        self._plot_layout.addWidget(self.plot_placeholder, 1)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(20000)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log_view.setPlaceholderText("One line per epoch appears here.")
        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        self.tab_widget.addTab(self.plot_area, "&Training")
        self.tool_tabs = ToolTabs(self.tab_widget, self.session)
        self.setAcceptDrops(True)  # an image dropped anywhere goes to the drawing canvas
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.tab_widget)
        self.right.addWidget(self.log_view)
        # The tabs get the room; the log a few lines (its splitter and View ▸ Show the log say more).
        self.right.setStretchFactor(0, 6)
        self.right.setStretchFactor(1, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(scroll)
        self.split.addWidget(self.right)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([320, 900])
        self.right.setSizes([640, 110])
        self.setCentralWidget(self.split)
        self.splitters = {"main": self.split, "right": self.right}

        actions = install_run_actions(self, self.start, self.toggle_pause, self.stop,
                                      self.one_more_epoch, self.step, self.reset,
                                      self.session.set_rate)
        self._actions = actions
        self.start_action, self.pause_action = actions.start, actions.pause
        self.stop_action, self.more_action = actions.stop, actions.more
        self.step_action, self.reset_action, self.speed = actions.step, actions.reset, actions.speed
        self.live_stack = None    # gui/training/live_views.py, once the plots are built
        self._reset_pending = False
        self._first_epoch = 1  # of the run on show: a paced run's log keeps its milestones
        self._plotted_workflow = None  # the workflow whose run the curves show
        # Settings changes of a paced workflow show the new untrained model (as TF Playground
        # does), and an image folder's contents are looked up; both once typing settles.
        self._preview_timer = self._settle_timer(self._preview)
        self._folder_timer = self._settle_timer(self._scan_folder)
        self.run_actions = actions.all()
        self.follow_action = install_follow_action(self)  # Run ▸ Follow a run folder… (Ctrl+Shift+O)
        self.sweep_action = install_sweep_action(self)  # Run ▸ Sweep… (Ctrl+Shift+R)
        self.replay_action = install_replay_action(self)  # Run ▸ Replay a notebook… (Ctrl+Shift+P)
        self.menus = Menus(self)  # File, View and Help (gui/menus.py)
        self.about_action = self.menus.about
        self.status = RunStatus(self.statusBar())
        self.status.busy("Loading PyTorch…")
        self._ticker = QTimer(self)
        self._last_batch = None
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self.panel.parameters_wanted.connect(self.session.count_parameters)
        self.panel.changed.connect(self._settings_changed)
        self.panel.folder_wanted.connect(self._folder_timer.start)
        self.lr_finder = LrFinder(self.panel, self.session, self)  # the Find learning rate button
        self._connect_session()
        self._restore()
        self.setup_desktop()
        self._update_actions()
        self.installEventFilter(self)

    # -- the session -----------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        return self.session.phase

    @property
    def can_continue(self) -> bool:
        return self.session.can_continue

    @property
    def core_info(self):
        return self.session.core_info

    @property
    def host(self):
        """The worker and its thread (None until loading starts after the first paint)."""
        return self.session.host

    def _connect_session(self) -> None:
        s = self.session
        s.phase_changed.connect(self._update_actions)
        s.core_ready.connect(self._on_core_ready)
        s.ready.connect(self.ready)
        s.ready.connect(self._preview)  # a paced workflow's untrained model, ready to play
        s.ready.connect(self.panel.want_folder)  # a remembered image folder: what it holds
        s.data_ready.connect(self._on_data_ready)
        s.data_progress.connect(self.status.loading)
        s.run_started.connect(self._on_run_started)
        s.batch_done.connect(self._on_batch)
        s.epoch_done.connect(self._on_epoch)
        s.run_finished.connect(self._on_finished)
        s.failed.connect(self._on_failed)
        s.run_ended.connect(self.run_ended)  # after the slots above have updated the window
        s.log.connect(self.log)
        s.parameters_counted.connect(self.panel.set_parameter_count)
        s.download_progress.connect(self.message.download_progress)
        s.download_finished.connect(self._on_downloaded)
        s.data_arrays.connect(self.tool_tabs.set_data)
        s.weights_ready.connect(self.tool_tabs.epoch_weights)
        s.run_saved.connect(self.tool_tabs.run_saved)
        s.run_recorded.connect(self.tool_tabs.run_recorded)
        s.live_scene.connect(lambda scene: self._live("set_scene", scene))
        s.live_frame.connect(lambda frame: self._live("show_frame", frame))
        s.folder_scanned.connect(lambda _folder, text, classes: self.panel.set_folder_summary(
            text, classes))
        s.run_ended.connect(self._after_run)
        self.tool_tabs.continue_requested.connect(self.continue_run)
        # read in the background: said where it is seen, and kept in the log
        self.tool_tabs.history_problem_found.connect(lambda text: (self.log(text),
                                                                   self.message.show_info(text)))

    # -- construction ----------------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = store.load_bytes(self.settings, store.GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(self.first_size())
        store.restore_splitters(self.settings, self.splitters)
        self.panel.set_config(store.load_experiment(self.settings))

    def save_settings(self) -> None:
        self.settings.setValue(store.GEOMETRY, self.saveGeometry())
        store.save_splitters(self.settings, self.splitters)
        store.save_experiment(self.settings, self.panel.state())
        self.settings.sync()

    # -- first paint, then load ------------------------------------------------------------------
    def eventFilter(self, obj, e) -> bool:
        # Watching our own events only until the first paint: a filter left in place (or an
        # event() override) would run Python for every event the window ever gets.
        if obj is self and e.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            self.removeEventFilter(self)
            self.first_painted.emit()
            # Queued: the frame in progress reaches the screen before anything slow starts.
            QTimer.singleShot(0, self, self._load)  # dropped if the window goes first
        return False

    def _load(self) -> None:
        if self.host is not None or self._closing:
            return
        import_shared_natives()  # before torch starts loading in the worker's thread
        applog.get().info("loading PyTorch in the background")
        self.session.load(self.panel.config().data_dir)  # torch imports in the worker from here on
        # The plots (pyqtgraph) are built once torch is in (_on_core_ready), not meanwhile: two
        # imports at once share one interpreter lock, so building them here kept this thread busy
        # for most of a second, and a Ctrl+Q or close in that time had to wait for it.

    def _workflow(self):
        return workflows.get(self.panel.task())

    def _settle_timer(self, slot) -> QTimer:
        timer = QTimer(self)  # the window's: stopped in closeEvent, gone with the window
        timer.setSingleShot(True)
        timer.setInterval(150)
        timer.timeout.connect(slot)
        return timer

    def _settings_changed(self) -> None:
        task = self.panel.task()
        if task != self._plotted_workflow and self.plots is not None and not self.session.in_run:
            self.plots.clear()  # another workflow's curves would only mislead
            self._plotted_workflow = task
        self._show_live_view()
        self._update_actions()
        if self._workflow().paced:
            self._preview_timer.start()

    def _scan_folder(self) -> None:
        if not self._closing:
            self.session.scan_folder(self.panel.config())

    def _preview(self) -> None:
        """The untrained model of the settings on show, in its live view (paced workflows)."""
        if self._workflow().paced and self.session.phase == IDLE and not self._closing:
            self.session.preview(self.panel.config())

    # -- controls --------------------------------------------------------------------------------
    def _new_run(self) -> None:
        """Before a new run: remember its settings, clear the message and the curves."""
        self._plotted_workflow = self.panel.task()
        store.save_experiment(self.settings, self.panel.state())
        self.message.hide()
        if self.plots is not None:
            self.plots.clear()

    def start(self) -> None:
        if not self.session.can_start:
            return
        config = self.panel.config()
        self._new_run()
        epochs = "epochs from the data" if "epochs" in config.from_data else f"{config.epochs} epochs"
        self.log(f"— New run: {config.model}, {epochs}, batch {config.batch_size}, "
                 f"{config.optimizer} lr {config.lr:g}, hidden {config.hidden_units}, "
                 f"seed {config.seed}, device {config.device}"
                 + (f", {config.schedule} schedule" if config.schedule != "constant" else "")
                 + (f", warm-up {config.warmup_epochs:g} epochs" if config.warmup_epochs else "")
                 + (f", momentum {config.momentum:g}" if config.momentum else ""))
        self.session.start(config)
        self.status.busy("Preparing the model and data…")

    def step(self) -> None:
        """One epoch, then paused; with no run going, a new run of these settings."""
        new = self.session.can_start
        config = self.panel.config()
        if new:
            self._new_run()
        if self.session.step(config):
            self.status.paused(False)
            if new:
                self.log(f"— New run, one epoch at a time: {config.model}")
                self.status.busy("Preparing the model and data…")

    def reset(self) -> None:
        """Stop the run (it is kept) and show a fresh untrained model of these settings."""
        if self.session.can_stop:
            self._reset_pending = True
            self.stop()
        else:
            self._preview()

    def _after_run(self, _result) -> None:
        if self._reset_pending:
            self._reset_pending = False
            self._preview()

    def toggle_pause(self) -> None:
        if self.session.toggle_pause():
            paused = self.phase == PAUSED
            self.status.paused(paused)
            self.log("Paused." if paused else "Resumed.")

    def stop(self) -> None:
        if self.session.stop():
            self.status.paused(False)
            self.status.state.setText("Stopping after this batch…")

    def one_more_epoch(self) -> None:
        if self.session.can_more:
            self.message.hide()
            self.session.one_more_epoch()

    def continue_run(self, checkpoint: str, epochs: int) -> None:
        """The Runs tab's Continue: train the kept run on from its checkpoint, here."""
        if not self.session.continue_run(checkpoint, epochs):
            self.message.show_info("A run is in progress: stop it (or let it finish) before "
                                   "continuing another one.")
            return
        self.message.hide()
        self.tab_widget.setCurrentIndex(0)  # the Training tab, where its curves come in
        self.log(f"— Continue: {checkpoint}, up to {epochs} epochs")
        self.status.busy("Loading the run to continue…")

    def _update_actions(self) -> None:
        self._actions.show_state(self.session, self._workflow().paced)
        self.panel.set_locked(self.session.in_run)

    # -- from the worker -------------------------------------------------------------------------
    def _on_core_ready(self, info) -> None:
        # Sent while the phase is still loading; the session goes idle (and ready) right after.
        self.panel.set_core_info(info)
        keep_form_whole(self.panel_scroll, PANEL_FLOOR)  # the toy data forms are in now
        self.status.set_device(info.auto_device)
        self.log(f"PyTorch {info.torch_version} ready in {info.seconds:.1f} s; "
                 f"devices found: {', '.join(info.devices)}.")
        if not self._closing:
            if self.plots is None:
                self._build_plots()
            self.tool_tabs.build()  # torch is imported now, so building these is quick
        if self.phase == LOADING:
            if self.panel.task() == "fashion":
                self.status.busy("Loading Fashion-MNIST…")
            else:
                self.status.idle("Ready")

    # -- the rest --------------------------------------------------------------------------------
    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)
        applog.get().info("%s", text)  # the log file keeps what the window's log showed

    def show_about(self):
        from gui.shared.about_dialog import AboutDialog
        dialog = AboutDialog(self.core_info, self.data_source, self)
        dialog.open()  # window-modal without a nested event loop
        return dialog

    def log_text(self) -> str:
        return self.log_view.toPlainText()

    def closeEvent(self, e) -> None:
        """Save what to remember; stop a run and wait for the worker's thread before going."""
        if not self._closing:
            self._closing = True
            for timer in (self._ticker, self._preview_timer, self._folder_timer):
                timer.stop()  # none fires into a closing window (a settle timer once did)
            self.save_settings()
            if self.host is not None:
                in_run = self.session.in_run
                if in_run:
                    self.status.state.setText("Stopping…")
                if not in_run and self.quit_fast is not None and not self.session.close(QUIT_WAIT_MS):
                    self.quit_fast()  # nothing trained, nothing half-written: settings are saved
                self.session.close()
            self.tool_tabs.shutdown()
        e.accept()

    def shutdown(self) -> None:
        """Close without user interaction (tests, benchmark): same path as the window's close."""
        self.close()
