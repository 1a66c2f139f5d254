"""Builds the Qt application: logging, excepthooks, wiring. The only module that knows every layer."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import platformdirs

from erpconsole import __version__
from erpconsole.ui.common.excepthook import install_excepthook
from erpconsole.ui.common.first_paint import after_first_paint as _after_first_paint
from erpconsole.ui.common.first_paint import watch_first_paint as _watch_first_paint
from erpconsole.config import Inventory, InventoryError, load_default_inventory, load_inventory
from erpconsole.guards.urls import mask_text, mask_url
from erpconsole.i18n import _
from erpconsole.services.log_setup import log_file_path, setup_logging
from erpconsole.services.store_location import default_store_url  # noqa: F401 - cli's commands use it too

APP_NAME = "erpconsole"
log = logging.getLogger(__name__)
EXIT_UNKNOWN = 3


def user_sops_folder() -> Path:
    """Where the team's own SOP templates go on this machine (beside the inventory's folders)."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "sops"


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "ui.ini"


def no_display_message() -> str | None:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("erpconsole: no display to open the console on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use `erpconsole inspect` for a text report or `erpconsole screenshot FILE` for a picture "
            "of the console.")


def open_store(url: str | None):
    """(store, writer, error message). A store that cannot open leaves the console running."""
    from erpconsole.services.store import Store, StoreWriter

    url = url or default_store_url()
    try:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        store = Store(url)
        return store, StoreWriter(store), None
    except Exception as exc:  # noqa: BLE001 - shown to the user, the console goes on without history
        shown = _safe_url(url)
        log.exception("store %s", shown)
        detail = mask_text(f"{type(exc).__name__}: {exc}".replace(url, shown))
        return None, None, _("the metric store at {url} could not open ({detail}); live data only, "
                             "no history").format(url=shown, detail=detail)


def _last_states(store) -> dict:
    try:
        return store.last_states()
    except Exception:  # noqa: BLE001 - without them every state is logged, as on a first start
        log.exception("last states from the store")
        return {}


def _safe_url(url: str) -> str:
    """The URL with any password masked (user:password@ and ?password=): logs and messages
    never hold a secret."""
    return mask_url(url)


