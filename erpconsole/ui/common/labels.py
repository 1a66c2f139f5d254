"""Words a person reads for service values (health states, the local host), translated."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

from erpconsole.services.models import LOCAL_HOST, Health, TargetStatus, Verdict
from erpconsole.ui.common.words import counted
from erpconsole.widgets.theme import status_glyph


def _tr(text: str) -> str:
    return QCoreApplication.translate("labels", text)


def display_name(target: str) -> str:
    return _tr("This workstation") if target == LOCAL_HOST else target


def health_label(health: Health) -> str:
    return {
        Health.PENDING: _tr("waiting"),
        Health.OK: _tr("ok"),
        Health.UNREACHABLE: _tr("unreachable"),
        Health.AUTH_FAILED: _tr("login refused"),
        Health.HOSTKEY_UNKNOWN: _tr("unknown host key"),
        Health.HOSTKEY_MISMATCH: _tr("host key changed: possible interception"),
        Health.TIMEOUT: _tr("timed out"),
        Health.PARSE_ERROR: _tr("unreadable answer"),
        Health.ERROR: _tr("error"),
    }[health]


def health_text(health: Health, message: str) -> str:
    return _word_and_cause(health_label(health), "" if health is Health.OK else message)


def verdict_word(v: Verdict) -> str:
    """"ok", "warning", "critical", or the failed poll's state ("unreachable", "timed out")."""
    if v.state == "warning":
        return _tr("warning")
    if v.state == "critical":
        return _tr("critical")
    try:
        return health_label(Health(v.state))
    except ValueError:
        return v.state


def verdict_text(v: Verdict) -> str:
    """The word and its cause: "warning: load 2.13 per core (...)"."""
    return _word_and_cause(verdict_word(v), v.cause)


def status_cell(status: TargetStatus) -> str:
    """A table's status cell: the level's shape and the word, "▲ warning"."""
    v = status.verdict
    return f"{status_glyph(v.level)} {verdict_word(v)}"


def status_text(status: TargetStatus) -> str:
    return verdict_text(status.verdict)


def _word_and_cause(word: str, cause: str) -> str:
    if not cause:
        return word
    if cause.lower().startswith(word.lower()):  # the cause already names the state
        return cause
    return _tr("{state}: {cause}").format(state=word, cause=cause)


_DB_KINDS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "sqlite": "SQLite"}


def db_kind_label(kind: str) -> str:
    """The product name of a database kind, as its makers spell it."""
    return _DB_KINDS.get(kind, kind)


def db_version_text(kind: str, version: str) -> str:
    """"PostgreSQL 16.4", without naming the product twice when the version already does."""
    name = db_kind_label(kind)
    if not version:
        return name
    return version if version.casefold().startswith(name.casefold()) else f"{name} {version}"


def format_duration(seconds: float, precise: bool = True) -> str:
    """45 s, 3 min 12 s, 2 h 5 min, 4 d 3 h; ``precise=False`` drops seconds past a minute."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _tr("{0} d {1} h").format(days, hours) if hours else _tr("{0} d").format(days)
    if hours:
        return _tr("{0} h {1} min").format(hours, minutes) if minutes else _tr("{0} h").format(hours)
    if minutes:
        return _tr("{0} min {1} s").format(minutes, secs) if precise and secs else _tr("{0} min").format(minutes)
    return _tr("{0} s").format(secs)


def db_action_label(action: str) -> str:
    """What a database action is called on a button and in a dialog title."""
    return {
        "cancel": _tr("Cancel query"),
        "terminate": _tr("Terminate session"),
        "explain": _tr("Explain"),
        "analyze": _tr("Analyze"),
        "vacuum": _tr("Vacuum"),
        "optimize": _tr("Optimize"),
    }.get(action, action)


def lag_text(seconds: float) -> str:
    """Replication lag: tenths under a minute (0.4 s is not 0 s), else a duration."""
    return _tr("{0:.1f} s").format(seconds) if seconds < 60 else format_duration(seconds)


def _ago(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return _tr("less than a minute ago")
    if minutes < 120:
        return counted("labels", "%n min ago", "%n min ago", minutes)
    hours = minutes // 60
    if hours < 48:
        return counted("labels", "%n hour ago", "%n hours ago", hours)
    return counted("labels", "%n day ago", "%n days ago", hours // 24)


def last_seen_text(last_ok_ts: float | None, now: float) -> str:
    """Since when a target that fails now has been down: "last seen 14:02 (37 min ago)", with
    the date when that was another day; "never seen" when no poll of it has succeeded."""
    if last_ok_ts is None:
        return _tr("never seen since the console started")
    return _tr("last seen {when}").format(when=seen_cell(last_ok_ts, now))


def seen_cell(last_ok_ts: float | None, now: float) -> str:
    """A "Last seen" cell: "14:02 (37 min ago)", the date too when it was another day."""
    if last_ok_ts is None:
        return _tr("never")
    same_day = time.localtime(last_ok_ts)[:3] == time.localtime(now)[:3]
    when = time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", time.localtime(last_ok_ts))
    return _tr("{time} ({ago})").format(time=when, ago=_ago(now - last_ok_ts))


def down_since(status: TargetStatus, now: float) -> str:
    """The last-seen line of a target whose poll fails; "" for one that answers."""
    return last_seen_text(status.last_ok_ts, now) if status.health.is_failure else ""
