"""The rota's part of the inventory: ``[[people]]`` (a name and a contact per channel) and
``[oncall]`` (a weekly rotation and explicit ``[[oncall.shifts]]``, a second in line), and the
``[alerts.respond_within]`` durations. Every refusal names FILE:LINE."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erpconsole.config.fields import Source, clip, describe, read_name, read_names_list, read_text
from erpconsole.config.lines import Path_
from erpconsole.config.oncall_models import OncallConfig, PersonConfig, ShiftConfig
from erpconsole.config.schema import read_table
from erpconsole.i18n import _

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ROLES = ("oncall", "second")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_HANDOVER = re.compile(r"\s*(?P<day>[a-z]+)\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s*$", re.I)

PERSON = {"name": read_name, "email": read_text, "mobile": read_text, "dingtalk": read_text,
          "wecom": read_text, "feishu": read_text}
ONCALL = {"time_zone": read_text, "start": lambda s, w, v: v, "handover": read_text,
          "people": read_names_list, "second": read_text, "shifts": lambda s, w, v: v}
SHIFT = {"from": lambda s, w, v: v, "to": lambda s, w, v: v, "person": read_text, "second": read_text}


def read_duration(src: Source, where: Path_, value: Any) -> float:
    """``"15m"``, ``"4h"``, ``"1h30m"`` or a number of seconds; more than 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = value if isinstance(value, str) else ""
        parts = _DURATION.findall(text)
        if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", text):
            src.fail(where, _('{key} must read like "15m", "4h" or "1h30m" (got {got})').format(
                key=where[-1], got=describe(value)))
        seconds = sum(float(n) * _UNIT_S[u.lower()] for n, u in parts)
    if not 0 < seconds <= 30 * 86400:
        src.fail(where, _("{key} must be more than 0 and at most 30 days (got {got})").format(
            key=where[-1], got=describe(value)))
    return seconds


def read_respond_within(src: Source, where: Path_, raw: Any) -> tuple[tuple[str, float], ...]:
    spec = {sev: read_duration for sev in ("warning", "critical")}
    values = read_table(src, where, raw, spec, (), "[alerts.respond_within]")
    return tuple(values.items())


def read_people(src: Source, doc: dict[str, Any], line_of) -> tuple[PersonConfig, ...]:
    raw = doc.get("people", [])
    if not isinstance(raw, list):
        src.fail(("people",), _("write each person as their own [[people]] table (two brackets)"))
    people: list[PersonConfig] = []
    for i, item in enumerate(raw):
        values = read_table(src, ("people", i), item, PERSON, ("name",), "[[people]]")
        for other in people:
            if other.name == values["name"]:
                src.fail(("people", i, "name"), _(
                    'person "{name}" is already given on line {line}; write each person once').format(
                    name=values["name"], line=other.line))
        people.append(PersonConfig(**values, line=line_of(("people", i))))
    return tuple(people)


def _who(src: Source, where: Path_, name: str, people: set[str]) -> str:
    if name not in people:
        src.fail(where, _('"{name}" is not in [[people]]; known: {known}').format(
            name=clip(name), known=", ".join(sorted(people)) or _("none")))
    return name


