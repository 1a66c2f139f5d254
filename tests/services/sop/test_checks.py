"""Each named check passes on a healthy context, fails on a bad one, and says what is missing
(ok None, never True) when there is nothing to judge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from erpconsole.services.access.models import (
    AccessFinding, Account, Campaign, CampaignReview, Extraction, Person, ReviewRow,
)
from erpconsole.services.backups import policy
from erpconsole.services.backups.models import (
    DUMP, Backup, BackupPolicy, BackupSetConfig, BackupSetStatus, DrillResult, VerifyResult,
)
from erpconsole.services.hosts.local import LocalCollector
from erpconsole.services.models import (
    DatabaseSnapshot, DbSession, Finding, Health, HostSnapshot, Severity, TargetStatus,
)
from erpconsole.services.sop.checks import CHECKS, check_names, run_check
from erpconsole.services.sop.context import CheckContext

NOW = 1_795_500_000.0
H, D = 3600.0, 86400.0


@pytest.fixture(scope="module")
def local() -> HostSnapshot:
    return LocalCollector().collect()


def host(name: str, snap: HostSnapshot | None, health: Health = Health.OK, message: str = "ok") -> TargetStatus:
    return TargetStatus(name, "host", health, message, 5.0, snapshot=snap)


def db(name: str = "erp-db", health: Health = Health.OK, **fields) -> TargetStatus:
    snap = DatabaseSnapshot(name, NOW, "postgresql", **fields) if health is Health.OK else None
    return TargetStatus(name, "database", health, "ok" if snap else "connection refused", 10.0, snapshot=snap)


def ctx(statuses=(), backups=None, access=None, campaigns=()) -> CheckContext:
    return CheckContext(tuple(statuses), backups, access, NOW, tuple(campaigns))


# -- hosts --------------------------------------------------------------------------------------

def test_disk_check_on_this_machine_passes_and_a_low_threshold_fails(local):
    assert local.disks, "psutil sees no disk on this machine"
    c = ctx([host("This workstation", local)])
    fullest = max(d.used_percent for d in local.disks)
    ok = run_check("hosts_disk_below", c, {"max_percent": "100"})
    assert ok.ok is True and "not over 100%" in ok.message
    assert len(ok.values) == len(local.disks)
    assert ok.values[0][0] == f"This workstation {local.disks[0].mount}"
    low = fullest / 2 if fullest > 0 else 0
    bad = CHECKS["hosts_disk_below"].run(c, (("max_percent", str(low)),))
    assert bad.ok is False
    assert f"This workstation {max(local.disks, key=lambda d: d.used_percent).mount}" in bad.message
    assert f"{fullest:.1f}%" in bad.message


def test_a_disk_exactly_at_the_limit_passes_as_it_makes_no_finding():
    from erpconsole.services import checks
    from erpconsole.services.models import DiskUsage, HostSnapshot, Thresholds

    at = HostSnapshot("erp-db-1", NOW, disks=(DiskUsage("/", 85.0, total_bytes=100, used_bytes=85),))
    over = HostSnapshot("erp-db-1", NOW, disks=(DiskUsage("/", 85.2, total_bytes=100, used_bytes=85),))
    assert checks.host_findings(at, Thresholds()) == []
    assert run_check("hosts_disk_below", ctx([host("erp-db-1", at)]), {"max_percent": 85}).ok is True
    assert checks.host_findings(over, Thresholds())
    assert run_check("hosts_disk_below", ctx([host("erp-db-1", over)]), {"max_percent": 85}).ok is False


def test_disk_check_does_not_pass_with_a_host_that_gave_no_data(local):
    c = ctx([host("This workstation", local), host("erp-app-1", None, Health.UNREACHABLE, "no route to host")])
    result = run_check("hosts_disk_below", c, {"max_percent": 100})
    assert result.ok is None
    assert "erp-app-1 (no data: unreachable, no route to host)" in result.message
    empty = run_check("hosts_disk_below", ctx())
    assert empty.ok is None and "add a [[hosts]] table" in empty.message


def test_memory(local):
    c = ctx([host("This workstation", local)])
    assert run_check("hosts_memory_below", c, {"max_percent": 100}).ok is True
    bad = run_check("hosts_memory_below", c, {"max_percent": 0})
    assert bad.ok is False and bad.values == (("This workstation", f"{local.mem_percent:.1f}%"),)



def test_counted_messages_agree_with_their_count(local):
    one = ctx([host("This workstation", local)])
    assert run_check("hosts_memory_below", one, {"max_percent": 100}).message.startswith(
        "memory use of the 1 host is not over")
    two = ctx([host("This workstation", local), host("erp-app-1", local)])
    assert "all 2 hosts" in run_check("hosts_memory_below", two, {"max_percent": 100}).message
    failing = run_check("hosts_memory_below", one, {"max_percent": 0}).message
    assert failing.startswith("1 host over 0% memory: ")
    assert run_check("hosts_reachable", one).message == "the 1 host or database answers"
    pending = run_check("hosts_reachable", ctx([host("erp-app-1", None, Health.PENDING, "")])).message
    assert pending.startswith("1 item could not be judged: ")

def test_reachable_and_host_keys(local):
    good = ctx([host("This workstation", local), host("erp-app-1", local), db()])
    assert run_check("hosts_reachable", good).ok is True
    assert run_check("no_hostkey_mismatch", good).ok is True
    mitm = host("erp-app-2", None, Health.HOSTKEY_MISMATCH, "the host key changed")
    bad = ctx([host("This workstation", local), mitm, db("erp-db", Health.AUTH_FAILED)])
    reach = run_check("hosts_reachable", bad)
    assert reach.ok is False and "erp-db auth_failed" in reach.message and "erp-app-2 hostkey_mismatch" in reach.message
    keys = run_check("no_hostkey_mismatch", bad)
    assert keys.ok is False and keys.values == (("erp-app-2", "hostkey_mismatch"),)
    # The workstation alone has no SSH key to judge.
    assert run_check("no_hostkey_mismatch", ctx([host("This workstation", local)])).ok is None
    pending = run_check("hosts_reachable", ctx([host("erp-app-1", None, Health.PENDING, "")]))
    assert pending.ok is None and "not polled yet" in pending.message


# -- databases ----------------------------------------------------------------------------------

def test_replication_lag():
    assert run_check("db_replication_lag_below", ctx([db(replication_lag_s=3.0)])).ok is True
    bad = run_check("db_replication_lag_below", ctx([db(replication_lag_s=75.0)]))
    assert bad.ok is False and bad.values == (("erp-db", "1.25 min"),)
    none = run_check("db_replication_lag_below", ctx([db()]))
    assert none.ok is None and "no database reports replication" in none.message


def test_connections_and_cache():
    good = ctx([db(connections=20, max_connections=100, cache_hit_percent=99.2)])
    assert run_check("db_connections_below", good).ok is True
    assert run_check("db_cache_hit_above", good).values == (("erp-db", "99.2%"),)
    bad = ctx([db(connections=90, max_connections=100, cache_hit_percent=80.0)])
    conn = run_check("db_connections_below", bad)
    assert conn.ok is False and conn.values == (("erp-db", "90/100 (90.0%)"),)
    assert run_check("db_cache_hit_above", bad).ok is False
    first_poll = run_check("db_cache_hit_above", ctx([db(connections=1, max_connections=100)]))
    assert first_poll.ok is None and "second poll" in first_poll.message
    assert run_check("db_connections_below", ctx()).message.startswith("no databases in the inventory")


def test_long_queries():
    sessions = (DbSession(101, "odoo", state="active", query="SELECT 1", duration_s=2.0),
                DbSession(102, "odoo", state="idle", query="COMMIT", duration_s=5000.0))
    assert run_check("db_no_long_queries", ctx([db(sessions=sessions)])).ok is True
    slow = sessions + (DbSession(103, "report", state="active", query="SELECT * FROM account_move_line",
                                 duration_s=900.0),)
    bad = run_check("db_no_long_queries", ctx([db(sessions=slow)]))
    assert bad.ok is False
    assert bad.values == (("erp-db pid 103", "15 min report: SELECT * FROM account_move_line"),)


# -- backups ------------------------------------------------------------------------------------

CONFIG = BackupSetConfig("erp-dumps", "dumpdir", "/srv/dumps",
                         policy=BackupPolicy(rpo_h=26, drill_every_d=30))


def backup_set(age_h: float = 2.0, verified: bool = True, drill_age_d: float | None = 3.0,
               error: str = "") -> tuple[BackupSetStatus, tuple[Finding, ...]]:
    newest = Backup("erp-dumps", "erp-2.dump", DUMP, NOW - age_h * H, size_bytes=10**8)
    older = Backup("erp-dumps", "erp-1.dump", DUMP, NOW - age_h * H - D, size_bytes=10**8)
    drill = None if drill_age_d is None else DrillResult(
        "erp-dumps", older.id, NOW - drill_age_d * D, NOW - drill_age_d * D + 600, 600.0, 7200.0, True, "ok")
    status = BackupSetStatus(
        CONFIG, NOW, () if error else (older, newest), error=error,
        verification=VerifyResult("erp-dumps", newest.id if verified else older.id, NOW - H, True, "sha256", "ok"),
        last_drill=drill)
    return status, tuple(policy.backup_findings(status, NOW))


def test_backups_within_rpo():
    ok = run_check("backups_within_rpo", ctx(backups=(backup_set(),)))
    assert ok.ok is True and ok.values == (("erp-dumps", "newest erp-2.dump is 2 h old, RPO 26 h"),)
    late = run_check("backups_within_rpo", ctx(backups=(backup_set(age_h=30),)))
    assert late.ok is False and "past the RPO of 26 h" in late.message
    unread = run_check("backups_within_rpo", ctx(backups=(backup_set(error="repository not found"),)))
    assert unread.ok is None and "repository not found" in unread.message


def test_backups_verified_and_drills():
    assert run_check("backups_verified", ctx(backups=(backup_set(),))).ok is True
    bad = run_check("backups_verified", ctx(backups=(backup_set(verified=False),)))
    assert bad.ok is False and "the newest (erp-2.dump) is not verified" in bad.message
    assert run_check("restore_drills_current", ctx(backups=(backup_set(),))).ok is True
    for drill_age in (45.0, None):
        overdue = run_check("restore_drills_current", ctx(backups=(backup_set(drill_age_d=drill_age),)))
        assert overdue.ok is False and "drill" in overdue.message
    status, found = backup_set()
    no_drills = replace(status, config=replace(CONFIG, policy=BackupPolicy(drill_every_d=None)))
    assert run_check("restore_drills_current", ctx(backups=((no_drills, found),))).ok is None


@pytest.mark.parametrize("name", ["backups_within_rpo", "backups_verified", "restore_drills_current"])
def test_backup_checks_without_backups_never_pass(name):
    absent = run_check(name, ctx(backups=None))
    assert absent.ok is None and "not available" in absent.message
    empty = run_check(name, ctx(backups=()))
    assert (empty.ok, empty.message) == (None, "no backup sets in the inventory: add a [[backups]] table")


# -- access ---------------------------------------------------------------------------------------

ALICE = Person("E1", "Alice Wong", ("alice",), "alice@example.com", "active")
BOB = Person("E2", "Bob Li", ("bob",), "bob@example.com", "left")


def review(rows=(), baseline: str = "Q3 review", people=(ALICE, BOB), signed_days: float | None = None,
           extraction: bool = True) -> CampaignReview:
    signed = None if signed_days is None else NOW - signed_days * D
    campaign = Campaign(2, "Q4 review", NOW - 5 * D, "ops@erp", signed_ts=signed,
                        signed_by="Carol Chen" if signed else "")
    ext = Extraction(NOW - D, tuple(r.account for r in rows), (), tuple(people)) if extraction else None
    return CampaignReview(campaign, ext, tuple(rows), baseline)


def row(name: str, *findings: tuple[str, Severity], superuser: bool = False, owner=None, extra=()) -> ReviewRow:
    account = Account("database", "erp-db", "postgresql", name, superuser=superuser)
    return ReviewRow(account, owner, tuple(AccessFinding(account.key, rule, sev, f"{rule} on {name}",
                                                         extra=extra) for rule, sev in findings))


def test_access_review_signed_within():
    assert run_check("access_review_signed_within", ctx(access=review(signed_days=30))).ok is True
    old = run_check("access_review_signed_within", ctx(access=review(signed_days=120)), {"days": 92})
    assert old.ok is False and "120 d old, more than 92 d" in old.message
    unsigned = run_check("access_review_signed_within", ctx(access=review()))
    assert unsigned.ok is False
    # An older signed campaign counts while a newer one is still open.
    older = Campaign(1, "Q3 review", NOW - 60 * D, "ops@erp", signed_ts=NOW - 50 * D, signed_by="Carol Chen")
    both = ctx(access=review(), campaigns=[older, review().campaign])
    assert run_check("access_review_signed_within", both).ok is True


def test_access_no_departed():
    clean = review([row("alice", owner=ALICE)])
    assert run_check("access_no_departed", ctx(access=clean)).ok is True
    bad = run_check("access_no_departed", ctx(access=review([row("bob", ("departed", Severity.CRITICAL), owner=BOB)])))
    assert bad.ok is False and bad.values == (("database/erp-db/bob", "departed on bob"),)
    no_roster = run_check("access_no_departed", ctx(access=review([row("alice")], people=())))
    assert no_roster.ok is None and "roster" in no_roster.message
    not_collected = run_check("access_no_departed", ctx(access=review(extraction=False)))
    assert not_collected.ok is None and "collect accounts first" in not_collected.message


def test_access_no_superuser_drift():
    same = review([row("postgres", superuser=True), row("alice", ("drift_added", Severity.WARNING))])
    assert run_check("access_no_superuser_drift", ctx(access=same)).ok is True
    drifted = review([row("postgres", superuser=True),
                      row("mallory", ("drift_added", Severity.WARNING), superuser=True)])
    bad = run_check("access_no_superuser_drift", ctx(access=drifted))
    assert bad.ok is False and "database/erp-db/mallory" in bad.message
    assert "postgres" not in bad.message.replace("mallory", "")
    no_base = run_check("access_no_superuser_drift", ctx(access=replace(drifted, baseline="")))
    assert no_base.ok is None and "baseline" in no_base.message


@pytest.mark.parametrize("name", ["access_review_signed_within", "access_no_departed", "access_no_superuser_drift"])
def test_access_checks_without_a_campaign_never_pass(name):
    result = run_check(name, ctx())
    assert result.ok is None and "no access review campaign yet" in result.message


# -- everything -----------------------------------------------------------------------------------

def test_no_critical_findings(local):
    clean = ctx([host("This workstation", local)], backups=(backup_set(),), access=review([row("alice")]))
    ok = run_check("no_critical_findings", clean)
    assert ok.ok is True and "1 backup set," in ok.message and "1 host or database" in ok.message
    warned = replace(host("erp-app-1", local), findings=(Finding(Severity.CRITICAL, "erp-app-1", "disk", "/ at 97%"),))
    bad = run_check("no_critical_findings", ctx([warned], backups=(backup_set(age_h=40),)))
    assert bad.ok is False
    assert ("erp-app-1", "/ at 97%") in bad.values and any(v[0] == "erp-dumps" for v in bad.values)
    assert run_check("no_critical_findings", ctx()).ok is None


def test_registry_and_bad_parameters(local):
    assert check_names() == tuple(sorted(CHECKS)) and len(CHECKS) == 15
    for spec in CHECKS.values():
        title, description = spec.text()
        assert title and description and spec.name in check_names()
    c = ctx([host("This workstation", local)])
    unknown = run_check("hosts_disk_below", c, {"limit": 50})
    assert unknown.ok is None and 'takes no parameter "limit"' in unknown.message
    assert run_check("hosts_disk_below", c, {"max_percent": "lots"}).ok is None
    assert run_check("no_such_check", c).ok is None
