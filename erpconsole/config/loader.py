"""The inventory (TOML) -> typed, validated models. Errors carry FILE:LINE.

Loader body: see load_inventory(). The shapes it builds are in models.py; each table's keys
are declared once as data in schema.py, single-value readers live in fields.py and the
key -> line lookup in lines.py. What is checked here spans entries: secrets anywhere, unique
names, references from one table to another.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, NoReturn

import platformdirs

from erpconsole.config import toml_limits
from erpconsole.config.alerts_schema import read_alerts
from erpconsole.config.channels import read_channel
from erpconsole.config.oncall_schema import check_route_people, read_oncall, read_people
from erpconsole.config.fields import clip, closest, refusal, size_text, url_secret
from erpconsole.config.lines import Path_, SourceLines
from erpconsole.config.models import (
    LOCAL_HOST, AccessPolicy, BackupPolicy, BackupSetConfig, DatabaseConfig, HostConfig, Inventory,
    InventoryError, LocalConfig,
)
from erpconsole.config.schema import (
    ACCESS, BACKUP, BACKUP_POLICY, DATABASE, HOST, LOCAL, SOP, read_table,
)
from erpconsole.i18n import N_, _

APP_NAME = "erpconsole"
MAX_FILE_BYTES = 16 * 1024 * 1024
_TOP = {"local": "[local]", "hosts": "[[hosts]]", "databases": "[[databases]]", "access": "[access]",
        "backups": "[[backups]]", "sop": "[sop]", "alerts": "[alerts]", "rules": "[[rules]]",
        "routes": "[[routes]]", "maintenance": "[[maintenance]]",
        "channels": "[[channels]]", "people": "[[people]]", "oncall": "[oncall]"}
_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token"})
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_HINTS = {
    "Cannot overwrite a value": N_("a key is given twice in the same table; keep one"),
    "Cannot declare": N_("a table is declared twice; merge the two, or for several hosts write "
                         "[[hosts]] (two brackets) before each"),
    "Unterminated string": N_("a quote is not closed"),
    "Invalid value": N_('text goes in quotes, like name = "erp-app-1"'),
}


# -- reading ----------------------------------------------------------------------------------


class _Source:
    """The file being read: turns a key path into FILE:LINE for every refusal."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.base_dir = path.parent
        self.lines = SourceLines(text)

    def fail(self, where: Path_, message: str) -> NoReturn:
        raise InventoryError(self.path, self.lines.line_of(where), message)


