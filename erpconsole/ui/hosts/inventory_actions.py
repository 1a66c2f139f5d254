"""Remove, import and add hosts from the Hosts page. The inventory file, keyring and
~/.ssh/config are worked on by the bridge's inventory worker; the control that started the work
says so until the answer comes, and errors are shown as the page shows them."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton

from erpconsole.ui.common.busy import clear_busy, set_busy
from erpconsole.ui.hosts.bridge import HostsApi


class HostInventoryActions(QObject):
    """``page`` answers ``_confirm``, ``_tell`` and ``_run_dialog`` (tests replace them) and
    holds ``import_button`` and ``hint``."""

    def __init__(self, bridge: HostsApi, page) -> None:
        super().__init__(page)
        self._bridge, self._page = bridge, page
        self._removing: set[str] = set()
        self._importing = self._adding = False
        bridge.host_removed.connect(self._on_removed)
        bridge.host_remove_failed.connect(self._on_remove_failed)
        bridge.ssh_config_read.connect(self._on_ssh_config_read)
        bridge.ssh_config_failed.connect(self._on_ssh_config_failed)
        bridge.hosts_added.connect(self._on_hosts_added)

    @property
    def busy(self) -> bool:
        return bool(self._removing) or self._importing or self._adding

    @property
    def _button(self) -> QPushButton:
        return self._page.import_button

    def remove_host(self, target: str) -> None:
        path = self._bridge.inventory_path or ""
        if target in self._removing or not self._page._confirm(self.tr("Remove host"), self.tr(
                "Stop watching {0} and remove it from {1}?").format(target, path)):
            return
        self._removing.add(target)
        self._page.hint.setText(self.tr("Removing {0} from the inventory…").format(target))
        self._bridge.remove_host(target)

    def _on_removed(self, name: str) -> None:
        if name in self._removing:
            self._removing.discard(name)
            self._page.hint.setText("")

    def _on_remove_failed(self, name: str, message: str) -> None:
        if name in self._removing:
            self._removing.discard(name)
            self._page.hint.setText("")
            self._page._tell(self.tr("Remove host"), message, error=True)

    def import_hosts(self) -> None:
        if self._importing or self._adding:
            return
        self._importing = True
        set_busy(self._button, self.tr("Reading ~/.ssh/config…"))
        self._bridge.import_ssh_config()

    def _on_ssh_config_read(self, entries: list) -> None:
        if not self._importing:
            return
        self._importing = False
        clear_busy(self._button)
        from erpconsole.ui.hosts.host_dialog import ImportDialog

        dialog = ImportDialog(entries, set(self._bridge.targets()), self._page)
        if self._page._run_dialog(dialog):
            self.add_entries(dialog.chosen())

    def _on_ssh_config_failed(self, message: str) -> None:
        if self._importing:
            self._importing = False
            clear_busy(self._button)
            self._page._tell(self.tr("Import"), message, error=True)

    def add_entries(self, entries: list[dict]) -> None:
        """Adds imported entries the same way as the dialog; errors are shown when all are done."""
        if not entries or self._adding:
            return
        self._adding = True
        set_busy(self._button, self.tr("Adding hosts…"))
        self._bridge.add_hosts(entries)

    def _on_hosts_added(self, errors: list) -> None:
        if not self._adding:
            return
        self._adding = False
        clear_busy(self._button)
        if errors:
            self._page._tell(self.tr("Import"), "\n".join(errors), error=True)
