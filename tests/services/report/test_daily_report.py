"""The daily report from a real inspection of this workstation (with the machine's PostgreSQL and
a late dump folder), a real SQLite store holding 24 h of samples and events, and real SOP runs:
the HTML parsed back, the PDF rasterised by poppler, the command line run as a user runs it.

The workstation's accounts are the test's own: its /etc/passwd, group, shadow, sudoers and
lastlog are files written here, shown to the account listing in a private mount namespace, so
the access section says the same on every machine."""

from __future__ import annotations

import dataclasses
import gzip
import math
import os
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from erpconsole.config import load_inventory
from erpconsole.services.inspect import run_inspection
from erpconsole.services.inspect_scope import REPORT_PARTS
from erpconsole.services.access.models import rules
from erpconsole.services.models import LOCAL_HOST, Event, Finding, Sample, Severity
from erpconsole.services.report import build_report, write_report
from erpconsole.services.report import fmt
from erpconsole.services.report.daily import DAY_S, thin
from erpconsole.services.report.html import render_html
from erpconsole.services.sop.models import (
    CHECK, FAILED, MANUAL, OPEN, PASSED, SopRun, SopSection, SopStep, SopTemplate, StepState,
)
from erpconsole.services.store import Store
from tests.conftest import require
from tests.limits import NEVER_CROSSED_TOML
from tests.dbservers import pg_admin  # noqa: F401 - the session fixture: PostgreSQL must answer
from tests.workstation import in_workstation, show_to_local_runner

HOSTILE = "<script>alert('x')</script> & co"
DB = "erp-db"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HEADINGS = ("Summary", "Hosts", "Databases", "Backups against RPO", "Access findings",
            "Open SOP runs and failed checks", "What changed since yesterday")

def _inventory(folder: Path, with_db: bool = True) -> Path:
    dumps = folder / "dumps"
    dumps.mkdir(exist_ok=True)
    dump = dumps / "erp.sql.gz"
    dump.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
    three_days_ago = time.time() - 3 * DAY_S
    os.utime(dump, (three_days_ago, three_days_ago))
    inv = folder / "inventory.toml"
    db = f'[[databases]]\nname = "{DB}"\nurl = "{PG_URL}"\n\n' if with_db else ""
    inv.write_text(f'{db}[[backups]]\nname = "erp dumps"\ntool = "dumpdir"\nrepo = "{dumps}"\nrpo_h = 26\n')
    return inv


@pytest.fixture(scope="module")
def inspection(tmp_path_factory, pg_admin):  # noqa: F811
    folder = tmp_path_factory.mktemp("inv")
    with pytest.MonkeyPatch.context() as patch:
        show_to_local_runner(patch, folder, admin=True)
        report = run_inspection(load_inventory(_inventory(folder)), parts=REPORT_PARTS)
    # The workstation under a hostile name: every path from a name to the page must escape it.
    host = dataclasses.replace(report.hosts[0], name=HOSTILE)
    return dataclasses.replace(report, hosts=(host, *report.hosts[1:]))


def _fill(store: Store, now: float) -> None:
    samples, events = [], []
    for i in range(0, int(DAY_S), 300):
        t = now - DAY_S + i + 1
        samples += [Sample(HOSTILE, "cpu.percent", 40 + 30 * math.sin(i / 7200), t),
                    Sample(HOSTILE, "mem.percent", 30 + 20 * i / DAY_S, t),
                    Sample(HOSTILE, "disk.used_percent", 60.0, t, "/"),
                    Sample(DB, "db.connections", 5 + i % 7, t),
                    Sample(DB, "db.commits_ps", 100 + i % 50, t),
                    Sample(DB, "db.cache_hit_percent", 99.0, t)]
    samples.append(Sample(HOSTILE, "cpu.percent", 100.0, now - 30 * 3600))  # older than the report
    events += [Event(now - 3600, HOSTILE, Severity.CRITICAL, "unreachable: <b>no route</b>", kind="health"),
               Event(now - 1800, HOSTILE, Severity.INFO, "back to ok", kind="health"),
               Event(now - 30 * 3600, HOSTILE, Severity.WARNING, "the day before yesterday", kind="health")]
    store.write_batch(samples, events)
    store.audit.append("db.cancel", DB, {"pid": 4242}, actor="alice")


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    _fill(s, time.time())
    yield s
    s.close()


