"""The inventory's alerting part: ``[alerts]`` settings, ``[[rules]]`` that add or tune a rule,
``[[routes]]`` from severity and tag to channels, ``[[maintenance]]`` windows.

Kept apart from schema.py and loader.py so the alerting keys live in one place. Whether a rule's
check or metric exists is judged by the alert services (config imports no services); whether a
target or tag exists is judged here, against the hosts and databases of the same file.
"""

from __future__ import annotations

import re
from typing import Any

from erpconsole.config.fields import (
    Source, clip, describe, read_bool, read_choice, read_in_range, read_name, read_names_list,
    read_number, read_tags, read_text,
)
from erpconsole.config.alerts_models import AlertsConfig, MaintenanceConfig, RouteConfig, RuleConfig
from erpconsole.config.lines import Path_
from erpconsole.config.oncall_schema import read_respond_within
from erpconsole.config.schema import read_table
from erpconsole.i18n import _

SEVERITIES = ("warning", "critical")
_DAY = 86400.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY = re.compile(r"\s*(?:every\s+)?(?P<day>[a-z]+)\s+(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*"
                    r"(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$", re.I)


def _seconds(src: Source, where: Path_, value: Any) -> float:
    return read_in_range(src, where, value, 0.0, 30 * _DAY, _(" seconds"))


def _severity(src: Source, where: Path_, value: Any) -> str:
    return read_choice(src, where, value, "severity", SEVERITIES)


def _read_table(src: Source, where: Path_, raw: Any, spec: dict, title: str) -> dict[str, Any]:
    return read_table(src, where, raw, spec, (), title)


SETTINGS = {"for_s": _seconds, "clear_s": _seconds, "escalate_after_s": _seconds, "repeat_s": _seconds,
            "warn": read_bool, "respond_within": read_respond_within}
RULE = {"name": read_name, "check": read_text, "metric": read_text, "threshold": read_number,
        "below": read_bool, "severity": _severity, "for_s": _seconds, "clear_s": _seconds,
        "targets": read_names_list, "tags": read_tags, "runbook": read_text, "enabled": read_bool}
ROUTE = {"channels": read_names_list, "severity": _severity, "tags": read_tags,
         "escalate_to": read_names_list, "person": read_text, "escalate_person": read_text}
MAINTENANCE = {"target": read_text, "tag": read_text, "every": read_text, "from": lambda s, w, v: v,
               "to": lambda s, w, v: v, "reason": read_text}


def _list(src: Source, doc: dict[str, Any], key: str) -> list[tuple[Path_, Any]]:
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        src.fail((key,), _("write each entry as its own [[{key}]] table (two brackets)").format(key=key))
    return [((key, i), item) for i, item in enumerate(raw)]


def read_alerts(src: Source, doc: dict[str, Any], line_of, names: set[str], tags: set[str]) -> AlertsConfig:
    """``names``/``tags``: the targets and tags of the same inventory, which rules and windows
    may name (this workstation included)."""
    settings = _read_table(src, ("alerts",), doc.get("alerts", {}), SETTINGS, "[alerts]")
    rules = tuple(_rule(src, w, raw, line_of, names, tags) for w, raw in _list(src, doc, "rules"))
    seen: dict[str, int | None] = {}
    for rule in rules:
        if rule.name in seen:
            src.fail(("rules", rules.index(rule), "name"), _(
                'rule "{name}" is already given on line {line}; write each rule once').format(
                name=rule.name, line=seen[rule.name]))
        seen[rule.name] = rule.line
    routes = tuple(_route(src, w, raw, line_of) for w, raw in _list(src, doc, "routes"))
    windows = tuple(_window(src, w, raw, line_of, names, tags) for w, raw in _list(src, doc, "maintenance"))
    return AlertsConfig(**settings, rules=rules, routes=routes, maintenance=windows)


