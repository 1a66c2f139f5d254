"""Readers for single inventory values: each checks one TOML value and returns the typed one.

A reader is ``read(src, where, value)``: ``where`` is the key's path (its last part names the
key in messages) and ``src.fail`` raises the InventoryError pointing at that key's line.
Messages never repeat a value that could be a secret.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn, Protocol

from erpconsole.config.lines import Path_
from erpconsole.guards import urls
from erpconsole.i18n import _

ERP_PROFILES = ("odoo", "erpnext", "custom")
NAME_MAX = 64
_NAME = re.compile(r"[^\W_][\w.\- ]*")  # letters (any script), digits, then also . - _ and spaces
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Source(Protocol):
    base_dir: Path

    def fail(self, where: Path_, message: str) -> NoReturn: ...


def key_name(where: Path_) -> str:
    return clip(str(where[-1]))


SHOWN_CHARS = 80  # of a value or key in a message; a 5 MB value is not echoed whole


def size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return _("{n:.1f} MB").format(n=n_bytes / (1024 * 1024))
    if n_bytes >= 1024:
        return _("{n:.1f} KB").format(n=n_bytes / 1024)
    return _("{n} bytes").format(n=n_bytes)


def _cut(text: str) -> tuple[str, str]:
    """(what to show, the mark for what was left out: "" or "… (5.0 MB)")."""
    if len(text) <= SHOWN_CHARS:
        return text, ""
    size = size_text(len(text.encode("utf-8", "surrogatepass")))
    return text[:SHOWN_CHARS], _("… ({size})").format(size=size)


def clip(text: str) -> str:
    """``text`` as a message may show it: whole when short, else its start and its size."""
    shown, rest = _cut(text)
    return shown + rest


def quoted(text: str) -> str:
    """``text`` in double quotes as a person would type it, clipped like ``clip``."""
    shown, rest = _cut(text)
    return json.dumps(shown, ensure_ascii=False) + rest


def describe(value: Any) -> str:
    """How a TOML value reads to a person: 'text "22"', '2.5', 'a list'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _("text {text}").format(text=quoted(value))
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else clip(str(value))
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, datetime | date | time):
        return _("a date/time")
    return type(value).__name__


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    if len(word) > SHOWN_CHARS:  # no setting is that long; and difflib on megabytes is slow
        return None
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


# -- primitive readers ---------------------------------------------------------------------


def read_text(src: Source, where: Path_, value: Any) -> str:
    if not isinstance(value, str):
        src.fail(where, _('{key} must be text in quotes, like {key} = "..." (got {got})').format(
            key=key_name(where), got=describe(value)))
    if not value.strip():
        src.fail(where, _("{key} must not be empty; give a value or remove the line").format(key=key_name(where)))
    return value


def read_bool(src: Source, where: Path_, value: Any) -> bool:
    if not isinstance(value, bool):
        src.fail(where, _("{key} must be true or false, without quotes (got {got})").format(
            key=key_name(where), got=describe(value)))
    return value