def _runs() -> list[SopRun]:
    steps = (SopStep("disk", "Disks under 85%", CHECK, check="disk_usage"),
             SopStep("log", "Read the ERP error log", MANUAL))
    tpl = SopTemplate("daily-inspection", "Daily inspection <v2>", "1", sections=(SopSection("Hosts", steps),))
    now = time.time()
    failed = SopRun(1, tpl, now - 7200, "bob", (StepState("disk", FAILED, message="erp-app-1 / at 97%"),
                                                 StepState("log", PASSED)))
    still_open = SopRun(2, tpl, now - 600, "carol", (StepState("disk", PASSED), StepState("log", OPEN)))
    signed_ok = SopRun(3, tpl, now - 90000, "dave", (StepState("disk", PASSED), StepState("log", PASSED)),
                       signed_by="dave", signed_actor="dave", signed_ts=now - 80000)
    return [failed, still_open, signed_ok]


class _Page(HTMLParser):
    """What a reader of the HTML sees: headings, table rows, chart polylines, scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h2: list[str] = []
        self.rows: list[list[str]] = []
        self.polylines: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "h2"):
            self._in = tag
            (self.rows[-1] if tag == "td" else self.h2).append("")
        elif tag == "polyline":
            self.polylines.append(dict(attrs)["points"])

    def handle_endtag(self, tag):
        if tag in ("td", "h2"):
            self._in = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in == "td":
            self.rows[-1][-1] += data
        elif self._in == "h2":
            self.h2[-1] += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_html_has_every_section_the_host_row_charts_and_escapes(inspection, store):
    report = build_report(inspection, store, _runs())
    text = render_html(report)
    page = _parse(text)
    assert page.h2 == list(HEADINGS)
    assert "script" not in page.tags and "<script>" not in text  # the name came through as text
    host_row = next(r for r in page.rows if r and r[0] == HOSTILE)
    assert host_row[1] == "ok" and host_row[2].endswith("%") and host_row[4].startswith("/")
    db_row = next(r for r in page.rows if r and r[0] == DB)
    assert db_row[1] == "postgresql" and db_row[2] == "ok" and "/" in db_row[3]
    backup = next(r for r in page.rows if r and r[0] == "erp dumps")
    assert backup[2] == "critical" and backup[3].endswith(" d") and backup[4] == "26 h"
    # 3 host charts and 3 database charts, each with a point per 15-minute bucket of history.
    assert len(page.polylines) == 6
    for points in page.polylines:
        pairs = [tuple(map(float, p.split(","))) for p in points.split()]
        assert len(pairs) >= 90 and all(0 <= x <= 160 and 0 <= y <= 36 for x, y in pairs)
    assert "<b>no route</b>" in "".join(page.text) and "&lt;b&gt;" in text
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch


def test_summary_and_access_and_sops_say_what_the_inspection_found(inspection, store):
    report = build_report(inspection, store, _runs())
    assert report.status == "critical"  # the dump folder is three days old against a 26 h RPO
    assert dict(report.target_counts)["critical"] >= 1
    assert any(f.check == "backup.late" for f in report.findings)
    assert report.access.available and report.access.accounts >= 3
    local = next(s for s in inspection.access.extraction.sources if s.system == LOCAL_HOST)
    assert local.ok and local.rows == 3, local  # root, alice, bob: the test's own accounts
    found = {(f.check, f.message.removeprefix("os ")) for f in inspection.access.findings
             if f.target == LOCAL_HOST}
    assert found == {("access.privileged", "alice: member of sudo, not in approved_superusers"),
                     *{("access.never_logged_in", f"{n}: never logged in")
                       for n in ("root", "alice", "bob")}}
    alice = next(a for a in inspection.access.extraction.accounts if a.name == "alice")
    assert alice.privileges == ("GROUP sudo", "SUDO")  # the test's sudoers, not this machine's
    by_title = dict(report.access.by_rule)
    assert by_title[rules()["privileged"][0]] >= 1 and by_title[rules()["never_logged_in"][0]] >= 3
    assert [s.run_id for s in report.sops] == [2, 1]  # the signed, passed run is not "open"
    assert report.sops[1].failed == (("Disks under 85%", "erp-app-1 / at 97%"),)
    page = _parse(render_html(report))
    run = next(r for r in page.rows if r and r[0] == "#1")
    assert run[1] == "Daily inspection <v2>" and "Disks under 85%: erp-app-1 / at 97%" in run[6]


def test_changes_cover_the_last_24_hours_only(inspection, store):
    report = build_report(inspection, store, [])
    kinds = [(c.kind, c.message) for c in report.changes]
    assert kinds[0] == ("audit", "alice: db.cancel (pid 4242)")  # a sentence, not JSON
    assert ("health", "back to ok") in kinds and ("health", "unreachable: <b>no route</b>") in kinds
    assert all(m != "the day before yesterday" for _k, m in kinds)
    cpu = report.hosts[0].charts[0]
    assert cpu.title == "CPU" and max(v for _t, v in cpu.points) < 71  # the 100% of 30 h ago is out


def test_repeated_changes_fold_into_one_row_that_says_how_often(inspection, tmp_path):
    now = time.time()
    store = Store(f"sqlite:///{tmp_path / 'repeat.sqlite3'}")
    try:
        started = [Event(now - 600 + i * 60, HOSTILE, Severity.INFO, "This workstation is ok",
                         kind="health") for i in range(4)]
        store.write_batch([], [*started, Event(now - 60, HOSTILE, Severity.WARNING, "disk / at 91%",
                                               kind="health")])
        report = build_report(inspection, store, [], now=now)
    finally:
        store.close()
    assert [(c.message, c.count) for c in report.changes] == [
        ("disk / at 91%", 1), ("This workstation is ok", 4)]
    page = _parse(render_html(report))
    row = next(r for r in page.rows if r and r[-1].startswith("This workstation is ok"))
    assert row[-1] == f"This workstation is ok (4 times since {fmt.when(now - 600)})"


def test_a_flood_of_one_change_is_cut_before_it_is_folded(inspection, tmp_path):
    from erpconsole.services.report.daily import MAX_CHANGES

    now = time.time()
    store = Store(f"sqlite:///{tmp_path / 'flood.sqlite3'}")
    try:
        store.write_batch([], [Event(now - 3000 + i, HOSTILE, Severity.CRITICAL, "unreachable",
                                     kind="health") for i in range(MAX_CHANGES + 50)])
        report = build_report(inspection, store, [], now=now)
    finally:
        store.close()
    (row,) = report.changes
    assert row.count == MAX_CHANGES and report.changes_cut > 0
    assert row.ts == now - 3000 + MAX_CHANGES + 49  # the newest, and "since" the oldest kept
    assert row.first_ts == now - 3000 + 50


def test_access_findings_are_counted_under_their_titles(inspection, store):
    # Findings of every rule, one of them twice, rather than whatever this machine's accounts
    # happen to give (which may be none).
    catalogue = rules()
    first = next(iter(catalogue))
    findings = tuple(Finding(Severity.INFO, "erp-db", f"access.{rule}", "m")
                     for rule in (first, *catalogue))
    access = dataclasses.replace(inspection.access, findings=findings)
    report = build_report(dataclasses.replace(inspection, access=access), store, [])
    by_title = dict(report.access.by_rule)
    assert by_title == {title: 1 + (rule == first) for rule, (title, _text) in catalogue.items()}
    assert report.access.by_rule[0] == (catalogue[first][0], 2)  # the most found first
    assert not any("_" in t or t.islower() for t in by_title), by_title


def test_every_section_is_there_when_empty(tmp_path):
    inv = tmp_path / "empty.toml"
    inv.write_text("")
    report = build_report(run_inspection(load_inventory(inv), parts=REPORT_PARTS), store=None, sop_runs=None)
    page = _parse(render_html(report))
    assert page.h2 == list(HEADINGS)
    said = " ".join(page.text)
    for sentence in ("No databases configured.", "No backup sets configured.",
                     "SOP runs were not included in this report.", "No history: no metric store was given.",
                     "CPU: no history"):
        assert sentence in said
    assert page.polylines == []


def test_pdf_has_the_sections_and_draws_charts(inspection, store, tmp_path):
    require(shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None, "poppler-utils")
    out = tmp_path / "daily.pdf"
    write_report(build_report(inspection, store, _runs()), out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          timeout=30, check=True).stdout
    for heading in HEADINGS:
        assert heading in text
    for seen in (HOSTILE, DB, "erp dumps", "Daily inspection <v2>", "alice: db.cancel", "CPU, 24 h: mean"):
        assert seen in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(tmp_path / "page")], check=True, timeout=30)
    from PIL import Image

    first = np.asarray(Image.open(sorted(tmp_path.glob("page-*.png"))[0]).convert("RGB")).astype(int)
    # The chart line colour (31, 111, 178) is on the page: the polylines were drawn.
    r, g, b = first[..., 0], first[..., 1], first[..., 2]
    assert int(((abs(r - 31) < 40) & (abs(g - 111) < 40) & (b > 140)).sum()) > 50


def test_thin_averages_buckets_inside_the_window():
    ts = np.array([0.0, 10.0, 50.0, 99.0, 150.0])
    points = thin(ts, np.array([1.0, 3.0, 5.0, 7.0, 100.0]), 0.0, 100.0, buckets=2)
    assert points == ((5.0, 2.0), (74.5, 6.0))
    assert thin(np.empty(0), np.empty(0), 0.0, 1.0) == ()


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line on a workstation whose accounts are root and bob (no finding above
    info), whatever accounts this machine has."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = in_workstation([sys.executable, "-m", "erpconsole", *args], folder)
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env=env)


def test_cli_writes_the_html_report_and_keeps_the_exit_code(tmp_path):
    inv = _inventory(tmp_path, with_db=False)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    now = time.time()
    store.write_batch([Sample(LOCAL_HOST, "cpu.percent", 10 + i % 30, now - DAY_S + i * 600) for i in range(144)])
    from erpconsole.services.sop.service import SopService

    SopService(store.engine, None, audit=store.audit).start("security-review", actor="anna@ops")
    store.close()
    out = tmp_path / "out.html"
    r = _cli(tmp_path, "inspect", "--inventory", str(inv), "--store",
             f"sqlite:///{tmp_path / 'store.sqlite3'}", "--report", str(out))
    assert r.returncode == 2, r.stderr  # the late backup: CRITICAL, report or no report
    assert "erp dumps" in r.stdout  # the normal table still went to standard output
    page = _parse(out.read_text(encoding="utf-8"))
    assert page.h2 == list(HEADINGS)
    assert any(row and row[0] == LOCAL_HOST for row in page.rows)
    assert len(page.polylines) == 1  # CPU has history; memory and disk say "no history"
    assert "Security review" in out.read_text(encoding="utf-8")  # the open run from the store


def test_cli_pdf_without_a_store_says_no_history(tmp_path):
    require(shutil.which("pdftotext") is not None, "poppler-utils")
    inv = tmp_path / "local.toml"
    inv.write_text(f"[local.thresholds]\n{NEVER_CROSSED_TOML}")  # exit 0 whatever the load here
    out = tmp_path / "out.pdf"
    r = _cli(tmp_path, "inspect", "--inventory", str(inv), "--store",
             f"sqlite:///{tmp_path / 'missing.sqlite3'}", "--report", str(out))
    assert r.returncode == 0, r.stderr
    assert "no metric store" in r.stderr and not (tmp_path / "missing.sqlite3").exists()
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, timeout=30).stdout
    assert "CPU: no history" in text and "No backup sets configured." in text
    bad = _cli(tmp_path, "inspect", "--inventory", str(inv), "--report", str(tmp_path / "no" / "such" / "dir.html"))
    assert bad.returncode == 3 and "cannot write" in bad.stderr
