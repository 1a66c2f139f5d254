"""Each policy rule finds its case, and a clean set gives no finding at all."""

from __future__ import annotations

from dataclasses import replace

import pytest

from erpconsole.services.backups import policy
from erpconsole.services.backups.models import (
    DIFF, DUMP, Backup, BackupPolicy, BackupSetConfig, BackupSetStatus, DrillResult,
    VerifyResult,
)
from erpconsole.services.models import Severity

NOW = 1_750_000_000.0
H, D, MB = 3600.0, 86400.0, 1024 * 1024

POLICY = BackupPolicy(rpo_h=26, full_every_d=7, min_size_mb=10, max_shrink_percent=50,
                      retention_d=30, offsite=True, drill_every_d=30, rto_target_min=30)
CONFIG = BackupSetConfig(name="erp-dumps", tool="dumpdir", repo="/srv/dumps", policy=POLICY,
                         offsite_repo="s3://elsewhere")


def _backups(days: int = 40) -> tuple[Backup, ...]:
    """One dump a day, newest 2 h old, all 100 MB: oldest first."""
    return tuple(Backup("erp-dumps", f"erp-{i}.dump", DUMP, NOW - 2 * H - i * D,
                        size_bytes=100 * MB) for i in range(days - 1, -1, -1))


def _clean() -> BackupSetStatus:
    backups = _backups()
    newest = backups[-1]
    return BackupSetStatus(
        CONFIG, NOW, backups,
        verification=VerifyResult("erp-dumps", newest.id, NOW - H, True, "sha256", "ok"),
        last_drill=DrillResult("erp-dumps", newest.id, NOW - 3 * D, NOW - 3 * D + 600, 600.0,
                               7200.0, True, "ok"))


def _only(status: BackupSetStatus, check: str):
    found = policy.backup_findings(status, NOW)
    assert [f.check for f in found] == [check], found
    assert found[0].target == "erp-dumps"
    return found[0]


def test_clean_set_is_quiet():
    assert policy.backup_findings(_clean(), NOW) == []
    assert policy.rpo_fraction(_clean(), NOW) == pytest.approx(2 / 26)


def test_late_when_newest_good_is_older_than_rpo():
    clean = _clean()
    shifted = tuple(replace(b, finished=b.finished - 25 * H) for b in clean.backups)
    status = replace(clean, backups=shifted,
                     verification=replace(clean.verification, backup_id=shifted[-1].id))
    f = _only(status, policy.LATE)
    assert f.severity is Severity.CRITICAL
    assert "27 h" in f.message and "RPO of 26 h" in f.message
    assert policy.rpo_fraction(status, NOW) == pytest.approx(27 / 26)


def test_no_warning_before_the_rpo_is_breached():
    clean = _clean()
    shifted = tuple(replace(b, finished=b.finished - 23 * H) for b in clean.backups)  # 25 h old
    assert policy.backup_findings(replace(clean, backups=shifted), NOW) == []


def test_late_when_there_is_no_good_backup():
    status = replace(_clean(), backups=(Backup("erp-dumps", "x", DUMP, NOW - H, ok=False,
                                               error="disk full"),))
    checks = {f.check: f for f in policy.backup_findings(status, NOW)}
    assert checks[policy.LATE].severity is Severity.CRITICAL
    assert "no good backup" in checks[policy.LATE].message
    assert policy.rpo_fraction(status, NOW) is None


def test_failed_newest_backup():
    clean = _clean()
    failed = Backup("erp-dumps", "erp-new.dump", DUMP, NOW - 60, ok=False, error="disk full")
    f = _only(replace(clean, backups=clean.backups + (failed,)), policy.FAILED)
    assert f.severity is Severity.WARNING and "disk full" in f.message


def test_missing_full_within_full_every_d():
    clean = _clean()
    # The complete backups stop 9 days ago; only differentials since.
    backups = tuple(b if b.finished < NOW - 9 * D else replace(b, kind=DIFF)
                    for b in clean.backups)
    f = _only(replace(clean, backups=backups), policy.MISSING_KIND)
    assert "9.08 d" in f.message and "7 days" in f.message


def test_missing_full_when_there_is_none():
    clean = _clean()
    backups = tuple(replace(b, kind=DIFF) for b in clean.backups)
    f = _only(replace(clean, backups=backups), policy.MISSING_KIND)
    assert "no good full backup" in f.message


def test_size_below_minimum():
    clean = _clean()
    backups = tuple(replace(b, size_bytes=5 * MB) for b in clean.backups)
    f = _only(replace(clean, backups=backups), policy.SIZE)
    assert "5.0 MB" in f.message and "10 MB" in f.message