def read_whole(src: Source, where: Path_, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        src.fail(where, _("{key} must be a whole number (got {got})").format(key=key_name(where), got=describe(value)))
    if not low <= value <= high:
        src.fail(where, _("{key} must be between {low} and {high} (got {got})").format(
            key=key_name(where), low=low, high=high, got=clip(str(value))))
    return value


def read_number(src: Source, where: Path_, value: Any, what: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        src.fail(where, _("{key} must be a number (got {got})").format(
            key=what or key_name(where), got=describe(value)))
    return float(value)


def read_in_range(src: Source, where: Path_, value: Any, low: float, high: float, unit: str = "") -> float:
    """A number within [low, high]; ``not low <= v <= high`` also refuses nan."""
    number = read_number(src, where, value)
    if not low <= number <= high:
        src.fail(where, _("{key} must be between {low:g} and {high:g}{unit} (got {got:g})").format(
            key=key_name(where), low=low, high=high, unit=unit, got=number))
    return number


# -- inventory readers ----------------------------------------------------------------------


def read_name(src: Source, where: Path_, value: Any) -> str:
    """Names become keyring users (ssh:NAME), store keys and labels: keep them plain."""
    name = read_text(src, where, value)
    if len(name) > NAME_MAX or not _NAME.fullmatch(name) or name != name.strip():
        src.fail(where, _(
            "name {name} is not a plain name: use letters, digits, spaces and . - _ only, start "
            "with a letter or digit, no space at the end, at most {max} characters"
        ).format(name=quoted(name), max=NAME_MAX))
    return name


def read_address(src: Source, where: Path_, value: Any) -> str:
    address = read_text(src, where, value)
    if any(c.isspace() for c in address) or "://" in address:
        src.fail(where, _('address must be a host name or IP address, like address = "10.0.0.5"'))
    if "@" in address:
        src.fail(where, _('address must not hold a user; write user = "..." on its own line'))
    return address


def read_port(src: Source, where: Path_, value: Any) -> int:
    return read_whole(src, where, value, 1, 65535)


def read_interval(src: Source, where: Path_, value: Any) -> float:
    # Below half a second the polls themselves become the load being watched.
    return read_in_range(src, where, value, 0.5, 86400.0, _(" seconds"))


def read_timeout(src: Source, where: Path_, value: Any) -> float:
    number = read_in_range(src, where, value, 0.0, 600.0, _(" seconds"))
    if number == 0:
        src.fail(where, _("timeout_s must be more than 0 seconds"))
    return number


def read_path(src: Source, where: Path_, value: Any) -> str:
    """``~`` is expanded; a relative path is taken from the inventory's folder, not the cwd."""
    text = read_text(src, where, value)
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # "~someone/..." with no such user, or no home folder at all
        src.fail(where, _("{key} starts with ~ but that home folder is unknown; write ~/... for your "
                          "own or give the full path").format(key=key_name(where)))
    return str(path if path.is_absolute() else src.base_dir / path)


def read_tags(src: Source, where: Path_, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        src.fail(where, _('tags must be a list of text, like tags = ["app", "prod"] (got {got})').format(
            got=describe(value)))
    for i, tag in enumerate(value, start=1):
        if not isinstance(tag, str) or not tag.strip():
            src.fail(where, _('tags must be a list of text, like tags = ["app", "prod"] (item {i} is {got})').format(
                i=i, got=describe(tag)))
    return tuple(value)


def read_names_list(src: Source, where: Path_, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        src.fail(where, _('{key} must be a list of names, like {key} = ["postgres", "root"] (got {got})').format(
            key=key_name(where), got=describe(value)))
    return tuple(v.strip() for v in value)


def read_env_name(src: Source, where: Path_, value: Any) -> str:
    name = read_text(src, where, value)
    if not _ENV_NAME.fullmatch(name):
        # Not echoed: a person who typed the password itself here must not see it in a log.
        src.fail(where, _("password_env names an environment variable, like password_env = "
                          '"ERP_DB_PASSWORD" (letters, digits and _), not the password itself'))
    return name


def read_choice(src: Source, where: Path_, value: Any, key: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``; otherwise a refusal naming them, with the closest as a guess."""
    text = read_text(src, where, value)
    if text not in choices:
        guess = closest(text.lower(), choices)
        hint = _('; did you mean "{guess}"?').format(guess=guess) if guess else ""
        src.fail(where, _("{key} must be one of {choices} (got {got}){hint}").format(
            key=key, choices=", ".join(choices), got=describe(text), hint=hint))
    return text


def read_erp(src: Source, where: Path_, value: Any) -> str:
    return read_choice(src, where, value, "erp", ERP_PROFILES)


# -- secrets --------------------------------------------------------------------------------

def url_secret(text: str) -> str | None:
    """Where a URL holds a secret ("user:password@", "?password="), or None."""
    return urls.url_secret(text)


def refusal(kind: str | None, name: str | None) -> str:
    """The sentence that refuses a plaintext secret and says where it belongs instead."""
    if kind == "db" and name:
        where = _("store it with `erpconsole secret set db:{name}` or name an environment "
                  "variable with password_env").format(name=name)
    elif kind == "ssh" and name:
        where = _("store it with `erpconsole secret set ssh:{name}`, or use a key file "
                  "(key_file) or ssh-agent").format(name=name)
    elif kind == "channel" and name:
        where = _("store it with `erpconsole secret set channel:{name}` or name an environment "
                  "variable with password_env, token_env, secret_env or url_env").format(name=name)
    else:
        where = _("store it with `erpconsole secret set db:NAME` (or ssh:NAME) or name an "
                  "environment variable with password_env")
    return _("plaintext passwords are not allowed in the inventory; {where}").format(where=where)


# -- database URLs --------------------------------------------------------------------------

# What the collectors speak, and the driver each URL must name (SQLAlchemy 2.1 pitfall).
DRIVERS = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql", "sqlite": ""}
_URL_EXAMPLE = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"


def read_db_url(src: Source, where: Path_, value: Any) -> str:
    text = read_text(src, where, value)
    url = _parse_url(src, where, text)
    backend = url.get_backend_name()
    if backend not in DRIVERS:
        src.fail(where, _('erpconsole watches PostgreSQL, MySQL/MariaDB and SQLite; url starts with '
                          '"{scheme}://", which is none of them (example: "{example}")').format(
            scheme=url.drivername, example=_URL_EXAMPLE))
    if DRIVERS[backend] and "+" not in url.drivername:
        src.fail(where, _driver_missing(url, backend))
    _check_dialect(src, where, url)
    return text


def _parse_url(src: Source, where: Path_, text: str) -> Any:
    from sqlalchemy.engine import make_url  # lazy: only inventories with databases pay the import
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        src.fail(where, _('url is not a database URL SQLAlchemy can read; write it like "{example}"').format(
            example=_URL_EXAMPLE))
    if url.password or any(urls.is_secret_key(k) for k in url.query):
        src.fail(where, _("url holds a secret ({part}): {refusal}").format(
            part=urls.url_secret(text) or "?...=", refusal=refusal(None, None)))
    return url


def _driver_missing(url: Any, backend: str) -> str:
    fixed = url.set(drivername=f"{backend}+{DRIVERS[backend]}").render_as_string(hide_password=True)
    if backend == "postgresql":
        why = _('SQLAlchemy 2.1 made a bare "postgresql://" mean psycopg 3 where 2.0 meant '
                "psycopg2, so the same URL picks different drivers on different machines")
    else:
        why = _('a bare "{scheme}://" loads mysqlclient, which erpconsole does not install; '
                "it uses PyMySQL").format(scheme=backend)
    return _('url must name the driver: write "{fixed}" ({why})').format(fixed=fixed, why=why)


def _check_dialect(src: Source, where: Path_, url: Any) -> None:
    from sqlalchemy.exc import NoSuchModuleError

    try:
        url.get_dialect()
    except NoSuchModuleError:
        backend = url.get_backend_name()
        src.fail(where, _('SQLAlchemy has no driver "{driver}"; use "{backend}+{suggested}://"').format(
            driver=url.drivername, backend=backend, suggested=DRIVERS[backend] or "pysqlite"))
