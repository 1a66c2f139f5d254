"""Writes host entries back to the inventory file, keeping everything else as it was.

tomlkit edits the document in place: comments, blank lines, other hosts, databases and keys
this module does not manage stay untouched. The new text is validated with the same loader
the console starts with before it replaces the file (atomically), so a save can never leave
an inventory the console would refuse. No secret is ever written here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from erpconsole.config import HostConfig, Inventory, InventoryError, load_inventory
from erpconsole.i18n import _

# The fields the host dialog edits; anything else in a [[hosts]] table (thresholds,
# known_hosts, timeout_s ...) is kept as written.
MANAGED = ("name", "address", "port", "user", "key_file", "proxy_jump", "interval_s", "tags")

NEW_FILE_HEADER = (
    "# erpconsole inventory: the hosts and databases this console watches.\n"
    "# Secrets never go here: passwords live in keyring (erpconsole secret set ssh:NAME).\n"
)


def host_values(host: HostConfig) -> dict[str, Any]:
    """The managed fields of ``host`` that differ from the defaults, in file order."""
    out: dict[str, Any] = {"name": host.name, "address": host.address}
    if host.port is not None:
        out["port"] = int(host.port)
    if host.user:
        out["user"] = host.user
    if host.key_file:
        out["key_file"] = host.key_file
    if host.proxy_jump:
        out["proxy_jump"] = host.proxy_jump
    if host.interval_s != HostConfig.__dataclass_fields__["interval_s"].default:
        iv = float(host.interval_s)
        out["interval_s"] = int(iv) if iv.is_integer() else iv
    if host.tags:
        out["tags"] = list(host.tags)
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _hosts(doc: tomlkit.TOMLDocument, path: Path) -> AoT:
    hosts = doc.get("hosts")
    if hosts is None:
        hosts = tomlkit.aot()
        doc.append("hosts", hosts)
    if not isinstance(hosts, AoT):
        raise InventoryError(path, None, _("the hosts are not [[hosts]] tables; edit the file by hand"))
    return hosts


def _find(hosts: AoT, name: str) -> int | None:
    for i, table in enumerate(hosts):
        if str(table.get("name", "")).casefold() == name.casefold():
            return i
    return None


def _fill(table: Table, host: HostConfig) -> None:
    values = host_values(host)
    for key in MANAGED:
        if key in values:
            value = values[key]
            if key == "tags":
                arr = tomlkit.array()
                arr.extend(value)
                value = arr
            if key in table and table[key] == values[key]:
                continue  # unchanged: keep its formatting and trailing comment
            table[key] = value
        elif key in table:
            del table[key]


def _write(path: Path, text: str) -> Inventory:
    """Validate ``text`` as an inventory, then replace ``path`` with it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".inventory.", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            load_inventory(tmp)
        except InventoryError as exc:
            raise InventoryError(path, exc.line, exc.message) from exc
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return load_inventory(path)


def add_host(path: str | Path, host: HostConfig, *, keep_local: bool = True) -> Inventory:
    """Append a [[hosts]] table. A missing file is created; ``keep_local`` then adds
    ``[local] enabled = true`` so this workstation stays watched (the loader turns it off by
    default once there are hosts)."""
    path = Path(path)
    text = _read(path)
    doc = tomlkit.parse(text) if text else tomlkit.document()
    if not text:
        for line in NEW_FILE_HEADER.splitlines():
            doc.add(tomlkit.comment(line.lstrip("# ")))
        if keep_local:
            local = tomlkit.table()
            local["enabled"] = True
            local.add(tomlkit.nl())
            doc.add(tomlkit.nl())
            doc["local"] = local
    hosts = _hosts(doc, path)
    if _find(hosts, host.name) is not None:
        raise InventoryError(path, None, _('a host named "{name}" is already there').format(name=host.name))
    if len(hosts) and not hosts[-1].as_string().endswith("\n\n"):
        hosts[-1].add(tomlkit.nl())  # a blank line between tables, as a person writes them
    table = tomlkit.table()
    _fill(table, host)
    if list(doc.keys())[-1] != "hosts":
        table.add(tomlkit.nl())  # more tables follow the hosts
    hosts.append(table)
    return _write(path, tomlkit.dumps(doc))


def _index(hosts: AoT, name: str, path: Path) -> int:
    i = _find(hosts, name)
    if i is None:
        raise InventoryError(path, None, _('no host named "{name}" is there').format(name=name))
    return i


