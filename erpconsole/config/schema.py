"""The inventory's schema, as data: each table's keys and the reader of each key.

A table is read by ``read_table`` against one of these specs; single-value readers live in
fields.py. Cross-entry rules (unique names, references between tables) are the loader's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from erpconsole.config.fields import (
    Source, clip, closest, describe, key_name, read_address, read_bool, read_choice, read_db_url, read_env_name,
    read_erp, read_in_range, read_interval, read_name, read_path, read_port, read_tags, read_text,
    read_names_list, read_timeout, read_whole,
)
from erpconsole.config.lines import Path_
from erpconsole.config.models import TOOLS, DbThresholds, Thresholds
from erpconsole.i18n import _

Reader = Callable[[Source, Path_, Any], Any]
# What the "has no KEY" refusal suggests writing.
EXAMPLES = {"name": '"erp-app-1"', "address": '"10.0.0.5"', "url": '"postgresql+psycopg://monitor@10.0.0.6:5432/erp"'}


def read_table(src: Source, where: Path_, raw: Any, spec: dict[str, Reader],
               required: tuple[str, ...], title: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        src.fail(where, _("{title} must be a table (got {got})").format(title=title, got=describe(raw)))
    for key in raw:
        if key not in spec:
            src.fail(where + (key,), _unknown_key(key, list(spec), title))
    for key in required:
        if key not in raw:
            src.fail(where, _("this {title} entry has no {key}; add {key} = {example} (required: {all})").format(
                title=title, key=key, example=EXAMPLES.get(key, '"..."'), all=", ".join(required)))
    return {key: spec[key](src, where + (key,), value) for key, value in raw.items()}


def _unknown_key(key: str, allowed: list[str], title: str) -> str:
    guess = closest(key, allowed)
    hint = _('; did you mean "{guess}"?').format(guess=guess) if guess else ""
    return _('unknown key "{key}" in {title}{hint} Allowed keys: {allowed}').format(
        key=clip(key), title=title, hint=hint if hint else ".", allowed=", ".join(allowed))


_THRESHOLD_PAIRS = (
    ("disk_warning", "disk_critical"),
    ("mem_warning", "mem_critical"),
    ("load_per_core_warning", "load_per_core_critical"),
)


def _read_threshold(src: Source, where: Path_, value: Any) -> float:
    unit = "" if key_name(where).startswith("load") else "%"
    return read_in_range(src, where, value, 0.0, 100.0, unit)


def _read_thresholds(src: Source, where: Path_, value: Any) -> Thresholds:
    spec = {f.name: _read_threshold for f in fields(Thresholds)}
    values = read_table(src, where, value, spec, (), "thresholds")
    result = replace(Thresholds(), **values)
    for warn, crit in _THRESHOLD_PAIRS:
        low, high = getattr(result, warn), getattr(result, crit)
        if low >= high:
            # Overrides are often partial: say which side is the default the user never wrote.
            low_note = "" if warn in values else _(", the default")
            high_note = "" if crit in values else _(", the default")
            src.fail(where + ((warn if warn in values else crit),), _(
                "{warn} ({low:g}{low_note}) must be below {crit} ({high:g}{high_note}); lower {warn} or raise {crit}"
            ).format(warn=warn, crit=crit, low=low, high=high, low_note=low_note, high_note=high_note))
    return result


_DB_THRESHOLD_PAIRS = (
    ("connections_warning", "connections_critical"),
    ("replication_lag_warning_s", "replication_lag_critical_s"),
    ("wraparound_warning", "wraparound_critical"),
    ("lock_wait_warning_s", "lock_wait_critical_s"),
)


def _read_db_threshold(src: Source, where: Path_, value: Any) -> float:
    key = key_name(where)
    if key.endswith("_s"):
        return read_in_range(src, where, value, 0.0, 7 * 86400.0, _(" seconds"))
    return read_in_range(src, where, value, 0.0, 100.0, "%")


def _read_db_thresholds(src: Source, where: Path_, value: Any) -> DbThresholds:
    spec = {f.name: _read_db_threshold for f in fields(DbThresholds)}
    values = read_table(src, where, value, spec, (), "thresholds")
    result = replace(DbThresholds(), **values)
    for warn, crit in _DB_THRESHOLD_PAIRS:
        if getattr(result, warn) >= getattr(result, crit):
            src.fail(where + ((warn if warn in values else crit),), _(
                "{warn} ({low:g}) must be below {crit} ({high:g}); lower {warn} or raise {crit}"
            ).format(warn=warn, crit=crit, low=getattr(result, warn), high=getattr(result, crit)))
    return result


LOCAL: dict[str, Reader] = {"enabled": read_bool, "interval_s": read_interval, "thresholds": _read_thresholds}
HOST: dict[str, Reader] = {
    "name": read_name, "address": read_address, "port": read_port, "user": read_text,
    "key_file": read_path, "known_hosts": read_path, "proxy_jump": read_text,
    "interval_s": read_interval, "timeout_s": read_timeout, "tags": read_tags, "thresholds": _read_thresholds,
}
DATABASE: dict[str, Reader] = {
    "name": read_name, "url": read_db_url, "password_env": read_env_name, "erp": read_erp,
    "erp_users_query": read_text, "interval_s": read_interval, "timeout_s": read_timeout, "tags": read_tags,
    "thresholds": _read_db_thresholds,
}
ACCESS: dict[str, Reader] = {
    "stale_days": lambda src, where, value: read_whole(src, where, value, 1, 3650),
    "roster": read_path,
    "approved_superusers": read_names_list,
    "generic_names": read_names_list,
    "password_max_age_days": lambda src, where, value: read_whole(src, where, value, 1, 3650),
    "ignore_system_accounts": read_bool,
}


def _hours(src: Source, where: Path_, value: Any) -> float:
    return read_in_range(src, where, value, 0.01, 24 * 3650, _(" hours"))


def _days(src: Source, where: Path_, value: Any) -> float:
    return read_in_range(src, where, value, 0.01, 3650, _(" days"))


def _tool(src: Source, where: Path_, value: Any) -> str:
    return read_choice(src, where, value, "tool", tuple(TOOLS))


BACKUP_POLICY: dict[str, Reader] = {
    "rpo_h": _hours, "full_every_d": _days, "retention_d": _days, "drill_every_d": _days,
    "min_size_mb": lambda src, where, value: read_in_range(src, where, value, 0, 10**9, " MB"),
    "max_shrink_percent": lambda src, where, value: read_in_range(src, where, value, 0, 100, "%"),
    "rto_target_min": lambda src, where, value: read_in_range(src, where, value, 0.1, 100000, _(" minutes")),
    "offsite": read_bool,
    "row_tolerance_percent": lambda src, where, value: read_in_range(src, where, value, 0, 100, "%"),
}
BACKUP: dict[str, Reader] = {
    "name": read_name, "tool": _tool, "repo": read_text, "host": read_text, "stanza": read_text,
    "pattern": read_text, "password_env": read_env_name, "database": read_text, "drill_target": read_db_url,
    "sanity_queries": read_names_list, "key_tables": read_names_list, "offsite_repo": read_text,
    "interval_s": read_interval, **BACKUP_POLICY,
}


def _folders(src: Source, where: Path_, value: Any) -> tuple[str, ...]:
    names = read_names_list(src, where, value)
    return tuple(read_path(src, where, name) for name in names)


SOP: dict[str, Reader] = {"folders": _folders}