class Console:
    """Everything one running console owns, so tests and screenshot build exactly what run does."""

    def __init__(self, inventory: Inventory, store_url: str | None, settings_file: Path, *,
                 open_store_now: bool = True) -> None:
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from erpconsole.services.monitor import Monitor
        from erpconsole.ui.bridges import Bridges
        from erpconsole.ui.main_window import MainWindow
        from erpconsole.widgets.theme import apply_theme

        self.store = self.writer = self.alerts = self.sender = None
        self._access_service = self._backup_service = self._sop_service = None  # what the SOP checks read
        self._store_url = store_url
        self._stopped = False
        self.monitor = Monitor(inventory, None, states_from_store=True)
        self.bridges = Bridges.build(self.monitor, store_url or default_store_url(), str(log_file_path()))
        self.settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        # The palette before the widgets (applied after, it re-polishes every one of them),
        # the style sheet once they are built (see apply_theme).
        theme = str(self.settings.value("ui/theme", "dark"))
        apply_theme(QApplication.instance(), theme, sheet=False)
        self.window = MainWindow(self.bridges, self.settings)
        apply_theme(QApplication.instance(), self.window.theme)
        self.monitor.record_start(__version__)  # once the event log listens
        # Opening the store (SQLAlchemy, migrations) takes about a second: not on the way to
        # the first painted window, not even on another thread (its imports hold the GIL
        # half the time), so the GUI opens it once the window is painted. What arrives
        # meanwhile is held and written after.
        self._opener = threading.Thread(target=self._open_store, name="store-open", daemon=True)
        if open_store_now:
            self.open_store()

    def open_store(self) -> None:
        """Starts opening the store (once) on its own thread."""
        if self._opener.ident is None and not self._stopped:
            self._opener.start()

    def _open_store(self) -> None:
        from erpconsole.services.models import Event, Severity

        store, writer, error = open_store(self._store_url)
        if error:
            self.monitor.attach_states({})  # nothing to compare with: every state is news
            self.monitor.record(Event(time.time(), "", Severity.WARNING, error, kind="store"))
            self.bridges.sop.attach_sop(None, error)  # SOP runs live in the store: "unknown", not 0
            return
        if self._stopped:  # the console closed while the store was opening
            writer.close()
            store.close()
            return
        self.store, self.writer = store, writer
        self.monitor.attach_states(_last_states(store))
        self.monitor.attach_writer(writer)
        self.monitor.attach_audit(store.audit)
        self._attach_access(store)
        self._attach_backups(store)
        self._attach_sop(store)
        self._attach_alerts(store)
        self.bridges.attach_store(store, writer)

    def _attach_alerts(self, store) -> None:
        """Rules judge every poll (on the scheduler's workers) and write alerts and outbox rows,
        while this process holds the store's alert lock; a failure leaves the rest running."""
        try:
            from erpconsole.services.alerts.service import AlertService

            from erpconsole.services.alerts.sources import attach_sources

            service = AlertService(store.engine, self.monitor.inventory)
            attach_sources(service, self._backup_service, self._sop_service)
            service.start(self.monitor)
        except Exception:  # noqa: BLE001 - the console goes on without alerts
            log.exception("alert service")
            return
        self.alerts = service
        self._attach_sender(store, service)

    def _attach_sender(self, store, service) -> None:
        """Delivers the outbox while this process holds the alert lock (one sender per store)."""
        try:
            from erpconsole.services.notify.outbox import OutboxSender

            sender = OutboxSender(store.engine, self.monitor.inventory.channels, self.monitor.secrets,
                                  active=lambda: service.evaluating)
            sender.start()
        except Exception:  # noqa: BLE001 - alerts are still recorded and shown without it
            log.exception("notification sender")
            return
        self.sender = sender

    def _attach_access(self, store) -> None:
        """The access review keeps its campaigns in the store; a failure here leaves the rest running."""
        try:
            from erpconsole.services.access.service import AccessReviewService

            # known_hosts_path None: the console's own file in its data folder, as the monitor uses.
            service = AccessReviewService(store.engine, self.monitor.inventory, secrets=self.monitor.secrets,
                                          known_hosts_path=None, audit=store.audit)
        except Exception as exc:  # noqa: BLE001 - shown on the Access page, the console goes on
            log.exception("access review service")
            self.bridges.access.attach_access(None, f"{type(exc).__name__}: {exc}")
            return
        self._access_service = service
        self.bridges.access.attach_access(service)

    def _attach_backups(self, store) -> None:
        """Verifications and drills are kept in the store; a failure here leaves the rest running.
        Built with no sets too: a set added from the window is read at once."""
        try:
            from erpconsole.services.backups.service import BackupService

            service = BackupService(self.monitor.inventory, secrets=self.monitor.secrets, known_hosts_path=None,
                                    audit=store.audit, engine=store.engine, states=self.monitor.states)
        except Exception as exc:  # noqa: BLE001 - shown on the Backups page, the console goes on
            log.exception("backup service")
            self.bridges.backups.attach_backups(None, f"{type(exc).__name__}: {exc}")
            return
        self._backup_service = service
        self.bridges.backups.attach_backups(service)

    def _attach_sop(self, store) -> None:
        """SOP runs are kept in the store; a failure here leaves the rest running."""
        try:
            from erpconsole.services.sop.service import SopService

            sops = user_sops_folder()
            try:  # the place for the team's own templates, there to be found and filled
                sops.mkdir(parents=True, exist_ok=True)
            except OSError:
                log.warning("cannot create %s", sops)  # the service lists it as refused
            service = SopService(store.engine, self.monitor.inventory, audit=store.audit,
                                 check_context=self._sop_check_context,
                                 template_dirs=(sops, *self.monitor.inventory.sop_folders))
        except Exception as exc:  # noqa: BLE001 - shown on the SOP page, the console goes on
            log.exception("SOP service")
            self.bridges.sop.attach_sop(None, f"{type(exc).__name__}: {exc}")
            return
        self._sop_service = service
        self.bridges.sop.attach_sop(service)

    def _sop_check_context(self):
        """What the SOP checks judge, as the services see it now (called on the SOP worker)."""
        from erpconsole.services.sop.context import check_context

        return check_context(self.monitor, self._backup_service, self._access_service)

    def wait_store(self, timeout: float = 30.0) -> bool:
        self.open_store()
        self._opener.join(timeout)
        return self.store is not None

    def start(self) -> None:
        from PySide6.QtWidgets import QApplication

        from erpconsole.widgets.theme import apply_theme

        apply_theme(QApplication.instance(), self.window.theme)
        self.window.set_theme(self.window.theme)
        self.monitor.start()

    def stop(self) -> None:
        self._stopped = True
        if self._opener.ident is not None:
            self._opener.join(10)
        self.monitor.stop()
        if self.sender is not None:
            self.sender.stop()
        if self.alerts is not None:
            self.alerts.stop()
        self.bridges.shutdown()
        writer, store, self.writer, self.store = self.writer, self.store, None, None
        if writer is not None:
            writer.close()
        if store is not None:
            store.close()


