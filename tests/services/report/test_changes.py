"""The day in sentences, read from a real store: audit rows by kind, disks and databases that
grew, accounts the access review collected more or fewer of; an audit row's details as words."""

from __future__ import annotations

from erpconsole.services.models import Sample
from erpconsole.services.report.changes import day_in_sentences, recent_changes
from erpconsole.services.store import Store

NOW = 1_800_000_000.0
DAY = 86400.0


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    samples = []
    for i in range(48):
        t = NOW - DAY + 60 + i * 1800
        samples += [Sample("erp-app-1", "disk.used_percent", 60 + i * 0.25, t, "/var"),
                    Sample("erp-app-1", "disk.used_percent", 40.0, t, "/"),
                    Sample("erp-db", "db.size_bytes", float(10 << 30) + i * (64 << 20), t)]
    store.write_batch(samples)
    audit = store.audit
    audit.append("access.collect", "Q4 review", {"accounts": 10, "people": 4}, actor="anna", ts=NOW - 2 * DAY)
    audit.append("access.collect", "Q4 review", {"accounts": 13, "people": 4}, actor="anna", ts=NOW - 3600)
    for pid in (11, 12):
        audit.append("db.cancel", "erp-db", {"phase": "requested", "subject": f"pid {pid}"},
                     actor="alice", ts=NOW - 1800 + pid)
        audit.append("db.cancel", "erp-db", {"phase": "result", "ok": pid == 11, "subject": f"pid {pid}",
                                             "message": "cancelled" if pid == 11 else "no such process"},
                     actor="alice", ts=NOW - 1700 + pid)
    audit.append("sop.start", "daily#3", {"version": "1", "due": None}, actor="bob", ts=NOW - 600)
    return store


def test_the_day_reads_as_sentences(tmp_path):
    store = _store(tmp_path)
    try:
        lines = day_in_sentences(store, NOW - DAY, NOW)
    finally:
        store.close()
    assert lines[0] == ("The audit trail recorded 2 queries cancelled, 1 access collection, "
                        "1 SOP run started.")
    assert "Disk /var on erp-app-1 grew from 60% to 72%." in lines
    assert not any("Disk / on" in x for x in lines)  # a flat disk did not change
    assert any(x.startswith("Database erp-db grew by 2.9 GiB to 12.9 GiB") for x in lines), lines
    assert any(x.startswith("Q4 review: 3 accounts added since the collection of ") for x in lines), lines
    assert not any("{" in x for x in lines)


def test_audit_rows_are_sentences_not_json(tmp_path):
    store = _store(tmp_path)
    try:
        rows = [c.message for c in recent_changes(store, NOW - DAY, NOW, 200) if c.kind == "audit"]
    finally:
        store.close()
    assert rows[0] == "bob: sop.start (version 1)"
    assert "alice: cancel pid 12 failed: no such process" in rows
    assert "alice: cancel pid 11 done: cancelled" in rows
    assert "alice asked to cancel pid 11" in rows
    assert not any("{" in r or '"' in r for r in rows)


def test_one_account_removed_is_singular(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        store.audit.append("access.collect", "c", {"accounts": 5}, actor="a", ts=NOW - 7200)
        store.audit.append("access.collect", "c", {"accounts": 4}, actor="a", ts=NOW - 60)
        lines = day_in_sentences(store, NOW - DAY, NOW)
    finally:
        store.close()
    assert any(x.startswith("c: 1 account removed since the collection of ") for x in lines), lines
    assert day_in_sentences(None, NOW - DAY, NOW) == []
