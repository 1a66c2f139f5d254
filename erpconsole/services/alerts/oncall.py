"""Who is on call at a moment, and how to reach them on a channel.

The weekly rotation counts handovers on the rota's own calendar (zoneinfo): a handover is on
its weekday at its hour in that time zone, whatever the UTC offset that week, so a change to
or from summer time moves nothing. An explicit shift covering the moment overrides the rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from erpconsole.config.oncall_models import OncallConfig, PersonConfig

ROBOTS = ("dingtalk", "wecom", "feishu")


@dataclass(frozen=True, slots=True)
class OnCall:
    person: str | None
    second: str | None
    since: float | None  # when this person's turn began (the handover or the shift's start)
    until: float | None  # the next handover or the shift's end
    shift: bool = False  # from an explicit shift rather than the rotation

    def as_json(self) -> dict:
        return {"oncall": self.person, "second": self.second, "since": self.since, "until": self.until,
                "from_shift": self.shift}


def _handover(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def rotation_at(rota: OncallConfig, at: float) -> OnCall:
    """The rotation alone: whose week it is at ``at`` (epoch seconds)."""
    if not rota.order or rota.start is None:
        return OnCall(None, rota.second, None, None)
    tz = ZoneInfo(rota.time_zone)
    start = date.fromisoformat(rota.start)
    first = start + timedelta(days=(rota.handover_weekday - start.weekday()) % 7)
    local = datetime.fromtimestamp(at, tz)
    day = local.date() - timedelta(days=(local.weekday() - rota.handover_weekday) % 7)
    if local < _handover(day, rota.handover_hour, tz):
        day -= timedelta(days=7)
    if day < first:
        return OnCall(None, rota.second, None, _handover(first, rota.handover_hour, tz).timestamp())
    n = len(rota.order)
    turn = ((day - first).days // 7) % n
    person = rota.order[turn]
    second = rota.second or (rota.order[(turn + 1) % n] if n > 1 else None)
    if second == person:
        second = None
    since = _handover(day, rota.handover_hour, tz).timestamp()
    until = _handover(day + timedelta(days=7), rota.handover_hour, tz).timestamp()
    return OnCall(person, second, since, until)


def on_call_at(rota: OncallConfig, at: float) -> OnCall:
    """Who is on call at ``at``: an explicit shift first, else the rotation."""
    rotation = rotation_at(rota, at)
    for shift in rota.shifts:
        if shift.starts_at <= at < shift.ends_at:
            # The shift's own second, else the one whose week it is (they know what is going on).
            second = next((p for p in (shift.second, rotation.person, rotation.second)
                           if p is not None and p != shift.person), None)
            return OnCall(shift.person, second, shift.starts_at, shift.ends_at, shift=True)
    if rotation.until is not None:  # a shift starting before the next handover ends this turn
        nxt = min((s.starts_at for s in rota.shifts if at < s.starts_at < rotation.until), default=None)
        if nxt is not None:
            return OnCall(rotation.person, rotation.second, rotation.since, nxt)
    return rotation


def contact(person: PersonConfig, kind: str) -> dict:
    """What a sender of ``kind`` needs to reach ``person``: ``to`` (the e-mail address, or the
    user id on a chat service) and ``mention`` (the mobile number a chat robot @-mentions)."""
    if kind == "email":
        return {"to": person.email, "mention": None}
    if kind in ROBOTS:  # the user id on that service (None: not given), the mobile to @-mention
        return {"to": getattr(person, kind), "mention": person.mobile}
    return {"to": person.mobile or person.email, "mention": person.mobile}


def recipients(inventory, role: str | None, channels, at: float) -> dict[str, dict]:
    """{channel: payload fields} naming the person in ``role`` ("oncall" | "second") at ``at``
    and their contact on each channel; {} with no role or nobody in it."""
    if role is None or inventory.oncall is None:
        return {}
    now = on_call_at(inventory.oncall, at)
    name = now.person if role == "oncall" else now.second
    people = {p.name: p for p in inventory.people}
    if name not in people:
        return {}
    kinds = {c.name: c.kind for c in inventory.channels}
    return {ch: {"person": name, "role": role, **contact(people[name], kinds.get(ch, ""))}
            for ch in channels}


def report(inventory, at: float, fmt: str = "table") -> tuple[int, str, str]:
    """``erpconsole alerts oncall``: (exit code, stdout, stderr)."""
    import json

    from erpconsole.i18n import _

    if inventory.oncall is None:
        return 3, "", _("erpconsole: {path} has no [oncall] rota; add [[people]] and [oncall] (see the "
                        "README)").format(path=inventory.path or _("the inventory"))
    now = on_call_at(inventory.oncall, at)
    if fmt == "json":
        people = {p.name: p for p in inventory.people}
        out = {**now.as_json(), "at": at, "time_zone": inventory.oncall.time_zone,
               "contacts": {name: {k: getattr(people[name], k) for k in
                                   ("email", "mobile", "dingtalk", "wecom", "feishu")}
                            for name in (now.person, now.second) if name in people}}
        return 0, json.dumps(out, ensure_ascii=False, indent=1) + "\n", ""
    tz = ZoneInfo(inventory.oncall.time_zone)

    def when(ts: float | None) -> str:
        return datetime.fromtimestamp(ts, tz).isoformat(timespec="minutes") if ts is not None else "-"

    lines = [_("on call: {person} (since {since}, until {until})").format(
                 person=now.person or _("nobody"), since=when(now.since), until=when(now.until)),
             _("second in line: {person}").format(person=now.second or _("nobody"))]
    return 0, "\n".join(lines) + "\n", ""