def update_host(path: str | Path, old_name: str, host: HostConfig) -> Inventory:
    """Change the managed fields of the host named ``old_name`` (maybe renaming it)."""
    path = Path(path)
    doc = tomlkit.parse(_read(path))
    hosts = _hosts(doc, path)
    i = _index(hosts, old_name, path)
    if host.name.casefold() != old_name.casefold() and _find(hosts, host.name) is not None:
        raise InventoryError(path, None, _('a host named "{name}" is already there').format(name=host.name))
    _fill(hosts[i], host)
    return _write(path, tomlkit.dumps(doc))


def remove_host(path: str | Path, name: str) -> Inventory:
    path = Path(path)
    doc = tomlkit.parse(_read(path))
    hosts = _hosts(doc, path)
    i = _index(hosts, name, path)
    del hosts[i]
    if not len(hosts):
        del doc["hosts"]
    return _write(path, tomlkit.dumps(doc))


# -- databases and backup sets: one upsert and one removal for both -------------------------

# The fields the database and backup set dialogs edit; the rest of each table (thresholds,
# drill targets, policies ...) is kept as written.
DATABASE_FIELDS = ("name", "url", "password_env", "erp", "interval_s")
BACKUP_FIELDS = ("name", "tool", "repo", "host", "stanza", "pattern", "password_env", "database",
                 "interval_s")
_SECTIONS = {"databases": DATABASE_FIELDS, "backups": BACKUP_FIELDS}


def _section(doc: tomlkit.TOMLDocument, key: str, path: Path) -> AoT:
    section = doc.get(key)
    if section is None:
        section = tomlkit.aot()
        doc.append(key, section)
    if not isinstance(section, AoT):
        raise InventoryError(path, None, _("the {key} are not [[{key}]] tables; edit the file by hand")
                             .format(key=key))  # key: the TOML word, not translated
    return section


def _fill_values(table: Table, values: dict[str, Any], managed: tuple[str, ...]) -> None:
    for key in managed:
        value = values.get(key)
        if value is None or value == "":
            if key in table:
                del table[key]
        elif not (key in table and table[key] == value):  # unchanged: keep its formatting
            table[key] = value


def _taken_text(key: str) -> str:
    return (_('a database named "{name}" is already there') if key == "databases"
            else _('a backup set named "{name}" is already there'))


def _missing_text(key: str) -> str:
    return (_('no database named "{name}" is there') if key == "databases"
            else _('no backup set named "{name}" is there'))


def _taken(section: AoT, name: str, key: str, path: Path) -> None:
    if _find(section, name) is not None:
        raise InventoryError(path, None, _taken_text(key).format(name=name))


def save_entry(path: str | Path, key: str, values: dict[str, Any], old_name: str | None = None) -> Inventory:
    """Adds (``old_name`` None) or changes a ``[[databases]]`` or ``[[backups]]`` table with the
    managed ``values`` (None or "" removes a key). The new text is loaded before it replaces
    the file: a refused entry leaves the file as it was and raises InventoryError."""
    path = Path(path)
    managed = _SECTIONS[key]
    text = _read(path)
    doc = tomlkit.parse(text) if text else tomlkit.document()
    if not text:
        for line in NEW_FILE_HEADER.splitlines():
            doc.add(tomlkit.comment(line.lstrip("# ")))
    section = _section(doc, key, path)
    name = str(values.get("name") or "")
    if old_name is None:
        _taken(section, name, key, path)
        if len(section) and not section[-1].as_string().endswith("\n\n"):
            section[-1].add(tomlkit.nl())
        table = tomlkit.table()
        _fill_values(table, values, managed)
        if list(doc.keys())[-1] != key:
            table.add(tomlkit.nl())
        section.append(table)
    else:
        i = _find(section, old_name)
        if i is None:
            raise InventoryError(path, None, _missing_text(key).format(name=old_name))
        if name.casefold() != old_name.casefold():
            _taken(section, name, key, path)
        _fill_values(section[i], values, managed)
    return _write(path, tomlkit.dumps(doc))


def remove_entry(path: str | Path, key: str, name: str) -> Inventory:
    """Removes the ``[[databases]]`` or ``[[backups]]`` table named ``name``."""
    path = Path(path)
    doc = tomlkit.parse(_read(path))
    section = _section(doc, key, path)
    i = _find(section, name)
    if i is None:
        raise InventoryError(path, None, _missing_text(key).format(name=name))
    del section[i]
    if not len(section):
        del doc[key]
    return _write(path, tomlkit.dumps(doc))
