"""Navigation, status bar, menus; composes the pages and drives their 10 Hz repaint."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from erpconsole import __version__
from erpconsole.services.models import TargetStatus
from erpconsole.ui.access.access_page import AccessReviewPage
from erpconsole.ui.alerts.alerts_page import AlertsPage
from erpconsole.ui.alerts.badge import AlertsBadge
from erpconsole.ui.backups.backups_page import BackupsPage
from erpconsole.ui.bridges import Bridges
from erpconsole.ui.common import target_summary
from erpconsole.ui.help.menu import add_help_actions
from erpconsole.ui.databases.databases_page import DatabasesPage
from erpconsole.ui.events.event_log_page import EventLogPage
from erpconsole.ui.hosts.hosts_page import HostsPage
from erpconsole.ui.common.lazy_page import LazyPage
from erpconsole.ui.common.series_store import SeriesStore
from erpconsole.ui.common.store_status_label import StoreStatusLabel
from erpconsole.ui.overview.overview_page import OverviewPage
from erpconsole.ui.sop.sop_page import SopPage
from erpconsole.ui.sop.status_label import SopStatusLabel
from erpconsole.widgets.theme import apply_theme

if TYPE_CHECKING:  # built when first shown: see LazyPage
    from erpconsole.ui.databases.database_detail_page import DatabaseDetailPage
    from erpconsole.ui.hosts.host_detail_page import HostDetailPage

REPAINT_MS = 100  # 10 Hz at most, whatever the poll rate
STATUS_MS = 1000
SOP_DUE_TICKS = 60  # status ticks between two looks at what SOP runs are due


class MainWindow(QMainWindow):
    theme_changed = Signal(str)

    def __init__(self, bridges: Bridges, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridges = bridges
        self._settings = settings
        self._statuses: dict[str, TargetStatus] = {}
        self._status_ticks = 0
        self._theme = str(settings.value("ui/theme", "dark"))
        self._fit_at_show = False  # a saved geometry is fitted to the screen when first shown

        # One buffer per (target, series), drawn by the overview and the host detail alike.
        self.series = SeriesStore()
        self.overview = OverviewPage(bridges.overview, series=self.series)
        self.hosts = HostsPage(bridges.hosts)
        self._host_detail = LazyPage(self._build_host_detail)
        self.databases = DatabasesPage(bridges.databases)
        self._database_detail = LazyPage(self._build_database_detail)
        self.access = AccessReviewPage(bridges.access)
        self.backups = BackupsPage(bridges.backups)
        self.sop = SopPage(bridges.sop)
        self.event_log = EventLogPage(bridges.events)
        self.alerts = AlertsPage(bridges.alerts)
        self._pages: list[tuple[str, str, QWidget]] = [
            ("overview", self.tr("Overview"), self.overview),
            ("hosts", self.tr("Hosts"), self.hosts),
            ("host", self.tr("Host detail"), self._host_detail),
            ("databases", self.tr("Databases"), self.databases),
            ("database", self.tr("Database detail"), self._database_detail),
            ("access", self.tr("Access"), self.access),
            ("backups", self.tr("Backups"), self.backups),
            ("sop", self.tr("SOPs"), self.sop),
            ("events", self.tr("Event log"), self.event_log),
            ("alerts", self.tr("Alerts"), self.alerts),  # Ctrl+0
        ]
        self._build()

        self.overview.host_requested.connect(self._on_host_requested)
        self.hosts.host_requested.connect(self._on_host_requested)
        self.overview.database_requested.connect(self._on_database_requested)
        self.databases.database_requested.connect(self._on_database_requested)
        self.overview.backups_requested.connect(lambda: self.show_page("backups"))
        self.overview.sop_requested.connect(lambda: self.show_page("sop"))
        self.sop.page_requested.connect(self._on_page_requested)
        self.alerts.target_requested.connect(
            lambda kind, t: (self._on_database_requested if kind == "database" else self._on_host_requested)(t))
        bridges.hosts.status_changed.connect(self._on_status)
        bridges.store.store_ready.connect(self._on_store_ready)
        bridges.events.event_logged.connect(self._on_event)

        self._start_timers()
        self._restore()

    # -- building ------------------------------------------------------------------------

    def _build_host_detail(self) -> HostDetailPage:
        from erpconsole.ui.hosts.host_detail_page import HostDetailPage

        page = HostDetailPage(self._bridges.hosts, series=self.series)
        page.restore_state(self._settings)
        return page

    def _build_database_detail(self) -> DatabaseDetailPage:
        from erpconsole.ui.databases.database_detail_page import DatabaseDetailPage

        page = DatabaseDetailPage(self._bridges.databases)
        page.restore_state(self._settings)
        return page

    @property
    def host_detail(self) -> HostDetailPage:
        return self._host_detail.page()

    @property
    def database_detail(self) -> DatabaseDetailPage:
        return self._database_detail.page()

    def _build(self) -> None:
        self.setWindowTitle(self.tr("erpconsole"))
        self.setObjectName("MainWindow")
        self._build_body()
        self._build_status_bar()
        self._build_menus()

    def _start_timers(self) -> None:
        self._repaint = QTimer(self)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self._on_repaint)
        self._repaint.start()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_MS)
        self._status_timer.timeout.connect(self._update_status_bar)
        self._status_timer.start()

    def _build_body(self) -> None:
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.stack = QStackedWidget()
        for key, title, page in self._pages:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
            self.stack.addWidget(page)
        nav_font = self.nav.font()
        nav_font.setPointSizeF(nav_font.pointSizeF() * 1.2)
        self.nav.setFont(nav_font)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 8px 12px; }")
        self.nav.setMaximumWidth(220)
        self.nav.setMinimumWidth(140)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.currentRowChanged.connect(self._on_page_changed)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1200])
        self.setCentralWidget(self.splitter)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.targets_label = QLabel()
        self.store_label = StoreStatusLabel(self._bridges.store)  # size, or writes failing
        self.last_poll_label = QLabel()
        self.sop_label = SopStatusLabel(self._bridges.sop)  # "checking…" until it knows
        self.alerts_label = QLabel()
        self.alerts_badge = AlertsBadge(self.alerts, self.nav.item(self.page_keys().index("alerts")),
                                        self.alerts_label, self.tr("Alerts"))
        for w in (self.alerts_label, self.sop_label, self.targets_label, self.store_label, self.last_poll_label):
            bar.addPermanentWidget(w)
        self._update_status_bar()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        add_host = QAction(self.tr("&Add host…"), self)
        add_host.triggered.connect(lambda: (self.show_page("hosts"), self.hosts.add_host()))
        file_menu.addAction(add_host)
        import_hosts = QAction(self.tr("&Import hosts from ~/.ssh/config…"), self)
        import_hosts.triggered.connect(lambda: (self.show_page("hosts"), self.hosts.import_hosts()))
        file_menu.addAction(import_hosts)
        self.report_action = QAction(self.tr("Daily inspection &report…"), self)
        self.report_action.triggered.connect(self.sop.write_report)
        file_menu.addAction(self.report_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu(self.tr("&View"))
        for i, (key, title, _page) in enumerate(self._pages):
            act = QAction(title, self)
            act.setShortcut(QKeySequence(f"Ctrl+{(i + 1) % 10}"))
            act.triggered.connect(lambda _=False, k=key: self.show_page(k))
            view.addAction(act)
        view.addSeparator()
        self._theme_group = QActionGroup(self)
        for name, title in (("light", self.tr("&Light theme")), ("dark", self.tr("&Dark theme"))):
            act = QAction(title, self, checkable=True)
            act.setData(name)
            act.setChecked(name == self._theme)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self._theme_group.addAction(act)
            view.addAction(act)
        view.addSeparator()
        full = QAction(self.tr("&Full screen"), self, checkable=True)
        full.setShortcut(QKeySequence(Qt.Key.Key_F11))
        full.triggered.connect(self._toggle_fullscreen)
        view.addAction(full)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.help_actions = add_help_actions(self, help_menu, self._bridges.help)
        about = QAction(self.tr("&About erpconsole"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- public --------------------------------------------------------------------------

    def page_keys(self) -> list[str]:
        return [k for k, _t, _p in self._pages]

    def page(self, key: str) -> QWidget:
        page = next(p for k, _t, p in self._pages if k == key)
        return page.page() if isinstance(page, LazyPage) else page

    def current_page_key(self) -> str:
        return self._pages[self.stack.currentIndex()][0]

    def show_page(self, key: str) -> None:
        self.nav.setCurrentRow(self.page_keys().index(key))

    @property
    def theme(self) -> str:
        return self._theme

    def set_theme(self, name: str) -> None:
        self._theme = name
        app = QApplication.instance()
        if app is not None:
            apply_theme(app, name)
        for _k, _t, page in self._pages:
            if hasattr(page, "apply_theme"):
                page.apply_theme(name)
        for act in self._theme_group.actions():
            act.setChecked(act.data() == name)
        self.sop_label.apply_theme(name)
        self.store_label.apply_theme(name)
        self._settings.setValue("ui/theme", name)
        self.theme_changed.emit(name)

    # -- slots ---------------------------------------------------------------------------

    def _on_host_requested(self, target: str) -> None:
        self.host_detail.set_target(target)
        self.show_page("host")

    def _on_database_requested(self, target: str) -> None:
        self.database_detail.set_target(target)
        self.show_page("database")

    def _on_page_requested(self, key: str) -> None:
        if key.startswith("drill:"):  # an SOP step that starts a restore drill (confirmed there)
            self.show_page("backups")
            self.backups.drill_when_read(key.removeprefix("drill:"))
            return
        if key in self.page_keys():
            self.show_page(key)
        else:
            self.statusBar().showMessage(self.tr("No page named {0}").format(key), 10000)

    def _on_page_changed(self, row: int) -> None:
        if row >= 0:
            self._settings.setValue("ui/page", self._pages[row][0])
            self._on_repaint()

    def _on_repaint(self) -> None:
        page = self.stack.currentWidget()
        if page is not None and page.isVisible() and hasattr(page, "refresh"):
            page.refresh()

    def _on_store_ready(self) -> None:
        self._update_status_bar()

    def _on_event(self, event) -> None:
        if event.kind == "store":  # the store failed to open: say so where the eye goes
            self.store_label.open_failed()
            self.statusBar().showMessage(event.message, 30000)

    def _on_status(self, status: TargetStatus) -> None:
        self._statuses[status.target] = status

    def _update_status_bar(self) -> None:
        statuses = self._statuses.values()
        text, level = target_summary.summary(statuses)
        self.targets_label.setText(text)
        self.targets_label.setProperty("level", level)
        self._status_ticks += 1
        if self._status_ticks % SOP_DUE_TICKS == 0 and self._bridges.sop.has_sop:
            self._bridges.sop.request_sop_due()
        self.store_label.refresh()
        last = max((s.last_poll_ts or 0 for s in statuses), default=0)
        when = time.strftime("%H:%M:%S", time.localtime(last)) if last else self.tr("never")
        self.last_poll_label.setText(self.tr("last poll {0}").format(when))

    def _toggle_fullscreen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About erpconsole"),
            self.tr("erpconsole {0}\nThe operations console for the people who keep an ERP system running.").format(__version__),
        )

    # -- state ---------------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = self._settings.value("ui/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self._fit_at_show = self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = self._settings.value("ui/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        # The detail pages restore theirs when they are built.
        self.databases.restore_state(self._settings)
        self.access.restore_state(self._settings)
        self.backups.restore_state(self._settings)
        self.sop.restore_state(self._settings)
        page = str(self._settings.value("ui/page", "overview"))
        self.show_page(page if page in self.page_keys() else "overview")

    def save_state(self) -> None:
        self._settings.setValue("ui/geometry", self.saveGeometry())
        self._settings.setValue("ui/splitter", self.splitter.saveState())
        self._settings.setValue("ui/theme", self._theme)
        for _k, _t, page in self._pages:
            if hasattr(page, "save_state"):
                page.save_state(self._settings)
        self._settings.sync()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._fit_at_show:  # a size given by code (the screenshot's) is kept as asked
            self._fit_at_show = False
            self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """A window saved larger than this screen (another monitor, an older version that let a
        long text widen it) comes back inside the screen's available area."""
        screen = self.screen()
        if screen is None or self.isFullScreen() or self.isMaximized():
            return
        fitted = fit_rect(self.frameGeometry(), screen.availableGeometry())
        if fitted != self.frameGeometry():
            margins = self.frameGeometry().size() - self.geometry().size()
            self.resize(fitted.width() - margins.width(), fitted.height() - margins.height())
            self.move(fitted.topLeft())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        self._repaint.stop()
        self._status_timer.stop()
        super().closeEvent(event)


def fit_rect(rect: QRect, available: QRect) -> QRect:
    """``rect`` no larger than ``available`` and moved inside it."""
    width, height = min(rect.width(), available.width()), min(rect.height(), available.height())
    x = max(available.left(), min(rect.left(), available.right() + 1 - width))
    y = max(available.top(), min(rect.top(), available.bottom() + 1 - height))
    return QRect(x, y, width, height)

