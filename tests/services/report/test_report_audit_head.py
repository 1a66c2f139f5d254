"""The daily report carries the audit trail's signed head: a copy kept away from the store,
in the HTML and the PDF, and a checkpoint and an event in the store. A rewritten chain is said,
not signed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.inspect import run_inspection
from erpconsole.services.report import build_report, write_report
from erpconsole.services.report.html import render_html
from erpconsole.services.store import Store
from erpconsole.services.store import audit_anchor as anchor
from tests.conftest import require
from tests.services.store.tampering import edit_and_recompute

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def inspection(tmp_path_factory):
    inv = tmp_path_factory.mktemp("inv") / "empty.toml"
    inv.write_text("")
    return run_inspection(load_inventory(inv))


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.sqlite3"


@pytest.fixture
def store(path):
    s = Store(f"sqlite:///{path}")
    for i in range(4):
        s.audit.append("db.analyze", "erp-db", {"table": f"t{i}"}, actor="alice@ws1", ts=NOW - 600 + i)
    yield s
    s.close()


def test_the_report_signs_and_shows_the_head(inspection, store, tmp_path) -> None:
    report = build_report(inspection, store, now=NOW)
    [mark] = anchor.checkpoints(store.engine)
    assert (mark.count, mark.head) == (4, store.audit.verify().head)
    assert report.audit_line.startswith(f"Audit trail: 4 rows, head {mark.head}, signature {mark.signature}.")
    assert f"audit verify --expect {mark.head}" in report.audit_line
    assert report.audit_line in render_html(report)
    assert [e.kind for e in store.recent_events(5, target="audit")] == ["audit.head"]
    assert build_report(inspection, store, now=NOW + 60).audit_line == report.audit_line
    require(shutil.which("pdftotext") is not None, "poppler-utils")
    write_report(report, tmp_path / "daily.pdf")
    text = subprocess.run(["pdftotext", str(tmp_path / "daily.pdf"), "-"], capture_output=True,
                          text=True, timeout=30, check=True).stdout
    flat = "".join(text.split())
    assert mark.head in flat and mark.signature in flat


def test_a_rewritten_chain_is_said_and_not_signed(inspection, store, path) -> None:
    build_report(inspection, store, now=NOW)
    edit_and_recompute(path, 2, "mallory@ws9")
    report = build_report(inspection, store, now=NOW + 60)
    assert report.audit_line.startswith("Audit trail NOT SIGNED: ")
    assert "the chain was recomputed" in report.audit_line
    assert len(anchor.checkpoints(store.engine)) == 1


def test_no_store_no_line(inspection) -> None:
    report = build_report(inspection, None, now=NOW)
    assert report.audit_line == "" and "Audit trail" not in render_html(report)
