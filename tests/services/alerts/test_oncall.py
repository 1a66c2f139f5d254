"""Who is on call: weekly rotation arithmetic in a real time zone (across a handover and a
change of summer time), explicit shifts over the rotation, the rota's refusals with FILE:LINE,
and a route to "oncall" / "second" naming that person's contact in the outbox through the real
AlertService on a real store, with a missed time to respond recorded and counted."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from erpconsole.config import InventoryError, load_inventory
from erpconsole.services.alerts.oncall import on_call_at
from erpconsole.services.models import Health

from .conftest import INVENTORY, Clock, status

PEOPLE = """
[[people]]
name = "ana"
email = "ana@example.org"
mobile = "13800000001"

[[people]]
name = "bo"
email = "bo@example.org"
mobile = "13800000002"
dingtalk = "bo-dt"

[[people]]
name = "chen"
email = "chen@example.org"
mobile = "13800000003"
"""

BERLIN = PEOPLE + """
[oncall]
time_zone = "Europe/Berlin"
start = 2026-10-12
handover = "monday 09:00"
people = ["ana", "bo", "chen"]
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "inv.toml"
    path.write_text(text, encoding="utf-8")
    return load_inventory(path)


def _at(text: str, zone: str = "UTC") -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def test_rotation_hands_over_at_the_local_hour_across_a_change_of_summer_time(tmp_path: Path) -> None:
    rota = _load(tmp_path, BERLIN).oncall
    # Week 1 from Monday 2026-10-12 09:00 CEST (07:00 UTC); week 2 from 10-19 09:00 CEST.
    assert on_call_at(rota, _at("2026-10-12T06:59")).person is None  # before the first handover
    assert (on_call_at(rota, _at("2026-10-12T07:00")).person, on_call_at(rota, _at("2026-10-12T07:00")).second) \
        == ("ana", "bo")
    assert on_call_at(rota, _at("2026-10-19T06:59")).person == "ana"
    assert on_call_at(rota, _at("2026-10-19T07:00")).person == "bo"
    # Summer time ends on Sunday 2026-10-25: Monday's 09:00 is CET, 08:00 UTC. Counting seven
    # days of seconds from a CEST handover would hand over at 07:00 UTC (08:00 local).
    assert on_call_at(rota, _at("2026-10-26T07:30")).person == "bo"
    now = on_call_at(rota, _at("2026-10-26T08:00"))
    assert (now.person, now.second) == ("chen", "ana")
    assert now.since == _at("2026-10-26T09:00", "Europe/Berlin")
    assert now.until == _at("2026-11-02T09:00", "Europe/Berlin")
    assert now.until - now.since == 7 * 86400
    assert on_call_at(rota, _at("2026-11-02T08:00")).person == "ana"  # around again


def test_explicit_shifts_override_the_rotation(tmp_path: Path) -> None:
    rota = _load(tmp_path, BERLIN + """
[[oncall.shifts]]
from = 2026-10-20T18:00:00
to = 2026-10-22T09:00:00
person = "chen"
""").oncall
    local = "Europe/Berlin"
    assert on_call_at(rota, _at("2026-10-20T17:59", local)).person == "bo"
    assert on_call_at(rota, _at("2026-10-20T17:59", local)).until == _at("2026-10-20T18:00", local)
    shift = on_call_at(rota, _at("2026-10-21T03:00", local))
    assert (shift.person, shift.second, shift.shift) == ("chen", "bo", True)  # bo's week: bo is second
    assert on_call_at(rota, _at("2026-10-22T09:00", local)).person == "bo"