def _known(src: Source, where: Path_, value: str, known: set[str], what: str) -> None:
    if value not in known:
        src.fail(where, _('{what} "{name}" is not in this inventory; known: {known}').format(
            what=what, name=clip(value), known=", ".join(sorted(known)) or _("none")))


def _rule(src: Source, where: Path_, raw: Any, line_of, names: set[str], tags: set[str]) -> RuleConfig:
    values = _read_table(src, where, raw, RULE, "[[rules]]")
    if "name" not in values:
        src.fail(where, _('this [[rules]] entry has no name; add name = "disk_used" (a built-in rule '
                          "to tune) or a new name"))
    if "metric" in values and "threshold" not in values:
        src.fail(where + ("metric",), _("a rule on a metric needs threshold = NUMBER: the value over "
                                        "which it fires"))
    if "metric" in values and "check" in values:
        src.fail(where + ("check",), _("a rule watches either a check or a metric; remove one"))
    for target in values.get("targets", ()):
        _known(src, where + ("targets",), target, names, _("target"))
    for tag in values.get("tags", ()):
        _known(src, where + ("tags",), tag, tags, _("tag"))
    return RuleConfig(**values, line=line_of(where))


def _route(src: Source, where: Path_, raw: Any, line_of) -> RouteConfig:
    values = _read_table(src, where, raw, ROUTE, "[[routes]]")
    if not values.get("channels"):
        src.fail(where, _('this [[routes]] entry sends nowhere; add channels = ["oncall-mail"]'))
    return RouteConfig(**values, line=line_of(where))


def _window(src: Source, where: Path_, raw: Any, line_of, names: set[str], tags: set[str]
            ) -> MaintenanceConfig:
    values = _read_table(src, where, raw, MAINTENANCE, "[[maintenance]]")
    if ("target" in values) == ("tag" in values):
        src.fail(where, _('a maintenance window covers one target or one tag: write target = "NAME" '
                          'or tag = "TAG"'))
    if "target" in values:
        _known(src, where + ("target",), values["target"], names, _("target"))
    else:
        _known(src, where + ("tag",), values["tag"], tags, _("tag"))
    if "reason" not in values:
        src.fail(where, _('a maintenance window needs reason = "..." (what is done in it)'))
    common = {"reason": values["reason"], "target": values.get("target"), "tag": values.get("tag"),
              "line": line_of(where)}
    if "every" in values:
        return MaintenanceConfig(**common, **_every(src, where + ("every",), values["every"]))
    if "from" not in values or "to" not in values:
        src.fail(where, _('a maintenance window has an end: write from = 2026-12-06T02:00:00 and '
                          'to = 2026-12-06T04:00:00, or every = "sunday 02:00-04:00"'))
    start, end = (_when(src, where + (key,), values[key]) for key in ("from", "to"))
    if end <= start:
        src.fail(where + ("to",), _("to must be after from"))
    return MaintenanceConfig(**common, starts_at=start, ends_at=end)


def _every(src: Source, where: Path_, text: str) -> dict[str, int]:
    found = _EVERY.fullmatch(text)
    day = found["day"].lower() if found else ""
    if not found or day not in WEEKDAYS:
        src.fail(where, _('every must read like "sunday 02:00-04:00" (a weekday, then a start and an '
                          "end time), got {got}").format(got=describe(text)))
    start = int(found["h1"]) * 60 + int(found["m1"])
    end = int(found["h2"]) * 60 + int(found["m2"])
    if start >= 24 * 60 or end > 24 * 60 or end == start:
        src.fail(where, _("every needs a start and a different end within the day (00:00-24:00)"))
    return {"weekday": WEEKDAYS.index(day), "start_min": start, "end_min": end}


def _when(src: Source, where: Path_, value: Any) -> float:
    from datetime import datetime

    if not isinstance(value, datetime):
        src.fail(where, _("{key} must be a date and time without quotes, like 2026-12-06T02:00:00 "
                          "(got {got})").format(key=where[-1], got=describe(value)))
    return value.timestamp() if value.tzinfo else value.astimezone().timestamp()
