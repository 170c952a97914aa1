"""The main window's data sets: where Fashion-MNIST was found (or its download, or a folder
chosen for it), and a folder dropped on the window, which becomes the Image folder to train on.

A mixin of gui.main_window.MainWindow: it reads the window's panel, message bar, session, status
bar and log, and keeps nothing of its own but `data_source`.
"""
from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog

from core import applog
from gui.training.session import IDLE


# Dropped archives are not read: a data set usually comes zipped (notebook 04's pizza_steak_sushi)
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".7z", ".rar")


class DataSources:
    def _on_data_ready(self, source: str) -> None:
        self.data_source = source
        applog.get().info("data ready: %s", source)
        self.panel.set_data_source(f"Data: {source}")
        if self.message.kind == "error" and self.message.download.isVisible():
            self.message.hide()  # the data set the message was about has turned up
        if self.phase == IDLE:
            self.status.idle("Ready")

    def _on_downloaded(self, folder: str) -> None:
        self.log(f"Fashion-MNIST downloaded into {folder}.")
        self.panel.set_data_dir("")  # core finds the downloaded copy by itself
        self.message.show_info(f"Fashion-MNIST downloaded into {folder}. Press Start to train.")

    def _download(self) -> None:
        if self.host is None:
            return
        self.message.download_started()
        self.log("Downloading Fashion-MNIST…")
        self.session.download()

    def _choose_data_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder holding Fashion-MNIST")
        if folder:
            self.panel.set_data_dir(folder)
            self.message.hide()
            self.session.prepare_data(folder)

    def dragEnterEvent(self, e) -> None:
        if e.mimeData().hasUrls() and self.tool_tabs.built:
            e.acceptProposedAction()

    def dropEvent(self, e) -> None:
        urls = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if urls and os.path.isdir(urls[0]):
            self.use_image_folder(urls[0])
            e.acceptProposedAction()
        elif urls and urls[0].lower().endswith(ARCHIVES):
            self.message.show_info(f"{os.path.basename(urls[0])} is an archive: unpack it, then "
                                   "drop the folder it gives (or choose it as the Image folder).")
            e.acceptProposedAction()
        elif urls:
            self.tool_tabs.open_image(urls[0])
            e.acceptProposedAction()

    def use_image_folder(self, folder: str) -> None:
        """A folder dropped on the window: train on it (the Image folder workflow), unless a
        run is going on, whose settings stay as they are."""
        if self.session.in_run:
            self.message.show_info("A run is in progress: stop it (or let it finish) before "
                                   "choosing another image folder.")
            return
        p = self.panel
        p.workflow.setCurrentIndex(p.workflow.findData("folder"))
        p.image_folder.setText(folder)
        p.image_folder.editingFinished.emit()  # look at it: classes, pictures, memory
        self.tab_widget.setCurrentIndex(0)
        self.log(f"Image folder: {folder}")