def read_oncall(src: Source, doc: dict[str, Any], line_of, people: set[str]) -> OncallConfig | None:
    raw = doc.get("oncall")
    if raw is None:
        return None
    where: Path_ = ("oncall",)
    values = read_table(src, where, raw, ONCALL, (), "[oncall]")
    zone = values.get("time_zone", "UTC")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        src.fail(where + ("time_zone",), _('time_zone "{zone}" is not a time zone this machine knows; '
                                           'write one like "Asia/Shanghai" or "UTC"').format(zone=clip(zone)))
    order = values.get("people", ())
    for name in order:
        _who(src, where + ("people",), name, people)
    second = values.get("second")
    if second is not None:
        _who(src, where + ("second",), second, people)
    shifts = _shifts(src, values.get("shifts", []), tz, people, line_of)
    rotation = any(key in values for key in ("people", "start", "handover"))
    if rotation and not order:
        src.fail(where + (("people",) if "people" in values else ()), _(
            'this rotation has no people: write people = ["ana", "bo"] (names of [[people]], in the '
            "order they take their weeks)"))
    if not order and not shifts:
        src.fail(where, _('this rota has no people: add people = ["ana", "bo"] (the rotation\'s order) '
                          "or [[oncall.shifts]] with from, to and person"))
    start = values.get("start")
    if order and start is None:
        src.fail(where, _("a rotation needs start = 2026-11-30 (the date of its first handover)"))
    if start is not None and (not isinstance(start, date) or isinstance(start, datetime)):
        src.fail(where + ("start",), _("start must be a date without quotes, like 2026-11-30 (got {got})").format(
            got=describe(start)))
    day, hour = _handover(src, where + ("handover",), values.get("handover", "monday 09:00"))
    return OncallConfig(zone, start.isoformat() if start else None, day, hour, order, second,
                        shifts, line_of(where))


def _handover(src: Source, where: Path_, text: str) -> tuple[int, int]:
    found = _HANDOVER.fullmatch(text)
    if not found or found["day"].lower() not in WEEKDAYS or int(found["h"]) > 23 or found["m"] != "00":
        src.fail(where, _('handover must read like "monday 09:00" (a weekday and a whole hour), got {got}').format(
            got=describe(text)))
    return WEEKDAYS.index(found["day"].lower()), int(found["h"])


def _when(src: Source, where: Path_, value: Any, tz: ZoneInfo) -> float:
    if not isinstance(value, datetime):
        src.fail(where, _("{key} must be a date and time without quotes, like 2026-12-06T09:00:00 "
                          "(got {got})").format(key=where[-1], got=describe(value)))
    return (value if value.tzinfo else value.replace(tzinfo=tz)).timestamp()


def _shifts(src: Source, raw: Any, tz: ZoneInfo, people: set[str], line_of) -> tuple[ShiftConfig, ...]:
    if not isinstance(raw, list):
        src.fail(("oncall", "shifts"), _("write each shift as its own [[oncall.shifts]] table"))
    out: list[ShiftConfig] = []
    for i, item in enumerate(raw):
        where: Path_ = ("oncall", "shifts", i)
        values = read_table(src, where, item, SHIFT, (), "[[oncall.shifts]]")
        if "person" not in values:
            src.fail(where, _('this shift names nobody: add person = "NAME" (one of [[people]])'))
        if "from" not in values or "to" not in values:
            src.fail(where, _("a shift has a start and an end: write from = 2026-12-24T18:00:00 and "
                              "to = 2026-12-27T09:00:00"))
        start, end = _when(src, where + ("from",), values["from"], tz), _when(src, where + ("to",), values["to"], tz)
        if end <= start:
            src.fail(where + ("to",), _("to must be after from"))
        person = _who(src, where + ("person",), values["person"], people)
        second = values.get("second")
        if second is not None:
            _who(src, where + ("second",), second, people)
        shift = ShiftConfig(start, end, person, second, line_of(where))
        for other in out:
            if start < other.ends_at and other.starts_at < end:
                src.fail(where, _("this shift overlaps the one on line {line}; shifts may not overlap "
                                  "(one person on call at a time)").format(line=other.line))
        out.append(shift)
    return tuple(out)


def check_route_people(src: Source, routes, oncall: OncallConfig | None) -> None:
    """A route that sends to "oncall" or "second" needs a rota, and one of those two words."""
    for i, route in enumerate(routes):
        for key in ("person", "escalate_person"):
            value = getattr(route, key)
            if value is None:
                continue
            if value not in ROLES:
                src.fail(("routes", i, key), _('{key} is "oncall" or "second" (got {got})').format(
                    key=key, got=describe(value)))
            if oncall is None:
                src.fail(("routes", i, key), _('{key} = "{value}" needs a rota: add [oncall] and '
                                               "[[people]]").format(key=key, value=value))
