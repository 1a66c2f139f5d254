"""The report reads the store it names: a console that ran ten minutes left about 1,700 samples,
and the report's charts must draw them (they once said "no history", the ten minutes falling into
one of 96 fixed 15-minute slots). Without samples the caption names the store it looked in."""

from __future__ import annotations

import dataclasses
import re

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.inspect import run_inspection
from erpconsole.services.models import LOCAL_HOST
from erpconsole.services.report import build_report, fmt, write_inspection_report
from erpconsole.services.report.html import render_html
from erpconsole.services.store import Store
from tests.services.report.test_daily_report import _parse


@pytest.fixture(scope="module")
def workstation(tmp_path_factory):
    inv = tmp_path_factory.mktemp("inv") / "empty.toml"
    inv.write_text("")
    return run_inspection(load_inventory(inv))


def _ten_minutes(store: Store, snap, now: float) -> int:
    """What the console writes in ten minutes at a 5 s interval: every series of the snapshot."""
    batch = [dataclasses.replace(s, ts=now - 600 + i * 5) for i in range(121) for s in snap.samples()]
    store.write_batch(batch)
    store.maintain(now)  # the writer rolls minutes up as it goes: read across the watermark
    return len(batch)


def test_ten_minutes_of_samples_draw_a_chart_across_its_width(workstation, tmp_path):
    now = 1_800_000_030.0  # a fixed clock: where the minute rollups fall never varies
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        assert _ten_minutes(store, workstation.hosts[0].snapshot, now) > 1000
        report = build_report(workstation, store, [], now=now)
    finally:
        store.close()
    cpu = report.hosts[0].charts[0]
    assert not cpu.empty and len(cpu.points) >= 20, cpu.points
    assert cpu.points[0][0] - (now - 600) < 60 and now - cpu.points[-1][0] < 60
    # The first minute is read from its rollup, which starts on the minute.
    assert re.match(r"CPU, last 10(\.\d)? min: mean \d+%, max \d+%$", fmt.chart_caption(cpu))
    page = _parse(render_html(report))
    xs = [float(p.split(",")[0]) for p in page.polylines[0].split()]
    assert xs[0] < 10 and xs[-1] > 150  # the line spans the box, not one pixel at its right edge


def test_the_header_names_the_store_and_an_empty_target_says_where_it_looked(workstation, tmp_path):
    path = tmp_path / "store.sqlite3"
    Store(f"sqlite:///{path}").close()  # a store that holds nothing for this workstation
    out = tmp_path / "report.html"
    assert write_inspection_report(workstation, out, f"sqlite:///{path}", sop_runs=[]) == []
    said = " ".join(_parse(out.read_text(encoding="utf-8")).text)
    assert f"History from {path}" in said
    assert f"CPU: no samples in {path}" in said


def test_the_header_says_which_store_was_missing(workstation, tmp_path):
    missing = tmp_path / "nowhere.sqlite3"
    out = tmp_path / "report.html"
    notes = write_inspection_report(workstation, out, f"sqlite:///{missing}", sop_runs=[])
    said = " ".join(_parse(out.read_text(encoding="utf-8")).text)
    assert notes and str(missing) in notes[0]
    assert f"No metric store at {missing}" in said and not missing.exists()


def test_a_password_in_the_store_url_is_not_printed():
    from erpconsole.services.report import store_label

    label = store_label("postgresql+psycopg://mon:s3cret@db.example:5432/erp")
    assert "s3cret" not in label and "db.example" in label
    assert store_label("sqlite:////var/lib/erpconsole/store.sqlite3") == "/var/lib/erpconsole/store.sqlite3"
    assert LOCAL_HOST  # the workstation is the one host of the empty inventory


def test_the_changes_section_opens_with_the_day_in_sentences(workstation, tmp_path):
    from erpconsole.services.models import Sample

    now = 1_800_000_000.0
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        store.write_batch([Sample(LOCAL_HOST, "disk.used_percent", 50.0 + i, now - 3000 + i * 300, "/")
                           for i in range(10)])
        store.audit.append("db.cancel", "erp-db", {"phase": "requested", "subject": "pid 7"},
                           actor="alice", ts=now - 100)
        text = render_html(build_report(workstation, store, [], now=now))
    finally:
        store.close()
    changes = text[text.index('<section id="changes">'):]
    said = " ".join(_parse(changes).text)
    assert "The audit trail recorded 1 query cancelled." in said
    assert f"Disk / on {LOCAL_HOST} grew from 50% to 59%." in said
    assert "alice asked to cancel pid 7" in said and "{" not in said
