"""Help > Where things are: the inventory file, the metric store, the log file and the evidence
folder, each with its path (selectable), Open (the file manager or the file's program) and Copy
path; and the version. Nothing here is hard-coded: the bridge answers with the paths in use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpconsole.ui.help.bridge import EVIDENCE, INVENTORY, LOG, STORE, HelpApi, Place


class WhereThingsAreDialog(QDialog):
    def __init__(self, bridge: HelpApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpPlacesDialog")
        self.setWindowTitle(self.tr("Where things are"))
        self.setMinimumWidth(640)
        self._places = {p.key: p for p in bridge.places()}
        self.path_labels: dict[str, QLabel] = {}
        self.open_buttons: dict[str, QPushButton] = {}
        self.copy_buttons: dict[str, QPushButton] = {}
        self.version_label = QLabel(self.tr("erpconsole {0}").format(bridge.version))
        self.version_label.setObjectName("helpVersion")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        for row, place in enumerate(self._places.values()):
            self._add_row(grid, row, place)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.version_label)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def _titles(self) -> dict[str, tuple[str, str]]:
        return {
            INVENTORY: (self.tr("Inventory file"), self.tr("the hosts, databases and backup sets watched")),
            STORE: (self.tr("Metric store"), self.tr("history, audit trail, reviews and SOP runs")),
            LOG: (self.tr("Log file"), self.tr("what the console did and every error, with details")),
            EVIDENCE: (self.tr("Evidence folder"), self.tr("access review packages for the auditor")),
        }

    def _add_row(self, grid: QGridLayout, row: int, place: Place) -> None:
        title, what = self._titles().get(place.key, (place.key, ""))
        caption = QLabel(f"<b>{title}</b>")
        caption.setToolTip(what)
        path = QLabel(place.path if place.exists else self.tr("{0} (not there yet)").format(place.path))
        path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        path.setWordWrap(True)
        path.setToolTip(what)
        # No Alt+letter: four "Open" buttons cannot each have their own.
        open_button = QPushButton(self.tr("Open"))
        open_button.setEnabled(bool(place.open_path) and (place.exists or place.key == EVIDENCE
                                                           or Path(place.open_path).exists()))
        open_button.setToolTip(place.open_path or self.tr("on a database server: nothing on this machine to open"))
        open_button.clicked.connect(lambda _=False, k=place.key: self.open_place(k))
        copy_button = QPushButton(self.tr("Copy path"))
        copy_button.clicked.connect(lambda _=False, k=place.key: self.copy_path(k))
        for column, widget in enumerate((caption, path, open_button, copy_button)):
            grid.addWidget(widget, row, column)
        self.path_labels[place.key] = path
        self.open_buttons[place.key] = open_button
        self.copy_buttons[place.key] = copy_button

    def place(self, key: str) -> Place:
        return self._places[key]

    def open_place(self, key: str) -> bool:
        place = self._places[key]
        if not place.open_path:
            return False
        if key == EVIDENCE:  # the folder is made when first written to; Open may come first
            Path(place.open_path).mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(place.open_path))

    def copy_path(self, key: str) -> None:
        QGuiApplication.clipboard().setText(self._places[key].path)
