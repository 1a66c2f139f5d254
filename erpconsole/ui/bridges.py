"""The domain bridges of one console, built together: what the main window hands its pages
(each page gets its own domain's bridge, typed by that domain's Protocol)."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.ui.access.bridge import AccessBridge
from erpconsole.ui.alerts.bridge import AlertsBridge
from erpconsole.ui.backups.bridge import BackupsBridge
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.ui.databases.bridge import DatabasesBridge
from erpconsole.ui.common.places import evidence_dir
from erpconsole.ui.events.bridge import EventsBridge
from erpconsole.ui.help.bridge import HelpBridge
from erpconsole.ui.hosts.bridge import HostsBridge
from erpconsole.ui.overview.bridge import OverviewBridge
from erpconsole.ui.sop.bridge import SopBridge


@dataclass(frozen=True)
class Bridges:
    store: StoreReader
    hosts: HostsBridge
    databases: DatabasesBridge
    access: AccessBridge
    backups: BackupsBridge
    sop: SopBridge
    events: EventsBridge
    overview: OverviewBridge
    help: HelpBridge
    alerts: AlertsBridge

    @classmethod
    def build(cls, monitor, store_url: str = "", log_file: str = "") -> Bridges:
        """``monitor``: the services' Monitor every bridge reads (and whose callbacks they hear);
        ``store_url`` and ``log_file`` what Help says is in use (the entry point knows them)."""
        store = StoreReader()
        hosts = HostsBridge(monitor, store)
        # One inventory worker for every edit of the file, so edits happen in the order asked.
        databases = DatabasesBridge(monitor, store, inventory_pool=hosts.inventory_pool)
        # A host removed or renamed may be a database's host: its pages look again.
        hosts.hosts_changed.connect(databases.hosts_changed)
        access = AccessBridge(store)
        backups = BackupsBridge(monitor, inventory_pool=hosts.inventory_pool)
        sop = SopBridge(monitor, store)
        help_bridge = HelpBridge(lambda: monitor.inventory.path, store_url, log_file, str(evidence_dir()))
        return cls(store, hosts, databases, access, backups, sop, EventsBridge(monitor, store),
                   OverviewBridge(hosts, backups, sop), help_bridge,
                   AlertsBridge(monitor, store))

    def attach_store(self, store, writer=None) -> None:
        self.store.attach_store(store, writer)

    def shutdown(self) -> None:
        for bridge in (self.alerts, self.backups, self.sop, self.hosts, self.access, self.databases, self.store):
            bridge.shutdown()

    def delete_later(self) -> None:
        for bridge in (self.alerts, self.help, self.overview, self.events, self.sop, self.backups, self.access, self.databases,
                       self.hosts, self.store):
            bridge.deleteLater()
