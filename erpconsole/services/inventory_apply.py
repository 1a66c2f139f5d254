"""A database or backup set saved from the window: written to the inventory file, its password
put in keyring, the change audited, and watched at once by the monitor and the backup service.

Blocking (the file, keyring): the bridges call these on their inventory worker. No secret is
written to the file, the event log or the audit trail.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from erpconsole.config import DatabaseConfig, InventoryError, default_inventory_path
from erpconsole.i18n import _
from erpconsole.services import inventory_edit
from erpconsole.services.models import Event, Severity


def _path(monitor) -> str:
    return monitor.inventory.path or str(default_inventory_path())


def _secret(monitor, name: str, old_name: str | None, new_name: str, password: str | None) -> bool:
    """Stores a typed password, or moves the stored one of a renamed entry; False when only
    kept in memory (no keyring works here)."""
    secrets = monitor.secrets
    if password:
        return secrets.set(name, password)
    if old_name is not None and old_name != new_name:
        prefix = name.split(":", 1)[0]
        value = secrets.get(f"{prefix}:{old_name}")
        if value is not None:
            kept = secrets.set(name, value)
            secrets.delete(f"{prefix}:{old_name}")
            return kept
    return True


def _record(monitor, target: str, action: str, message: str, details: dict, level=Severity.INFO) -> None:
    monitor.audit(action, target, details)
    monitor.record(Event(time.time(), target, level, message, "", kind="action"))


def _keyring_warning(monitor, target: str) -> None:
    monitor.record(Event(time.time(), target, Severity.WARNING, _(
        "{name}: no keyring works here; the password is kept in memory until the console closes"
    ).format(name=target), "", kind="note"))


def save_database(monitor, values: dict[str, Any], old_name: str | None = None,
                  password: str | None = None) -> DatabaseConfig:
    """Writes the [[databases]] entry (InventoryError with file:line when refused, the file then
    unchanged), stores the password as ``db:NAME`` and watches the database from now on."""
    path = _path(monitor)
    name = str(values["name"])
    if old_name is None and monitor.is_watched(name):
        raise InventoryError(path, None, _('a target named "{name}" is already watched').format(name=name))
    inv = inventory_edit.save_entry(path, "databases", values, old_name)
    db = next(d for d in inv.databases if d.name == name)
    if not monitor.inventory.path:
        monitor.inventory = dataclasses.replace(monitor.inventory, path=path)
    if not _secret(monitor, f"db:{name}", old_name, name, password):
        _keyring_warning(monitor, name)
    if old_name is None:
        monitor.add_database(db)
    else:
        monitor.update_database(db, old_name)
    _record(monitor, name, "inventory.database.save", _("{name}: database saved to {path} by the user").format(
        name=name, path=path), {"path": path, "old_name": old_name, "values": _public(values),
                                "keyring_updated": bool(password)})
    return db


def remove_database(monitor, name: str) -> None:
    path = monitor.inventory.path
    if path:
        inventory_edit.remove_entry(path, "databases", name)
    monitor.remove_database(name)
    _record(monitor, name, "inventory.database.remove", _("{name}: database removed from the inventory by "
                                                          "the user").format(name=name), {"path": path})


def save_backup_set(monitor, service, values: dict[str, Any], old_name: str | None = None,
                    password: str | None = None):
    """Writes the [[backups]] entry, stores the password as ``backup:NAME``; the backup service
    (when there is one) reads the set with its new entry from now on. Returns the set."""
    path = _path(monitor)
    name = str(values["name"])
    inv = inventory_edit.save_entry(path, "backups", values, old_name)
    cfg = next(b for b in inv.backups if b.name == name)
    _apply_sets(monitor, service, inv.backups, path)
    if not _secret(monitor, f"backup:{name}", old_name, name, password):
        _keyring_warning(monitor, name)
    _record(monitor, name, "inventory.backup.save", _("{name}: backup set saved to {path} by the user").format(
        name=name, path=path), {"path": path, "old_name": old_name, "values": _public(values),
                                "keyring_updated": bool(password)})
    return cfg


def remove_backup_set(monitor, service, name: str) -> None:
    path = monitor.inventory.path
    if path:
        backups = inventory_edit.remove_entry(path, "backups", name).backups
    else:
        backups = tuple(b for b in monitor.inventory.backups if b.name != name)
    _apply_sets(monitor, service, backups, path)
    _record(monitor, name, "inventory.backup.remove", _("{name}: backup set removed from the inventory by "
                                                        "the user").format(name=name), {"path": path})


def _apply_sets(monitor, service, backups, path) -> None:
    monitor.inventory = dataclasses.replace(monitor.inventory, backups=tuple(backups),
                                            path=monitor.inventory.path or path)
    if service is not None:
        service.replace_sets(monitor.inventory)


def _public(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of the entry: the loader refuses any secret in it already."""
    return {k: v for k, v in values.items() if v not in (None, "")}
