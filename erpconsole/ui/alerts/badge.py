"""The count of alerts firing and not acknowledged, on the Alerts entry of the navigation and
in the status bar, and a desktop notification for a new critical alert where the desktop has a
system tray (offscreen and on many bare window managers it has none: then nothing is shown)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QLabel, QListWidgetItem, QStyle, QSystemTrayIcon

from erpconsole.ui.alerts.alerts_page import AlertsPage
from erpconsole.ui.common.labels import display_name
from erpconsole.ui.common.words import counted


class AlertsBadge(QObject):
    def __init__(self, page: AlertsPage, item: QListWidgetItem, label: QLabel, title: str) -> None:
        super().__init__(page)
        self._item, self._label, self._title = item, label, title
        self.count = 0
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            style = QApplication.style()
            self.tray = QSystemTrayIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical), self)
            self.tray.show()
        page.count_changed.connect(self.set_count)
        page.new_critical.connect(self.notify)
        page.on_call_changed.connect(self.set_on_call)
        self.on_call = ""
        self.set_count(0)

    def set_count(self, count: int) -> None:
        self.count = count
        self._item.setText(self.tr("{0} ({1})").format(self._title, count) if count else self._title)
        firing = counted(self, "%n alert firing", "%n alerts firing", count) if count else self.tr("no alert firing")
        self._label.setText(self.tr("{0}; on call: {1}").format(firing, self.on_call) if self.on_call else firing)
        self._label.setProperty("level", "critical" if count else "ok")
        self._label.style().unpolish(self._label)
        self._label.style().polish(self._label)

    def set_on_call(self, person: str) -> None:
        if person != self.on_call:
            self.on_call = person
            self.set_count(self.count)

    def notify(self, target: str, summary: str) -> None:
        if self.tray is not None:
            self.tray.showMessage(self.tr("Critical alert: {0}").format(display_name(target)), summary,
                                  QSystemTrayIcon.MessageIcon.Critical, 15000)
