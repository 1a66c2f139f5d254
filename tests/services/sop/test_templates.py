"""SOP template files: every bundled one parses, and each kind of mistake is refused with its
own message on the line where it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpconsole.services.sop import schedule
from erpconsole.services.sop.checks import CHECKS
from erpconsole.services.sop.models import APPROVAL, CHECK, STEP_KINDS
from erpconsole.services.sop.templates import (
    SopTemplateError, bundled_paths, load_templates, parse_schedule, parse_template,
)

GOOD = '''id = "month-close"
title = "Month-end close"
version = 2
schedule = "monthly 1 09:00"

[[sections]]
title = "Before"

  [[sections.steps]]
  id = "disk"
  title = "Disks below 70%"
  kind = "check"
  check = "hosts_disk_below"
  params = { max_percent = 70 }
  why = "room for the closing jobs"

  [[sections.steps]]
  id = "sign"
  title = "Finance signs"
  kind = "approval"
  role = "Controller"
'''

EXPECTED = {"daily-inspection", "weekly-database-maintenance", "backup-restore-drill",
            "patch-and-upgrade", "security-review", "incident-response", "staff-offboarding"}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> tuple[int | None, str]:
    path = write(tmp_path, "t.sop.toml", text)
    with pytest.raises(SopTemplateError) as caught:
        parse_template(path)
    assert caught.value.error.path == str(path)
    assert str(caught.value).startswith(f"{path}:")
    return caught.value.error.line, caught.value.error.message


def test_every_bundled_template_parses_and_uses_checks_that_exist():
    templates, errors = load_templates([], bundled=True)
    assert errors == []
    assert {t.id for t in templates} == EXPECTED
    assert len(bundled_paths()) == len(EXPECTED)
    for t in templates:
        assert t.bundled and t.sections and t.version
        ids = [s.id for s in t.steps]
        assert len(ids) == len(set(ids)), t.id
        for step in t.steps:
            assert step.kind in STEP_KINDS and step.why, (t.id, step.id)
            assert step.line and step.line > 1
            if step.kind == CHECK:
                assert step.check in CHECKS
            if step.kind == APPROVAL:
                assert step.role
        if t.schedule:
            parse_schedule(t.schedule)
            schedule.parse_schedule(t.schedule)  # the scheduler reads the same text
    by_id = {t.id: t for t in templates}
    daily = by_id["daily-inspection"]
    assert [s.title for s in daily.sections] == [
        "Hardware and resources", "Database health", "Logs", "Backups", "Accounts", "Close"]
    disk = next(s for s in daily.steps if s.id == "disk")
    assert disk.check == "hosts_disk_below" and disk.params == (("max_percent", "85"),)
    # The line of a step is its [[sections.steps]] header in the file.
    text = Path(daily.source).read_text(encoding="utf-8").splitlines()
    assert text[disk.line - 1].strip() == "[[sections.steps]]"
    assert text[disk.line].strip() == 'id = "disk"'


def test_a_good_template_reads_whole(tmp_path):
    t = parse_template(write(tmp_path, "close.sop.toml", GOOD))
    assert (t.id, t.title, t.version, t.schedule, t.bundled) == (
        "month-close", "Month-end close", "2", "monthly 1 09:00", False)
    disk, sign = t.steps
    assert (disk.kind, disk.check, disk.params, disk.why, disk.line) == (
        "check", "hosts_disk_below", (("max_percent", "70"),), "room for the closing jobs", 9)
    assert (sign.kind, sign.role, sign.line) == ("approval", "Controller", 17)


@pytest.mark.parametrize("old, new, line, words", [
    ('kind = "check"', 'knd = "check"', 12, ['unknown key "knd"', 'did you mean "kind"']),
    ('title = "Month-end close"\n', '', 1, ["has no title"]),
    ('id = "month-close"\n', '', 1, ["has no id"]),
    ('  kind = "approval"\n', '', 17, ["has no kind"]),
    ('kind = "approval"', 'kind = "aproval"', 20, ['unknown kind "aproval"', 'did you mean "approval"',
                                                    "manual, check, action, approval"]),
    ('  check = "hosts_disk_below"\n', '', 9, ["names its check", "hosts_reachable"]),
    ('check = "hosts_disk_below"', 'check = "host_disk_below"', 13,
     ['no check named "host_disk_below"', 'did you mean "hosts_disk_below"', "backups_within_rpo"]),
    ('max_percent = 70', 'max_pct = 70', 14, ['no parameter "max_pct"', "max_percent"]),
    ('max_percent = 70', 'max_percent = 170', 14, ["max_percent must be a number from 0 to 100"]),
    ('schedule = "monthly 1 09:00"', 'schedule = "monthly 1 9h"', 4, ['"9h" is not a time of day']),
    ('schedule = "monthly 1 09:00"', 'schedule = "weekly mnday 09:00"', 4, ['"mnday" is not a day of the week']),
    ('schedule = "monthly 1 09:00"', 'schedule = "every day"', 4, ['schedule "every day" is not understood']),
    ('id = "sign"', 'id = "disk"', 18, ['step id "disk" is used twice (first on line 10)']),
    ('  role = "Controller"\n', '', 17, ["approval step names who signs", "role ="]),
    ('  role = "Controller"\n', '  role = "Controller"\n  check = "hosts_reachable"\n', 22,
     ['check belongs to kind = "check" steps']),
    ('title = "Month-end close"', 'title = "Month-end close', 2, ["not valid TOML", "at column"]),
])
def test_each_mistake_names_its_line(tmp_path, old, new, line, words):
    assert old in GOOD
    got_line, message = refused(tmp_path, GOOD.replace(old, new, 1))
    assert got_line == line, message
    for word in words:
        assert word in message


def test_empty_sections_are_refused(tmp_path):
    line, message = refused(tmp_path, 'id = "x"\ntitle = "X"\n')
    assert "has no sections" in message
    body = 'id = "x"\ntitle = "X"\n\n[[sections]]\ntitle = "Nothing here"\n'
    line, message = refused(tmp_path, body)
    assert (line, 'section "Nothing here" has no steps' in message) == (4, True)


def test_user_template_overrides_bundled_and_a_second_user_copy_is_refused(tmp_path):
    first, second = tmp_path / "team", tmp_path / "share"
    first.mkdir()
    second.mkdir()
    mine = GOOD.replace('"month-close"', '"daily-inspection"').replace("Month-end close", "Our daily round")
    a = write(first, "a.sop.toml", mine)
    b = write(second, "b.sop.toml", "# the shared copy\n" + mine)
    write(first, "notes.txt", "not a template")
    templates, errors = load_templates([first, second, tmp_path / "not-mounted"])
    daily = next(t for t in templates if t.id == "daily-inspection")
    assert (daily.title, daily.source, daily.bundled) == ("Our daily round", str(a), False)
    assert len(templates) == len(EXPECTED)
    assert [(e.path, e.line) for e in errors] == [(str(b), 2), (str(tmp_path / "not-mounted"), None)]
    assert str(a) in errors[0].message and 'id "daily-inspection" is already used' in errors[0].message
    assert "does not exist" in errors[1].message


def test_a_broken_user_file_does_not_hide_the_others(tmp_path):
    write(tmp_path, "good.sop.toml", GOOD)
    bad = write(tmp_path, "bad.sop.toml", GOOD.replace('kind = "check"', 'kind = "chek"'))
    templates, errors = load_templates([tmp_path], bundled=False)
    assert [t.id for t in templates] == ["month-close"]
    assert [str(e) for e in errors] == [
        f'{bad}:12: unknown kind "chek" (did you mean "check"?); a step is one of manual, check, action, approval']


def test_schedules():
    assert parse_schedule("daily 08:30").hour == 8
    weekly = parse_schedule("Weekly Friday 17:05")
    assert (weekly.every, weekly.weekday, weekly.hour, weekly.minute) == ("weekly", 4, 17, 5)
    assert parse_schedule("monthly 31 23:59").day == 31
    for bad in ("monthly 32 09:00", "daily 24:00", "weekly 09:00", "weekly mnday 09:00", ""):
        for parse in (parse_schedule, schedule.parse_schedule):  # the validator and the scheduler agree
            with pytest.raises(ValueError):
                parse(bad)


def test_a_deeply_nested_template_in_a_team_folder_is_an_error_with_its_line(tmp_path):
    """A shared drive's file nested 5,000 deep: tomllib's RecursionError stopped the whole
    listing; now it is one error with its line, and the other templates still load."""
    team = tmp_path / "team"
    team.mkdir()
    deep = write(team, "deep.sop.toml", 'id = "deep"\ntitle = "Deep"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    big = write(team, "big.sop.toml", 'id = "' + "B" * (2 * 1024 * 1024) + '"\ntitle = "Big"\n')
    templates, errors = load_templates([team])
    assert len(templates) == len(EXPECTED)
    by_path = {e.path: e for e in errors}
    assert by_path[str(deep)].line == 3 and "nested more than 32 deep" in by_path[str(deep)].message
    assert by_path[str(big)].line == 1 and "… (2.0 MB)" in by_path[str(big)].message
    assert len(by_path[str(big)].message) < 500