def _qt_app(argv: list[str]):
    from PySide6.QtWidgets import QApplication

    from erpconsole.ui.common.gc_timer import GcTimer

    app = QApplication.instance() or QApplication(argv)
    app._gc = GcTimer(2.0, app)  # Python's GC on a GUI-thread timer (see GcTimer)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    return app


def _inventory_for_gui(path: str | None):
    from erpconsole.services.alerts.rules import checked

    try:
        return checked(load_inventory(path) if path else load_default_inventory()), None
    except InventoryError as exc:
        return None, str(exc)


def _refused_inventory(app, error: str) -> Inventory | None:
    """A bad inventory: say what is wrong; the user may watch this workstation alone."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, app.translate("app", "Inventory refused"),
                      app.translate("app", "The inventory could not be used, so nothing in it is watched:"))
    box.setInformativeText(error + "\n\n" + app.translate("app", "Fix the file and start again, or watch this workstation alone for now."))
    local = box.addButton(app.translate("app", "Watch this workstation only"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    return Inventory() if box.clickedButton() is local else None


def run_gui(args: argparse.Namespace) -> int:
    message = no_display_message()
    if message:
        print(message, file=sys.stderr)
        return EXIT_UNKNOWN
    setup_logging()
    app = _qt_app(sys.argv[:1])
    install_excepthook()
    inventory, error = _inventory_for_gui(args.inventory)
    if inventory is None:
        print(f"erpconsole: {error}", file=sys.stderr)
        inventory = _refused_inventory(app, error)
        if inventory is None:
            return EXIT_UNKNOWN
    console = Console(inventory, args.store, settings_path(), open_store_now=False)
    console.start()
    _after_first_paint(console.window, console.open_store)
    _watch_first_paint(console.window, app)
    console.window.show()
    code = app.exec()
    console.stop()
    logging.shutdown()
    # A poll or connection test still in flight on a pool thread would hold the interpreter's
    # exit (concurrent.futures joins its workers); everything worth keeping is written now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def screenshot(args: argparse.Namespace) -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    setup_logging()
    inventory, error = _inventory_for_gui(args.inventory)
    if inventory is None:
        print(f"erpconsole: {error}", file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"erpconsole: --size must look like 1400x900, not {args.size!r}", file=sys.stderr)
        return EXIT_UNKNOWN
    app = _qt_app(sys.argv[:1])
    from PySide6.QtCore import QSettings, QTimer

    # The picture must not change the user's saved window state: work on a copy of the settings.
    tmp = Path(tempfile.mkdtemp(prefix="erpconsole-shot-")) / "ui.ini"
    user = QSettings(str(settings_path()), QSettings.Format.IniFormat)
    copy = QSettings(str(tmp), QSettings.Format.IniFormat)
    for key in user.allKeys():
        copy.setValue(key, user.value(key))
    if args.theme:
        copy.setValue("ui/theme", args.theme)
    copy.remove("ui/geometry")
    copy.sync()
    console = Console(inventory, args.store, tmp)
    window = console.window
    key, _slash, view = args.page.partition("/")  # alerts/incidents: a page's own view
    if key not in window.page_keys() or (view and not getattr(window.page(key), "show_view", lambda _v: False)(view)):
        print(f"erpconsole: no page named {args.page!r}; pages: {', '.join(window.page_keys())}", file=sys.stderr)
        console.stop()
        return EXIT_UNKNOWN
    console.start()
    window.resize(width, height)
    window.show_page(key)
    window.show()
    result = {"code": 0}

    def shoot() -> None:
        window.page(key).refresh()
        app.processEvents()
        if not window.grab().save(args.file):
            print(f"erpconsole: cannot write {args.file}", file=sys.stderr)
            result["code"] = EXIT_UNKNOWN
        app.quit()

    QTimer.singleShot(int(max(0.0, args.after) * 1000), shoot)
    app.exec()
    console.stop()
    return result["code"]
