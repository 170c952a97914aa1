"""What makes the main window a desktop citizen: its first size, light or dark, Ctrl+C and save on
every view, accessible names, and a note to the desktop when something ends in the background.

A mixin of MainWindow (gui/main_window.py), which calls setup_desktop() once its parts exist.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QGuiApplication, QPalette

from gui.menus import NOTIFY_KEY, flag
from gui.shared import theme
from gui.shared.tab_order import reading_order

SCREEN_SHARE = 0.85        # of the screen's free area, the first time the window opens
SMALLEST = QSize(900, 600)


class DesktopWindow:
    def setup_desktop(self) -> None:
        theme.apply_choice(theme.load_choice(self.settings))
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)  # ends with self
        self.tab_widget.currentChanged.connect(self._equip_tab)
        self.plots_ready.connect(lambda: self._equip_tab(0))
        self.plots_ready.connect(lambda: reading_order(self.panel))  # its forms are whole by now
        reading_order(self.panel)
        self.session.run_ended.connect(self._run_ended_note)
        self.session.replay_ended.connect(self._replay_ended_note)
        self.ready.connect(self._watch_teaching)  # the Draw tab exists once the core is in
        self.notifier = None  # made at the first note
        self.log_view.setAccessibleName("Log")
        self.log_view.setAccessibleDescription("What the runs said, one line per epoch")
        self.tab_widget.setAccessibleName("Views")
        self.panel_scroll.setAccessibleName("Training settings")

    def first_size(self) -> QSize:
        """A sensible share of the screen the window opens on (its whole width on a small one)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(1240, 780)
        free = screen.availableGeometry().size()
        return QSize(max(min(SMALLEST.width(), free.width()), int(free.width() * SCREEN_SHARE)),
                     max(min(SMALLEST.height(), free.height()), int(free.height() * SCREEN_SHARE)))

    # -- light and dark --------------------------------------------------------------------------
    def _scheme_changed(self, *_) -> None:
        theme.match_palette()  # a followed system scheme: our palette where the platform's lags
        self._apply_theme()

    def _apply_theme(self, *_) -> None:
        colors = theme.plot_colors()
        if self.plots is not None:
            self.plots.apply_theme(colors)
        theme.restyle(colors)  # the evaluation, runs and toy plots
        self._tint_icons()

    def _tint_icons(self) -> None:
        """The run controls' icons in the button text's colour when dark, the style's own when light."""
        acts = getattr(self, "_actions", None)
        if acts is None:
            return
        if not hasattr(self, "_plain_icons"):
            self._plain_icons = {a: a.icon() for a in acts.all()}
            self._plain_icons.update(pause=acts.pause_icon, resume=acts.resume_icon)
        dark = theme.is_dark()
        color = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)  # set already
        icons = {k: theme.tinted(i, color) if dark else i for k, i in self._plain_icons.items()}
        for a in acts.all():
            a.setIcon(icons[a])
        acts.pause_icon, acts.resume_icon = icons["pause"], icons["resume"]
        self._update_actions()  # Pause shows the pause or the resume icon as the phase says

    def changeEvent(self, e) -> None:
        if e.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_theme()
        super().changeEvent(e)

    # -- copy and save ---------------------------------------------------------------------------
    def _equip_tab(self, index: int) -> None:
        from gui.shared.copy_save import install_all
        page = self.tab_widget.widget(index)
        if page is not None:
            install_all(page)

    # -- a note when a run ends in the background ------------------------------------------------
    def note(self, title: str, body: str, show=None) -> str:
        """Say it on the desktop when the window is not the active one and notes are on; a click
        on it raises the window and calls `show` (the Training tab when None)."""
        if self.isActiveWindow() or not flag(self.settings, NOTIFY_KEY, True) or self._closing:
            return ""
        if self.notifier is None:
            from gui.shared.notify import Notifier
            self.notifier = Notifier(self.windowIcon(), self)
        return self.notifier.notify(title, body, lambda: self._raise_on(show))

    def _raise_on(self, show=None) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        if show is None:
            self.tab_widget.setCurrentIndex(0)
        else:
            show()

    def _run_ended_note(self, result) -> None:
        if self.session.phase == "replaying":
            return  # the replay's end says it once
        self.note(*ended_words(result))

    def _replay_ended_note(self, name: str, problem: str) -> None:
        self.note(f"Replay of {name} ended",
                  f"It stopped: {problem}" if problem else "Every model of the notebook trained.",
                  self.tool_tabs.replay)


    def _watch_teaching(self) -> None:
        canvas = self.tool_tabs.canvas
        teach = getattr(canvas, "teach", None)
        if teach is not None and not getattr(self, "_teaching_watched", False):
            self._teaching_watched = True
            teach.finished.connect(self._taught_note)

    def _taught_note(self, taught) -> None:
        tabs = self.tool_tabs
        show = lambda: tabs.tabs.setCurrentWidget(tabs._pages[tabs.canvas])  # noqa: E731
        if taught is None:
            self.note("Teaching failed", "The Draw tab says why.", show)
        else:
            self.note("Teaching step done",
                      f"Test accuracy {taught.test_acc_before:.1f}% \u2192 "
                      f"{taught.test_acc_after:.1f}% after {taught.drawings} drawings", show)


def ended_words(result) -> tuple[str, str]:
    """(title, body) of a note on a run's end: finished with its accuracy, stopped, or why not."""
    if not hasattr(result, "status"):  # a Failure
        return "A run failed", getattr(result, "message", str(result))
    name, epochs = result.model_name, result.epochs_done
    acc = f"test accuracy {result.model_acc:.1f}%" if result.model_acc is not None else (
        f"test loss {result.model_loss:.4g}")
    if result.status == "finished":
        return f"{name} finished", f"{acc} after {epochs} epoch{'s' if epochs != 1 else ''}"
    if result.status == "stopped":
        return f"{name} stopped", f"Stopped after {epochs} epochs; {acc}"
    return f"{name} {result.status}", result.error or f"after {epochs} epochs"
