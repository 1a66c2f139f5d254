"""The SOP check context is built from the services, with no Qt: a backup set read through the
backup service and a review read through the access service are what the checks then judge,
from another thread than the one that read them."""

from __future__ import annotations

import gzip
import os
import threading
import time

import pytest

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.backups.models import DUMPDIR, BackupPolicy, BackupSetConfig
from erpconsole.services.backups.policy import LATE
from erpconsole.services.backups.service import BackupService
from erpconsole.services.monitor import Monitor
from erpconsole.services.sop.checks import run_check
from erpconsole.services.sop.context import check_context
from erpconsole.services.store import Store
from tests.services.access.access_samples import TODAY, account, extraction

SET = "erp dumps"


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


@pytest.fixture
def late_dumps(tmp_path) -> Inventory:
    """One dump folder whose only dump is three days old against a 26 h RPO."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    dump = folder / "erp.sql.gz"
    dump.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
    three_days_ago = time.time() - 3 * 86400
    os.utime(dump, (three_days_ago, three_days_ago))
    return Inventory(local=LocalConfig(enabled=False), backups=(
        BackupSetConfig(SET, DUMPDIR, str(folder), pattern="*.sql.gz", policy=BackupPolicy(rpo_h=26)),))


def in_thread(fn):
    """Runs ``fn`` on another thread, as the SOP worker calls the context."""
    out = []
    worker = threading.Thread(target=lambda: out.append(fn()))
    worker.start()
    worker.join(30)
    assert out, "the context was not built within 30 s"
    return out[0]


def test_context_holds_the_backup_read_done_through_the_service(late_dumps):
    monitor, backups = Monitor(late_dumps), BackupService(late_dumps)
    before = check_context(monitor, backups)
    assert before.backups is None  # sets configured but not read yet: not available
    assert run_check("backups_within_rpo", before).ok is None

    status = backups.read(SET)
    ctx = in_thread(lambda: check_context(monitor, backups))
    assert ctx.backups is not None and len(ctx.backups) == 1
    seen, findings = ctx.backups[0]
    assert seen is status and seen.config.name == SET and len(seen.backups) == 1
    assert LATE in {f.check for f in findings}
    result = run_check("backups_within_rpo", ctx)
    assert result.ok is False and any(SET in label for label, _value in result.values)


def test_a_newer_read_replaces_the_older_one(late_dumps, tmp_path):
    monitor, backups = Monitor(late_dumps), BackupService(late_dumps)
    backups.read(SET)
    fresh = tmp_path / "dumps" / "erp-today.sql.gz"
    fresh.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
    backups.read(SET)
    ctx = check_context(monitor, backups)
    assert ctx.backups is not None and len(ctx.backups) == 1  # one entry per set, the newest
    status, findings = ctx.backups[0]
    assert len(status.backups) == 2 and LATE not in {f.check for f in findings}
    assert run_check("backups_within_rpo", ctx).ok is True


def test_no_sets_in_the_inventory_is_an_empty_tuple_and_no_service_is_not_available(late_dumps):
    bare = Inventory(local=LocalConfig(enabled=False))
    assert check_context(Monitor(bare), None).backups == ()
    assert check_context(Monitor(late_dumps), None).backups is None


def test_context_holds_the_newest_review_and_signing_does_not_replace_it(store):
    inv = Inventory(local=LocalConfig(enabled=False))
    monitor = Monitor(inv)
    access = AccessReviewService(store.engine, inv, audit=store.audit, today=lambda: TODAY)
    assert check_context(monitor, None, access).access is None
    first = access.create_campaign("2026 Q3", actor="tester@box")
    second = access.create_campaign("2026 Q4", actor="tester@box")
    for campaign in (first, second):
        access.store.add_extraction(campaign.id, extraction([account("alice", privileges=("LOGIN",))]))
    access.review(first.id)
    newest = access.review(second.id)
    ctx = in_thread(lambda: check_context(monitor, None, access))
    assert ctx.access is newest and ctx.access.campaign.name == "2026 Q4"
    access.decide(first.id, "database/erp-db/alice", "keep", reviewer="dba@box")
    access.sign(first.id, "Dana Auditor", actor="dba@box")  # reads a review for itself
    assert check_context(monitor, None, access).access is newest
