"""The hosts pages' bridge: statuses and history (from the common base), host keys, logins, the
connection test, and edits of the inventory. Keyring, the inventory file and ~/.ssh/config are
read and written on one inventory worker (in the order asked), never on the GUI thread."""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.config import HostConfig, InventoryError, default_inventory_path
from erpconsole.services.models import ConnectionStep, ForgetResult, HostKeyInfo, Severity, TargetStatus
from erpconsole.ui.common.bridge_base import StatusBridge, StoreReader
from erpconsole.ui.common.workers import submit_guarded

log = logging.getLogger(__name__)

# What a person can fix (a name taken, a file that cannot be written): shown as the sentence it is.
_REFUSALS = (ValueError, InventoryError, OSError)


class HostsApi(Protocol):
    """What the Hosts and Host detail pages and the host dialog may call and connect."""

    status_changed: SignalInstance  # TargetStatus
    hosts_changed: SignalInstance
    history_loaded: SignalInstance  # target, request id, series
    history_failed: SignalInstance  # target, request id, message
    connection_step: SignalInstance  # request id, ConnectionStep
    connection_done: SignalInstance  # request id, list[ConnectionStep]
    secret_known: SignalInstance  # request id, bool
    host_saved: SignalInstance  # request id, inventory path
    host_save_failed: SignalInstance  # request id, message
    host_removed: SignalInstance  # name
    host_remove_failed: SignalInstance  # name, message
    ssh_config_read: SignalInstance  # list[dict]
    ssh_config_failed: SignalInstance  # message
    hosts_added: SignalInstance  # list[str] of errors, empty when all were saved

    @property
    def inventory_path(self) -> str | None: ...
    def statuses(self) -> list[TargetStatus]: ...
    def is_watched(self, target: str) -> bool: ...
    def targets(self) -> list[str]: ...
    def request_history(self, target: str, start: float, end: float) -> int: ...
    def host_config(self, name: str) -> HostConfig | None: ...
    def host_key_info(self, target: str) -> HostKeyInfo: ...
    def trust_host_key(self, target: str) -> str: ...
    def forget_host_key(self, target: str) -> ForgetResult: ...
    def resume(self, target: str) -> None: ...
    def request_has_secret(self, name: str) -> int: ...
    def test_connection(self, host: HostConfig, secret: str | None = None) -> int: ...
    def save_host(self, host: HostConfig, old_name: str | None = None, secret: str | None = None) -> int: ...
    def remove_host(self, name: str) -> None: ...
    def import_ssh_config(self, path: str | None = None) -> None: ...
    def add_hosts(self, entries: list[dict]) -> None: ...


