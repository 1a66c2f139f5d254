"""The review service on a real store: decisions kept and audited, undo, sign-off that locks
the campaign, drift against the last signed campaign, and the evidence package read back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest

from erpconsole.config import Inventory
from erpconsole.services.access.models import AccessPolicy
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.store import Store
from tests.conftest import require
from tests.services.access.access_samples import DAY, NOW, TODAY, account, extraction


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def make_service(store) -> AccessReviewService:
    inv = Inventory(access=AccessPolicy(password_max_age_days=90))
    return AccessReviewService(store.engine, inv, audit=store.audit, today=lambda: TODAY)


ACCOUNTS = [
    account("alice", privileges=("LOGIN",)),
    account("bob", "os", "app1", "linux", login_tracked=True, last_login=NOW - 5 * DAY),
    account("admin", superuser=True, privileges=("LOGIN", "SUPERUSER")),
]


def campaign_with(service, name="2026 Q4", accounts=ACCOUNTS):
    c = service.create_campaign(name, actor="tester@box")
    service.store.add_extraction(c.id, extraction(list(accounts)))
    return c


def rows(review):
    return {r.account.key: r for r in review.rows}


def test_review_joins_owner_findings_and_orders_worst_first(store):
    service = make_service(store)
    c = campaign_with(service)
    review = service.review(c.id)
    by_key = rows(review)
    assert by_key["os/app1/bob"].owner.name == "Bob Li"
    assert {f.rule for f in by_key["os/app1/bob"].findings} == {"departed"}
    assert review.rows[0].account.name == "bob"  # critical first
    assert {f.rule for f in by_key["database/erp-db/admin"].findings} == {"privileged", "shared_name", "no_owner"}


def test_decision_is_saved_audited_and_survives_a_restart(store):
    service = make_service(store)
    c = campaign_with(service)
    row = service.decide(c.id, "os/app1/bob", "revoke", "left in September", reviewer="dba@box")
    assert row.decision.decision == "revoke" and row.statements[0].text == "usermod -L -e 1 bob"
    again = make_service(store).review(c.id)  # a new console on the same store
    assert rows(again)["os/app1/bob"].decision.comment == "left in September"
    entry = store.audit.entries(1)[0]
    assert (entry.action, entry.target, entry.actor) == ("access.decide", "2026 Q4", "dba@box")
    assert json.loads(entry.details)["account"] == "os/app1/bob"


def test_revoke_and_change_need_a_comment_and_unknown_keys_are_refused(store):
    service = make_service(store)
    c = campaign_with(service)
    for decision in ("revoke", "change"):
        with pytest.raises(ValueError, match="needs a comment"):
            service.decide(c.id, "database/erp-db/alice", decision, "  ")
    with pytest.raises(ValueError, match="not in this campaign"):
        service.decide(c.id, "database/erp-db/nobody", "keep")
    assert service.decide(c.id, "database/erp-db/alice", "keep").decision.decision == "keep"


def test_undo_goes_back_one_decision_at_a_time(store):
    service = make_service(store)
    c = campaign_with(service)
    key = "database/erp-db/alice"
    service.decide(c.id, key, "keep")
    service.decide(c.id, key, "change", "read-only is enough")
    assert service.undo_decision(c.id, key).decision.decision == "keep"
    assert service.undo_decision(c.id, key).decision is None
    with pytest.raises(ValueError, match="no decision"):
        service.undo_decision(c.id, key)
    ops = [op for op, _k, _d in service.store.log(c.id)]
    assert ops == ["decide", "decide", "undo", "undo"]  # the history keeps every step


def test_sign_needs_every_decision_then_the_campaign_is_read_only(store):
    service = make_service(store)
    c = campaign_with(service)
    service.decide(c.id, "database/erp-db/alice", "keep")
    with pytest.raises(ValueError, match="2 of 3 accounts have no decision"):
        service.sign(c.id, "Dana Auditor")
    service.decide(c.id, "os/app1/bob", "revoke", "left")
    service.decide(c.id, "database/erp-db/admin", "change", "drop superuser")
    signed = service.sign(c.id, "Dana Auditor", actor="dana@box")
    assert signed.signed and signed.signed_by == "Dana Auditor" and signed.signed_actor == "dana@box"
    with pytest.raises(ValueError, match="read-only"):
        service.decide(c.id, "database/erp-db/alice", "revoke", "x")
    with pytest.raises(ValueError, match="read-only"):
        service.collect(c.id)
    sign_entry = store.audit.entries(1)[0]
    assert sign_entry.action == "access.sign" and len(json.loads(sign_entry.details)["decisions_sha256"]) == 64
    assert store.audit.verify().ok


def test_next_campaign_shows_drift_against_the_signed_one(store):
    service = make_service(store)
    first = campaign_with(service, "2026 Q3", ACCOUNTS + [account("olap", privileges=("LOGIN",))])
    for key, d in (("database/erp-db/alice", "keep"), ("os/app1/bob", "revoke"),
                   ("database/erp-db/admin", "keep"), ("database/erp-db/olap", "keep")):
        service.decide(first.id, key, d, "reason")
    service.sign(first.id, "Dana")
    now = [account("alice", privileges=("LOGIN", "SUPERUSER"), superuser=True), ACCOUNTS[1], ACCOUNTS[2],
           account("newbie", privileges=("LOGIN",))]
    second = campaign_with(service, "2026 Q4", now)
    review = service.review(second.id)
    assert review.baseline == "2026 Q3"
    found = {k: {f.rule: f for f in r.findings} for k, r in rows(review).items()}
    assert found["database/erp-db/alice"]["drift_privileges"].extra == ("SUPERUSER",)
    assert "not_revoked" in found["os/app1/bob"]
    assert "drift_added" in found["database/erp-db/newbie"]
    assert not any(f.rule.startswith("drift") for f in found["database/erp-db/admin"].values())
    assert [g.key for g in review.gone] == ["database/erp-db/olap"]


def test_a_failed_source_does_not_make_its_accounts_gone(store):
    from dataclasses import replace

    service = make_service(store)
    first = campaign_with(service, "Q3", [account("olap"), ACCOUNTS[1]])
    service.decide(first.id, "database/erp-db/olap", "keep")
    service.decide(first.id, "os/app1/bob", "keep")
    service.sign(first.id, "Dana")
    second = service.create_campaign("Q4")
    ex = extraction([ACCOUNTS[1]])
    failed = replace(ex, sources=ex.sources + (replace(ex.sources[0], system="erp-db", source="database",
                                                       rows=0, error="connection refused"),))
    service.store.add_extraction(second.id, failed)
    assert service.review(second.id).gone == ()


def test_campaign_names_are_unique_and_not_empty(store):
    service = make_service(store)
    service.create_campaign("2026 Q4")
    with pytest.raises(ValueError, match="exists already"):
        service.create_campaign(" 2026  q4 ")
    with pytest.raises(ValueError, match="give the campaign a name"):
        service.create_campaign("   ")


def _read_csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    text = zf.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_evidence_package_reads_back_and_its_hash_is_in_the_audit_trail(store, tmp_path):
    service = make_service(store)
    c = campaign_with(service, "2026 Q4", ACCOUNTS + [account("张伟", "erp", "erp-db", "odoo")])
    service.decide(c.id, "os/app1/bob", "revoke", "left in September", reviewer="dba@box")
    result = service.export(c.id, str(tmp_path / "out" / "evidence"))
    assert result.path.endswith("evidence.zip")
    data = open(result.path, "rb").read()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(result.path) as zf:
        accounts = _read_csv(zf, "accounts.csv")
        assert len(accounts) == 4 and {a["account"] for a in accounts} >= {"bob", "张伟"}
        bob = next(a for a in accounts if a["account"] == "bob")
        assert (bob["decision"], bob["reviewer"], bob["comment"], bob["owner_name"]) == \
            ("revoke", "dba@box", "left in September", "Bob Li")
        assert "departed" in bob["findings"] and bob["statements"] == "usermod -L -e 1 bob"
        sources = _read_csv(zf, "sources.csv")
        assert {(s["system"], s["rows"]) for s in sources} == {("erp-db", "2"), ("app1", "1"), ("erp-db", "1")}
        assert all(s["query"] and s["extracted_at"] for s in sources)
        manifest = json.loads(zf.read("manifest.json"))
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest
        assert _read_csv(zf, "decisions.csv")[0]["comment"] == "left in September"
        pdf = zf.read("report.pdf")
        head_text = zf.read("audit_head.txt").decode("utf-8")
    entry = store.audit.entries(1)[0]
    assert entry.action == "access.export" and json.loads(entry.details)["sha256"] == result.sha256
    _assert_audit_head(store, manifest, head_text, entry)
    require(shutil.which("pdftotext") is not None, "poppler-utils")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "2026 Q4" in text and "left in September" in text and "SELECT rolname FROM pg_roles" in text


def _assert_audit_head(store, manifest, head_text, entry) -> None:
    """The package holds the audit trail's head before its own export row, signed into a
    checkpoint; the export row names it, so the trail and the package vouch for each other."""
    from erpconsole.services.store import audit_anchor as anchor

    [mark] = anchor.checkpoints(store.engine)
    assert mark.count == store.audit.verify().count - 1  # the export row came after it
    assert manifest["audit_head"]["head"] == mark.head == json.loads(entry.details)["audit_head"]
    assert (manifest["audit_head"]["rows"], manifest["audit_head"]["signature"]) == (mark.count, mark.signature)
    assert head_text.splitlines()[0] == f"{mark.head} {mark.count} {mark.signature}"
    assert f"audit verify --expect {mark.head}" in head_text
    assert anchor.verify(store.engine, anchor.AuditKey(), expect=mark.head).ok


def test_export_to_a_place_that_cannot_be_written_says_so(store, tmp_path):
    service = make_service(store)
    c = campaign_with(service)
    (tmp_path / "file").write_text("x")
    before = store.audit.entries(50)
    with pytest.raises(ValueError, match="could not be written"):
        service.export(c.id, str(tmp_path / "file" / "evidence.zip"))
    assert store.audit.entries(50) == before  # an export that wrote nothing is not audited


def test_only_statements_the_review_wrote_are_run(store):
    from erpconsole.services.access.models import Statement

    service = make_service(store)
    c = campaign_with(service)
    service.decide(c.id, "database/erp-db/alice", "revoke", "gone")
    with pytest.raises(ValueError, match="not one the review wrote"):
        service.run_statement(c.id, "database/erp-db/alice", Statement("erp-db", "sql", "DROP DATABASE erp"))


def test_evidence_without_a_key_to_sign_says_the_head_is_not_signed(store, tmp_path):
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    service = make_service(store)
    c = campaign_with(service)
    keyring.set_keyring(NullKeyring())  # a box whose keyring keeps nothing
    result = service.export(c.id, str(tmp_path / "evidence.zip"))
    with zipfile.ZipFile(result.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        head_text = zf.read("audit_head.txt").decode("utf-8")
    assert "ERPCONSOLE_AUDIT_KEY" in manifest["audit_head"]["unsigned"]
    assert head_text.startswith("not signed: ") and "ERPCONSOLE_AUDIT_KEY" in head_text
    assert json.loads(store.audit.entries(1)[0].details)["audit_head"] == ""