def _read_file(path: Path) -> str:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InventoryError(path, None, _(
            "no such file; check the path, or leave out --inventory to watch this workstation alone")) from None
    except IsADirectoryError:
        raise InventoryError(path, None, _("this is a folder; name the inventory .toml file itself")) from None
    except OSError as exc:
        raise InventoryError(path, None, _("cannot be read ({reason}); check the path and the file's permissions").format(
            reason=exc.strerror or exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise InventoryError(path, None, _(
            "is over {size}; an inventory of thousands of hosts is far smaller: check that this is "
            "the inventory file").format(size=size_text(MAX_FILE_BYTES)))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # Notepad's byte-order mark is harmless
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InventoryError(path, None, _(
            "not UTF-8 text (byte 0x{byte:02x} on line {line}); save the file as UTF-8").format(
            byte=data[exc.start], line=line)) from None


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    code = toml_limits.code_only(text)
    deep = toml_limits.too_deep(code)
    if deep is not None:  # tomllib would recurse once per level into a RecursionError
        raise InventoryError(path, toml_limits.line_at(text, deep), _(
            "lists or tables are nested more than {n} deep here; an inventory needs a few levels "
            "([[hosts]], its thresholds, a list): check the brackets and braces on this line").format(
            n=toml_limits.MAX_NESTING))
    try:
        return tomllib.loads(text)
    except RecursionError:  # nesting the scan did not see; never a traceback
        raise InventoryError(path, None, _("lists or tables are nested too deep to read; check the "
                                           "brackets and braces")) from None
    except tomllib.TOMLDecodeError as exc:
        _refuse_toml(path, text, exc)
    except ValueError:  # Python's int_max_str_digits, raised past tomllib's own errors
        at = toml_limits.too_long_number(code)
        raise InventoryError(path, toml_limits.line_at(text, at) if at is not None else None, _(
            "a number here has thousands of digits, more than any setting takes; check the value "
            "on this line")) from None


def _refuse_toml(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> NoReturn:
    """tomllib's refusal as FILE:LINE, with a hint for the usual slips."""
    message, line, column = str(exc), None, None
    found = _TOML_AT.search(message)
    if found:
        message, line, column = message[:found.start()], int(found[1]), int(found[2])
    elif "end of document" in message:
        message, line = message.replace("(at end of document)", "").strip(), text.count("\n") + 1
    hint = next((_(h) for prefix, h in _TOML_HINTS.items() if message.startswith(prefix)),
                _("check the quotes, brackets and = on this line"))
    at = _(" at column {column}").format(column=column) if column else ""
    raise InventoryError(path, line, _("not valid TOML: {message}{at}; {hint}").format(
        message=message, at=at, hint=hint)) from None


# -- secrets ----------------------------------------------------------------------------------


def _is_secret_key(key: str) -> bool:
    """``password``, ``db_password``, ``api-token``... but ``password_env`` names a variable."""
    lowered = key.lower()
    if lowered.endswith(("_env", "_days")):  # a variable's name, a policy's number of days
        return False
    return any(word in _SECRET_WORDS for word in re.split(r"[_\-.\s]+", lowered))


def _refuse_secrets(src: _Source, doc: dict[str, Any]) -> None:
    """Runs before any other check, so a secret is never reported as a mere unknown key."""

    def walk(where: Path_, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if _is_secret_key(key):
                    src.fail(where + (key,), _('"{key}" would hold a secret: {refusal}').format(
                        key=clip(key), refusal=_refusal_for(doc, where)))
                walk(where + (key,), value)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(where + (i,), item)
        elif isinstance(node, str) and where[:1] != ("channels",) and (part := url_secret(node)):
            # a channel's URL may say ?key=$secret: channels.py refuses the ones that hold one
            src.fail(where, _("{key} holds a secret ({part} in a URL): {refusal}").format(
                key=clip(where[-1]) if where and isinstance(where[-1], str) else _("a value"),
                part=part, refusal=_refusal_for(doc, where)))

    walk((), doc)


def _refusal_for(doc: dict[str, Any], where: Path_) -> str:
    """Name the keyring entry of the host or database the secret sits in, when there is one."""
    kinds = {"hosts": "ssh", "databases": "db", "channels": "channel"}
    if len(where) >= 2 and where[0] in kinds and isinstance(where[1], int):
        entries = doc.get(str(where[0]))
        entry = entries[where[1]] if isinstance(entries, list) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.strip():
            return refusal(kinds[str(where[0])], name)
    return refusal(None, None)


# -- assembling the inventory -----------------------------------------------------------------


def _entries(src: _Source, doc: dict[str, Any], key: str) -> list[tuple[Path_, dict[str, Any]]]:
    raw = doc.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        src.fail((key,), _("write each entry as its own {title} table (two brackets), one per {what}").format(
            title=_TOP[key], what={"hosts": _("host"), "databases": _("database"),
                                   "channels": _("channel")}.get(key, _("backup set"))))
    return [((key, i), item) for i, item in enumerate(raw)]


def _host(src: _Source, where: Path_, raw: dict[str, Any]) -> HostConfig:
    values = read_table(src, where, raw, HOST, ("name", "address"), "[[hosts]]")
    if values["name"].casefold() == LOCAL_HOST.casefold():
        src.fail(where + ("name",), _('"{name}" is the machine the console runs on ([local]); choose another name')
                 .format(name=LOCAL_HOST))
    return HostConfig(**values, line=src.lines.line_of(where))


def _database(src: _Source, where: Path_, raw: dict[str, Any]) -> DatabaseConfig:
    values = read_table(src, where, raw, DATABASE, ("name", "url"), "[[databases]]")
    if values.get("erp") == "custom" and not values.get("erp_users_query"):
        src.fail(where + ("erp",), _('erp = "custom" needs erp_users_query = "SELECT ..." returning '
                                     "username, display name, active, last login, roles"))
    if values.get("erp_users_query") and values.get("erp") != "custom":
        src.fail(where + ("erp_users_query",), _('erp_users_query is only read with erp = "custom"; '
                                                 'add erp = "custom" or remove the query'))
    if values.get("erp_users_query") and not values["erp_users_query"].lstrip().lower().startswith(
            ("select", "with")):
        src.fail(where + ("erp_users_query",), _("erp_users_query must be one SELECT (it is run "
                                                 "read-only); start it with SELECT or WITH"))
    return DatabaseConfig(**values, line=src.lines.line_of(where))


def _backup(src: _Source, where: Path_, raw: dict[str, Any], hosts: set[str], databases: set[str]
            ) -> BackupSetConfig:
    values = read_table(src, where, raw, BACKUP, ("name", "tool", "repo"), "[[backups]]")
    policy = BackupPolicy(**{k: values.pop(k) for k in list(values) if k in BACKUP_POLICY})
    if values.get("tool") in ("pgbackrest", "barman") and not values.get("stanza"):
        src.fail(where + ("tool",), _('{tool} needs stanza = "..." (the {what} name)').format(
            tool=values["tool"], what=_("stanza") if values["tool"] == "pgbackrest" else _("server")))
    for key, known, what in (("host", hosts, "[[hosts]]"), ("database", databases, "[[databases]]")):
        if values.get(key) and values[key] not in known:
            src.fail(where + (key,), _('{key} "{name}" is not the name of any {what} entry; names: {names}').format(
                key=key, name=clip(values[key]), what=what, names=", ".join(sorted(known)) or _("none")))
    return BackupSetConfig(**values, policy=policy, line=src.lines.line_of(where))


def _access(src: _Source, raw: Any) -> AccessPolicy:
    if raw is None:
        return AccessPolicy()
    return AccessPolicy(**read_table(src, ("access",), raw, ACCESS, (), "[access]"))


def _refuse_duplicates(src: _Source, kind: str, entries: list[tuple[Path_, HostConfig | DatabaseConfig]]) -> None:
    """Names are keys everywhere (keyring, store, findings); case alone must not tell two apart."""
    seen: dict[str, Path_] = {}
    for where, entry in entries:
        first = seen.setdefault(entry.name.casefold(), where)
        if first != where:
            src.fail(where + ("name",), _('{kind} name "{name}" is already used on line {line}; give each '
                                          "{kind} its own name").format(
                kind=kind, name=entry.name, line=src.lines.line_of(first + ("name",))))


def _refuse_shared_names(src: _Source, hosts: list, databases: list) -> None:
    """Hosts and databases share one namespace: history, findings and alerts are keyed by it."""
    host_lines = {h.name.casefold(): where for where, h in hosts}
    host_lines.setdefault(LOCAL_HOST.casefold(), ())
    for where, db in databases:
        first = host_lines.get(db.name.casefold())
        if first is None:
            continue
        line = src.lines.line_of(first + ("name",)) if first else None
        src.fail(where + ("name",), _('database name "{name}" is already the name of a host{on}; '
                                      "give the database its own name, e.g. \"{name}-db\"").format(
            name=db.name, on=_(" on line {line}").format(line=line) if line else ""))


def _local(src: _Source, raw: Any, has_hosts: bool) -> LocalConfig:
    # With remote hosts the inventory usually describes a fleet; the admin's own laptop in
    # it would be noise unless asked for. With none, watching this machine is the point.
    values = read_table(src, ("local",), raw if raw is not None else {}, LOCAL, (), "[local]")
    values.setdefault("enabled", not has_hosts)
    return LocalConfig(**values)


def _inventory(src: _Source, doc: dict[str, Any]) -> Inventory:
    _refuse_secrets(src, doc)
    for key, value in doc.items():
        if key not in _TOP:
            src.fail((key,), _unknown_top(key, value))
    local = _local(src, doc.get("local"), bool(doc.get("hosts")))
    hosts = [(w, _host(src, w, raw)) for w, raw in _entries(src, doc, "hosts")]
    databases = [(w, _database(src, w, raw)) for w, raw in _entries(src, doc, "databases")]
    _refuse_duplicates(src, _("host"), hosts)
    _refuse_duplicates(src, _("database"), databases)
    _refuse_shared_names(src, hosts, databases)
    backups = [(w, _backup(src, w, raw, {h.name for _w, h in hosts}, {d.name for _w, d in databases}))
               for w, raw in _entries(src, doc, "backups")]
    _refuse_duplicates(src, _("backup set"), backups)
    sop = read_table(src, ("sop",), doc.get("sop", {}), SOP, (), "[sop]")
    channels = [(w, read_channel(src, w, raw, src.lines.line_of(w))) for w, raw in _entries(src, doc, "channels")]
    _refuse_duplicates(src, _("channel"), channels)
    targets = [entry for _w, entry in (*hosts, *databases)]
    alerts = read_alerts(src, doc, src.lines.line_of,
                         {LOCAL_HOST, *(t.name for t in targets), *(b.name for _w, b in backups)},
                         {tag for t in targets for tag in t.tags})
    _refuse_unknown_channels(src, alerts.routes, {c.name for _w, c in channels})
    people = read_people(src, doc, src.lines.line_of)
    oncall = read_oncall(src, doc, src.lines.line_of, {p.name for p in people})
    check_route_people(src, alerts.routes, oncall)
    return Inventory(str(src.path), local, tuple(h for _w, h in hosts), tuple(d for _w, d in databases),
                     _access(src, doc.get("access")), tuple(b for _w, b in backups), sop.get("folders", ()),
                     alerts, channels=tuple(c for _w, c in channels), people=people, oncall=oncall)


def _refuse_unknown_channels(src: _Source, routes, known: set[str]) -> None:
    """A route that names no [[channels]] entry would write outbox rows no sender can deliver."""
    for i, route in enumerate(routes):
        for key in ("channels", "escalate_to"):
            for name in getattr(route, key):
                if name not in known:
                    guess = closest(name, sorted(known))
                    hint = _('; did you mean "{guess}"?').format(guess=guess) if guess else ""
                    src.fail(("routes", i, key), _(
                        '{key} names "{name}", which is no [[channels]] entry{hint} Channels: {names}').format(
                        key=key, name=clip(name), hint=hint or ".", names=", ".join(sorted(known)) or _("none")))


def _unknown_top(key: str, value: Any) -> str:
    guess = closest(key, list(_TOP))
    hint = _("; did you mean {title}?").format(title=_TOP[guess]) if guess else "."
    what = (_("table [{key}]") if isinstance(value, dict) else _('key "{key}"')).format(key=clip(key))
    return _("unknown {what} at the top level{hint} An inventory holds {allowed}").format(
        what=what, hint=hint, allowed=", ".join(_TOP.values()))


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate ``path``; raise InventoryError naming the line on any fault."""
    path = Path(path)
    text = _read_file(path)
    doc = _parse_toml(path, text)  # first: the line scanner expects a document that parses
    return _inventory(_Source(path, text), doc)


def default_inventory_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "inventory.toml"


def load_default_inventory() -> Inventory:
    """The user's inventory if there is one; else this workstation alone (no configuration)."""
    path = default_inventory_path()
    if not path.exists():
        return Inventory()
    return load_inventory(path)
