"""Words a person reads for service values (health states, the local host), translated."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from erpconsole.services.models import LOCAL_HOST, Health


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
    label = health_label(health)
    if not message or health is Health.OK:
        return label
    if message.lower().startswith(label.lower()):  # the message already names the state
        return message
    return f"{label}: {message}"


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