class HostsBridge(StatusBridge):
    connection_step = Signal(int, ConnectionStep)
    connection_done = Signal(int, object)  # request id, list[ConnectionStep]: a list, so `object`
    secret_known = Signal(int, bool)
    host_saved = Signal(int, str)
    host_save_failed = Signal(int, str)
    host_removed = Signal(str)
    host_remove_failed = Signal(str, str)
    ssh_config_read = Signal(object)  # list[dict]: a list, so `object`
    ssh_config_failed = Signal(str)
    hosts_added = Signal(object)  # list[str]: a list, so `object`

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(monitor, reader, parent)
        # "Test connection": SSH calls that may wait seconds.
        self._worker = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bridge-ssh")
        # Keyring (may wait on a desktop prompt), the inventory file, ~/.ssh/config: one thread,
        # so a save, the next save and a removal happen in the order the user asked for them.
        self._inventory = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inventory")

    @property
    def inventory_pool(self) -> ThreadPoolExecutor:
        """The one worker that edits the inventory file and keyring (the other bridges share it)."""
        return self._inventory

    def host_config(self, name: str) -> HostConfig | None:
        return self._monitor.host_config(name)

    def host_key_info(self, target: str) -> HostKeyInfo:
        return self._monitor.host_key_info(target)

    def trust_host_key(self, target: str) -> str:
        """Trust the key the host offered; returns its fingerprint; polling resumes."""
        return self._monitor.trust_host_key(target)

    def forget_host_key(self, target: str) -> ForgetResult:
        return self._monitor.forget_host_key(target)

    def resume(self, target: str) -> None:
        self._monitor.resume(target)

    # -- keyring -------------------------------------------------------------------------------

    def _store_secret(self, name: str, value: str) -> bool:
        """Keyring ``ssh:NAME``; False when only kept in memory for this session."""
        from erpconsole.services.hosts.ssh_auth import secret_name

        return self._monitor.secrets.set(secret_name(name), value)

    def request_has_secret(self, name: str) -> int:
        """Answers secret_known(request id, whether keyring holds a password for the host)."""
        from erpconsole.services.hosts.ssh_auth import secret_name

        rid = self._store_reader.next_request_id()
        submit_guarded(self._inventory, "keyring", "has_secret",
                       lambda: self._monitor.secrets.get(secret_name(name)) is not None,
                       lambda known: self.secret_known.emit(rid, known),
                       lambda _op, _message: self.secret_known.emit(rid, False))
        return rid

    def _move_secret(self, old: str, new: str) -> None:
        """A renamed host keeps its password: keyring entries are named after the host."""
        from erpconsole.services.hosts.ssh_auth import secret_name

        secrets = self._monitor.secrets
        value = secrets.get(secret_name(old))
        if value is not None:
            secrets.set(secret_name(new), value)
            secrets.delete(secret_name(old))

    # -- the connection test -------------------------------------------------------------------

    def test_connection(self, host: HostConfig, secret: str | None = None) -> int:
        """Runs the five steps on a worker; answers with connection_step / connection_done."""
        rid = self._store_reader.next_request_id()
        self._worker.submit(self._test_connection, rid, host, secret)
        return rid

    def _test_connection(self, rid: int, host: HostConfig, secret: str | None) -> None:
        from erpconsole.services.hosts.connection_test import run_connection_test

        try:
            steps = run_connection_test(host, secret=secret, on_step=lambda s: self.connection_step.emit(rid, s))
        except Exception as exc:  # noqa: BLE001 - reported in the dialog, never raised
            log.exception("connection test for %s", host.name)
            steps = [ConnectionStep("resolve", False, str(exc))]
        self.connection_done.emit(rid, steps)

    # -- the inventory -------------------------------------------------------------------------

    def save_host(self, host: HostConfig, old_name: str | None = None, secret: str | None = None) -> int:
        """Write the host to the inventory file (created when the console has none), store the
        secret in keyring, and watch the host at once, on the inventory worker. Answers
        host_saved(request id, inventory path) or host_save_failed(request id, sentence)."""
        rid = self._store_reader.next_request_id()
        submit_guarded(self._inventory, "inventory", "save", lambda: self._save_host(host, old_name, secret),
                       lambda path: self.host_saved.emit(rid, path),
                       lambda _op, message: self.host_save_failed.emit(rid, message), _REFUSALS)
        return rid

    def _save_host(self, host: HostConfig, old_name: str | None, secret: str | None) -> str:
        from erpconsole.services import inventory_edit

        path = self._monitor.inventory.path or str(default_inventory_path())
        if old_name is None and host.name in self.targets():
            raise InventoryError(path, None, self.tr("a host named \"{0}\" is already watched").format(host.name))
        if old_name is None:
            inventory_edit.add_host(path, host)
        else:
            inventory_edit.update_host(path, old_name, host)
        if not self._monitor.inventory.path:
            self._monitor.inventory = dataclasses.replace(self._monitor.inventory, path=path)
        if secret:
            if not self._store_secret(host.name, secret):
                self._note(host.name, self.tr("{0}: no keyring works here; the password is kept "
                                              "in memory until the console closes").format(host.name),
                           Severity.WARNING)
        elif old_name is not None and old_name != host.name:
            self._move_secret(old_name, host.name)
        if old_name is None:
            self._monitor.add_host(host)
        else:
            self._monitor.update_host(host, old_name)
        self._note(host.name, self.tr("{0}: saved to {1} by the user").format(host.name, path))
        self.hosts_changed.emit()
        return path

    def add_hosts(self, entries: list[dict]) -> None:
        """Saves imported entries one after the other, as the dialog saves one; answers
        hosts_added(errors), one sentence per entry that could not be saved."""
        submit_guarded(self._inventory, "inventory", "add", lambda: self._add_hosts(entries),
                       self.hosts_added.emit, lambda _op, message: self.hosts_added.emit([message]))

    def _add_hosts(self, entries: list[dict]) -> list[str]:
        errors = []
        for entry in entries:
            try:
                self._save_host(HostConfig(**entry), None, None)
            except _REFUSALS as exc:
                errors.append(f"{entry.get('name')}: {exc}")
        return errors

    def remove_host(self, name: str) -> None:
        """Off the inventory and unwatched (its SSH transport closes); answers host_removed(name)
        or host_remove_failed(name, sentence)."""
        submit_guarded(self._inventory, "inventory", "remove", lambda: self._remove_host(name),
                       lambda _none: self.host_removed.emit(name),
                       lambda _op, message: self.host_remove_failed.emit(name, message), _REFUSALS)

    def _remove_host(self, name: str) -> None:
        from erpconsole.services import inventory_edit

        path = self._monitor.inventory.path
        if path:
            inventory_edit.remove_host(path, name)
        self._monitor.remove_host(name)
        self._note(name, self.tr("{0}: removed from the inventory by the user").format(name))
        self.hosts_changed.emit()

    def import_ssh_config(self, path: str | None = None) -> None:
        """The Host entries of ~/.ssh/config (or ``path``); answers ssh_config_read(entries) or
        ssh_config_failed(sentence)."""
        from erpconsole.services.hosts.ssh_config import import_hosts_from_ssh_config

        submit_guarded(self._inventory, "ssh_config", "import", lambda: import_hosts_from_ssh_config(path),
                       self.ssh_config_read.emit, lambda _op, message: self.ssh_config_failed.emit(message),
                       (OSError,))

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._inventory.shutdown(wait=False, cancel_futures=True)
