"""``erpconsole alerts oncall [--at ISO] [--format json]`` as a person runs it: a real subprocess
reading a real inventory; a bad rota exits 3 with FILE:LINE."""

from __future__ import annotations

import json
from pathlib import Path

from tests.services.alerts.test_oncall import ROTA
from tests.test_cli import run

SHIFT = """
[[oncall.shifts]]
from = 2027-01-20T18:00:00
to = 2027-01-22T09:00:00
person = "ana"
"""


def test_who_is_on_call_at_a_moment_in_json_and_as_text(tmp_path: Path) -> None:
    inv = tmp_path / "inv.toml"
    inv.write_text(ROTA + SHIFT, encoding="utf-8")
    done = run("alerts", "oncall", "--inventory", str(inv), "--at", "2027-01-15T15:59", "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["oncall"], out["second"], out["from_shift"]) == ("ana", "bo", False)
    assert out["contacts"]["ana"]["email"] == "ana@example.org"
    done = run("alerts", "oncall", "--inventory", str(inv), "--at", "2027-01-21T12:00+08:00")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["on call: ana (since 2027-01-20T18:00+08:00, until 2027-01-22T09:00+08:00)",
                                        "second in line: bo"]


def test_a_shift_naming_nobody_known_exits_3_with_file_and_line(tmp_path: Path) -> None:
    inv = tmp_path / "inv.toml"
    text = ROTA + SHIFT.replace('person = "ana"', 'person = "dave"')
    inv.write_text(text, encoding="utf-8")
    done = run("alerts", "oncall", "--inventory", str(inv))
    line = text.splitlines().index('person = "dave"') + 1
    assert done.returncode == 3
    assert f'{inv}:{line}: "dave" is not in [[people]]' in done.stderr


def test_no_rota_says_what_to_add(tmp_path: Path) -> None:
    inv = tmp_path / "inv.toml"
    inv.write_text("[alerts]\nwarn = true\n", encoding="utf-8")
    done = run("alerts", "oncall", "--inventory", str(inv))
    assert done.returncode == 3 and "no [oncall] rota" in done.stderr