@pytest.mark.parametrize(("extra", "line", "words"), [
    ('\n[[oncall.shifts]]\nfrom = 2026-10-20T18:00:00\nto = 2026-10-22T09:00:00\nperson = "dave"\n',
     27, '"dave" is not in [[people]]'),
    ('\n[[oncall.shifts]]\nfrom = 2026-10-20T18:00:00\nperson = "bo"\n', 24, "a shift has a start and an end"),
    ('\n[[oncall.shifts]]\nfrom = 2026-10-20T18:00:00\nto = 2026-10-22T09:00:00\nperson = "bo"\n'
     '\n[[oncall.shifts]]\nfrom = 2026-10-21T18:00:00\nto = 2026-10-23T09:00:00\nperson = "ana"\n',
     29, "overlaps the one on line 24"),
])
def test_a_bad_rota_is_refused_with_file_and_line(tmp_path: Path, extra: str, line: int, words: str) -> None:
    with pytest.raises(InventoryError) as err:
        _load(tmp_path, BERLIN + extra)
    assert err.value.line == line, str(err.value)
    assert words in err.value.message


def test_a_rotation_with_no_people_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InventoryError) as err:
        _load(tmp_path, BERLIN.replace('people = ["ana", "bo", "chen"]', "people = []"))
    assert (err.value.line, "this rotation has no people" in err.value.message) == (22, True)


# 1_800_000_000 is Friday 2027-01-15 16:00 in Shanghai: the handover of this rota.
ROTA = PEOPLE + """
[oncall]
time_zone = "Asia/Shanghai"
start = 2027-01-08
handover = "friday 16:00"
people = ["ana", "bo", "chen"]
"""


@pytest.mark.integration
def test_route_to_oncall_names_the_person_then_escalates_to_the_second_and_records_the_miss(
        make_service) -> None:
    inventory = (INVENTORY.replace('escalate_to = ["lead-dingtalk"]', 'person = "oncall"\n'
                                   'escalate_to = ["lead-dingtalk"]\nescalate_person = "second"')
                 .replace("repeat_s = 3600", 'repeat_s = 3600\n\n[alerts.respond_within]\n'
                          'critical = "5m"') + ROTA)
    clock = Clock(1_800_000_000.0 - 150)  # 15:57:30 local: ana's week, bo second
    service = make_service(inventory, clock=clock)
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    clock.advance(5)
    service.observe(status(Health.UNREACHABLE))
    [row] = service.store.alerts()
    fired = {ch: json.loads(p) for _a, t, ch, p, *_r in service.store.outbox(row.id) if t == "firing"}
    assert {k: fired["oncall-mail"][k] for k in ("person", "role", "to")} == {
        "person": "ana", "role": "oncall", "to": "ana@example.org"}
    assert "person" not in fired["hook"] or fired["hook"]["person"] == "ana"
    clock.advance(299)  # 4 min 59 s after firing, and past the 16:00 handover
    service.tick()
    assert [t for _a, t, *_r in service.store.outbox(row.id)].count("escalated") == 0
    assert service.store.missed_responses() == {}
    clock.advance(1)
    service.tick()
    service.tick()
    [escalated] = [json.loads(p) for _a, t, ch, p, *_r in service.store.outbox(row.id) if t == "escalated"]
    # bo took over at 16:00, so the second in line at the escalation is chen, on DingTalk by mobile.
    assert {k: escalated[k] for k in ("person", "role", "to", "mention")} == {
        "person": "chen", "role": "second", "to": None, "mention": "13800000003"}
    notes = [n for n in service.store.notes(row.id) if n[2] == "missed_response"]
    assert len(notes) == 1 and "5 min" in notes[0][3]
    month = datetime.fromtimestamp(clock.now).astimezone().strftime("%Y-%m")
    assert service.store.missed_responses() == {month: 1}


@pytest.mark.integration
def test_acknowledged_in_time_is_no_missed_response(make_service) -> None:
    inventory = INVENTORY.replace("repeat_s = 3600", 'repeat_s = 3600\n\n'
                                  '[alerts.respond_within]\ncritical = "5m"')
    clock = Clock()
    service = make_service(inventory, clock=clock)
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    clock.advance(5)
    service.observe(status(Health.UNREACHABLE))
    [row] = service.store.alerts()
    clock.advance(240)
    service.store.ack(row.id, "ann@desk", "on it", clock.now)
    clock.advance(600)
    service.tick()
    assert service.store.missed_responses() == {}
    assert [t for _a, t, *_r in service.store.outbox(row.id)] == ["firing", "firing"]