def test_an_unknown_size_says_the_minimum_was_not_checked():
    clean = _clean()
    backups = tuple(replace(b, size_bytes=None) for b in clean.backups)
    f = _only(replace(clean, backups=backups, size_note="restic did not finish within 5 s"), policy.SIZE)
    assert f.severity is Severity.WARNING and f.message == (
        "the size of the newest backup (erp-0.dump) is not known, so the minimum of 10 MB could not "
        "be checked: restic did not finish within 5 s")
    f = _only(replace(clean, backups=backups), policy.SIZE)
    assert f.message.endswith("could not be checked: dumpdir gave no size for it")
    no_minimum = replace(CONFIG, policy=replace(POLICY, min_size_mb=None))
    assert policy.backup_findings(replace(clean, config=no_minimum, backups=backups), NOW) == []


def test_size_shrunk_against_the_previous_one_of_its_kind():
    clean = _clean()
    backups = clean.backups[:-1] + (replace(clean.backups[-1], size_bytes=40 * MB),)
    f = _only(replace(clean, backups=backups), policy.SIZE)
    assert "60% smaller" in f.message


def test_a_small_incremental_after_a_full_is_not_a_shrink():
    clean = _clean()
    diff = Backup("erp-dumps", "diff-1", DIFF, NOW - H, size_bytes=11 * MB)
    status = replace(clean, backups=clean.backups + (diff,),
                     verification=replace(clean.verification, backup_id="diff-1"))
    assert policy.backup_findings(status, NOW) == []


def test_retention_window_not_covered():
    clean = _clean()
    f = _only(replace(clean, backups=clean.backups[-10:]), policy.RETENTION)
    assert "30-day" in f.message and "9.08 d" in f.message


def test_never_verified_is_info():
    f = _only(replace(_clean(), verification=None), policy.UNVERIFIED)
    assert f.severity is Severity.INFO


def test_failed_verification_is_warning():
    clean = _clean()
    f = _only(replace(clean, verification=replace(clean.verification, ok=False,
                                                  message="unexpected end of file")),
              policy.UNVERIFIED)
    assert f.severity is Severity.WARNING and "unexpected end of file" in f.message


def test_newest_not_verified_yet_is_info():
    clean = _clean()
    f = _only(replace(clean, verification=replace(clean.verification, backup_id="erp-5.dump")),
              policy.UNVERIFIED)
    assert f.severity is Severity.INFO and "erp-5.dump" in f.message


def test_drill_overdue_never_too_old_and_failed():
    clean = _clean()
    assert "no restore drill" in _only(replace(clean, last_drill=None), policy.DRILL_OVERDUE).message
    old = replace(clean.last_drill, started=NOW - 45 * D, finished=NOW - 45 * D + 600)
    assert "45 d" in _only(replace(clean, last_drill=old), policy.DRILL_OVERDUE).message
    failed = replace(clean.last_drill, ok=False, message="pg_restore: unexpected end of file")
    assert "unexpected end of file" in _only(replace(clean, last_drill=failed),
                                             policy.DRILL_OVERDUE).message


def test_drill_over_rto():
    clean = _clean()
    f = _only(replace(clean, last_drill=replace(clean.last_drill, duration_s=45 * 60)),
              policy.DRILL_RTO)
    assert "45 min" in f.message and "30 min" in f.message


def test_offsite_expected_but_missing():
    f = _only(replace(_clean(), config=replace(CONFIG, offsite_repo=None)), policy.OFFSITE)
    assert "offsite_repo" in f.message


def test_offsite_not_expected_is_quiet():
    cfg = replace(CONFIG, offsite_repo=None, policy=replace(POLICY, offsite=False))
    assert policy.backup_findings(replace(_clean(), config=cfg), NOW) == []


def test_unreadable_source_is_not_judged_as_no_backups():
    status = replace(_clean(), backups=(), error="restic: wrong password; set it with "
                                                 "erpconsole secret set backup:erp-dumps")
    f = _only(status, policy.SOURCE)
    assert f.severity is Severity.CRITICAL and "wrong password" in f.message
    assert policy.set_level(status, [f], NOW) == "critical"


def test_switched_off_rules_stay_quiet():
    off = BackupPolicy(rpo_h=26, full_every_d=None, min_size_mb=None, max_shrink_percent=None,
                       retention_d=None, offsite=False, drill_every_d=None, rto_target_min=None)
    status = BackupSetStatus(replace(CONFIG, policy=off), NOW, _backups(2),
                             verification=VerifyResult("erp-dumps", "erp-0.dump", NOW, True,
                                                       "sha256", "ok"))
    assert policy.backup_findings(status, NOW) == []


def test_worst_first():
    clean = _clean()
    status = replace(clean, backups=(), verification=None, last_drill=None)
    found = policy.backup_findings(status, NOW)
    assert found[0].severity is Severity.CRITICAL and found[0].check == policy.LATE
    assert {f.check for f in found} >= {policy.DRILL_OVERDUE}


def test_age_text():
    assert policy.age_text(45 * 60) == "45 min"
    assert policy.age_text(5.25 * H) == "5.25 h"
    assert policy.age_text(3 * D) == "3 d"
