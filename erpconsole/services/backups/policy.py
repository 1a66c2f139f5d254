"""The backup policy: one set's status judged against its ``BackupPolicy``, giving findings.

The Backups page, the overview tile and ``erpconsole inspect`` all call ``backup_findings``,
so they can never disagree. Check ids are stable keys (JSON report, alert rules, the store).

Severities, decided once here:
- late (RPO breached, or no good backup at all): critical. There is no early warning at 80%
  of the RPO: a daily backup against a 26 h RPO would pass 80% every single day and the
  warning would be noise; the RPO gauge (``rpo_fraction``) shows the approach instead.
- a source that could not be read (a missing dump folder, a wrong password): critical, as
  nothing then shows the RPO is met; the rules that need the backup list are not judged (an
  empty list from a failed read is not "no backups"). Drill rules still are. ``set_level``
  is the one grade of a set that every page, `inspect` and the report show.
- never verified: info; verification failed: warning; the newest not verified yet: info.
- a failed last drill counts as no drill (``backup.drill_overdue``, warning): the restore is
  not proven until a drill passes.
- everything else: warning.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from erpconsole.services.backups.models import DUMP, FULL, SNAPSHOT, Backup, BackupSetStatus
from erpconsole.i18n import _
from erpconsole.services.models import Finding, Severity
from erpconsole.services import units

LATE = "backup.late"
MISSING_KIND = "backup.missing_kind"
SIZE = "backup.size"
RETENTION = "backup.retention"
FAILED = "backup.failed"
UNVERIFIED = "backup.unverified"
DRILL_OVERDUE = "backup.drill_overdue"
DRILL_RTO = "backup.drill_rto"
OFFSITE = "backup.offsite"
SOURCE = "backup.source"

HOUR_S = 3600.0
DAY_S = 86400.0
MB = 1024 * 1024
COMPLETE_KINDS = (FULL, SNAPSHOT, DUMP)  # restorable on their own


def age_text(seconds: float) -> str:
    """A short, readable age: '45 min', '5.2 h', '3 d' (services.units.duration)."""
    return units.duration(seconds)


def rpo_fraction(status: BackupSetStatus, now: float) -> float | None:
    """Age of the newest good backup over the RPO (1.0 = breached); None when unknown."""
    newest = status.newest_good
    rpo_h = status.config.policy.rpo_h
    if newest is None or not rpo_h or rpo_h <= 0:
        return None
    return max(0.0, now - newest.finished) / (rpo_h * HOUR_S)


GAUGE_WARNING = 0.75  # three quarters of the RPO gone: the next backup had better come
_LEVEL_RANK = {"ok": 0, "warning": 1, "critical": 2}


def gauge_level(fraction: float | None) -> str:
    """The RPO gauge's colour: no good backup or past the RPO is critical."""
    if fraction is None or fraction > 1.0:
        return "critical"
    return "warning" if fraction >= GAUGE_WARNING else "ok"


def set_level(status: BackupSetStatus, findings, now: float | None = None) -> str:
    """The one grade of a backup set, for its panel, its tile, `inspect`, the daily report and
    the event log: a set that cannot be read (a missing dump folder, a wrong password) or has
    no good backup is critical, since nothing shows the RPO is met; else the RPO gauge and the
    worst finding decide."""
    if status.error or status.newest_good is None:
        return "critical"
    when = now if now is not None else time.time()
    levels = [gauge_level(rpo_fraction(status, when))]
    levels += [f.severity.value for f in findings if f.severity.value in _LEVEL_RANK]
    return max(levels, key=_LEVEL_RANK.__getitem__)


def backup_findings(status: BackupSetStatus, now: float) -> list[Finding]:
    """Every finding of one backup set at ``now`` (epoch seconds), worst first."""
    rules: list[Callable[[BackupSetStatus, float], Finding | None]] = [_offsite, _drill_overdue,
                                                                       _drill_rto]
    if status.error:
        rules.insert(0, _source)
    else:
        rules[:0] = [_late, _failed, _missing_kind, _size, _retention, _unverified]
    found = [f for f in (rule(status, now) for rule in rules) if f is not None]
    return sorted(found, key=lambda f: -f.severity.rank)


def _finding(status: BackupSetStatus, severity: Severity, check: str, message: str) -> Finding:
    return Finding(severity, status.config.name, check, message)


def _source(status: BackupSetStatus, now: float) -> Finding | None:
    return _finding(status, Severity.CRITICAL, SOURCE, _(
        "the backups could not be read, so their age and sizes are not judged: {error}"
    ).format(error=status.error))


def _late(status: BackupSetStatus, now: float) -> Finding | None:
    newest = status.newest_good
    rpo_h = status.config.policy.rpo_h
    if newest is None:
        return _finding(status, Severity.CRITICAL, LATE, _(
            "no good backup found; run a backup now and check the job's schedule and log"))
    fraction = rpo_fraction(status, now)
    if fraction is None or fraction <= 1.0:
        return None
    return _finding(status, Severity.CRITICAL, LATE, _(
        "the newest good backup ({id}) is {age} old, past the RPO of {rpo} h; run a backup now "
        "and check why the scheduled one did not run").format(
        id=newest.id, age=age_text(now - newest.finished), rpo=f"{rpo_h:g}"))


def _failed(status: BackupSetStatus, now: float) -> Finding | None:
    if not status.backups or status.backups[-1].ok:
        return None
    last = status.backups[-1]
    return _finding(status, Severity.WARNING, FAILED, _(
        "the newest backup ({id}) failed: {error}; read the job's log, fix the cause and run it "
        "again").format(id=last.id, error=last.error or _("no reason given")))


def _missing_kind(status: BackupSetStatus, now: float) -> Finding | None:
    every_d = status.config.policy.full_every_d
    if every_d is None:
        return None
    full = next((b for b in reversed(status.backups) if b.ok and b.kind in COMPLETE_KINDS), None)
    if full is None:
        return _finding(status, Severity.WARNING, MISSING_KIND, _(
            "there is no good full backup; the others cannot be restored without one. Run a "
            "full backup and schedule one at least every {d} days").format(d=f"{every_d:g}"))
    if now - full.finished <= every_d * DAY_S:
        return None
    return _finding(status, Severity.WARNING, MISSING_KIND, _(
        "the newest full backup ({id}) is {age} old, more than the {d} days expected; run a full "
        "backup and check its schedule").format(
        id=full.id, age=age_text(now - full.finished), d=f"{every_d:g}"))


def _size_of(b: Backup) -> int | None:
    return b.size_bytes if b.size_bytes is not None else b.stored_bytes


def _size(status: BackupSetStatus, now: float) -> Finding | None:
    policy = status.config.policy
    newest = status.newest_good
    size = _size_of(newest) if newest is not None else None
    if newest is None:
        return None
    if size is None:
        return _unknown_size(status, newest)
    if policy.min_size_mb is not None and size < policy.min_size_mb * MB:
        return _finding(status, Severity.WARNING, SIZE, _(
            "the newest backup ({id}) holds {size:.1f} MB, less than the {min} MB expected; check "
            "that it holds the whole database (restore it, or run a drill)").format(
            id=newest.id, size=size / MB, min=f"{policy.min_size_mb:g}"))
    return _shrink(status, newest, size)


def _unknown_size(status: BackupSetStatus, newest: Backup) -> Finding | None:
    """A size rule that could not be judged says so: silence would read as "passed"."""
    minimum = status.config.policy.min_size_mb
    if minimum is None:
        return None
    why = status.size_note or _("{tool} gave no size for it").format(tool=status.config.tool)
    return _finding(status, Severity.WARNING, SIZE, _(
        "the size of the newest backup ({id}) is not known, so the minimum of {min} MB could not "
        "be checked: {why}").format(id=newest.id, min=f"{minimum:g}", why=why))


def _shrink(status: BackupSetStatus, newest: Backup, size: int) -> Finding | None:
    limit = status.config.policy.max_shrink_percent
    # Only the same kind compares: an incremental is meant to be smaller than a full.
    previous = next((b for b in reversed(status.backups)
                     if b.ok and b is not newest and b.kind == newest.kind
                     and b.finished < newest.finished and _size_of(b)), None)
    if limit is None or previous is None:
        return None
    before = _size_of(previous) or 0
    shrink = (before - size) * 100.0 / before
    if shrink <= limit:
        return None
    return _finding(status, Severity.WARNING, SIZE, _(
        "the newest backup ({id}) is {shrink:.0f}% smaller than the one before ({prev}: {before:.1f}"
        " MB, now {size:.1f} MB); check that nothing is missing from it (run a drill)").format(
        id=newest.id, shrink=shrink, prev=previous.id, before=before / MB, size=size / MB))


def _retention(status: BackupSetStatus, now: float) -> Finding | None:
    days = status.config.policy.retention_d
    oldest = next((b for b in status.backups if b.ok), None)
    if days is None or oldest is None or now - oldest.finished >= days * DAY_S:
        return None
    return _finding(status, Severity.WARNING, RETENTION, _(
        "the oldest good backup ({id}) is {age} old, so the {d}-day recovery window is not "
        "covered; keep backups longer (check the expiry / prune settings)").format(
        id=oldest.id, age=age_text(now - oldest.finished), d=f"{days:g}"))


def _unverified(status: BackupSetStatus, now: float) -> Finding | None:
    v, newest = status.verification, status.newest_good
    if newest is None:
        return None
    if v is None:
        return _finding(status, Severity.INFO, UNVERIFIED, _(
            "no backup of this set has been verified; run a verification"))
    if not v.ok:
        return _finding(status, Severity.WARNING, UNVERIFIED, _(
            "verification of {id} failed ({method}): {message}; the backup may not restore, make "
            "a new one and verify it").format(id=v.backup_id, method=v.method, message=v.message))
    if v.backup_id != newest.id:
        return _finding(status, Severity.INFO, UNVERIFIED, _(
            "the newest backup ({id}) is not verified yet (the last verified is {old}); run a "
            "verification").format(id=newest.id, old=v.backup_id))
    return None


def _drill_overdue(status: BackupSetStatus, now: float) -> Finding | None:
    every_d, drill = status.config.policy.drill_every_d, status.last_drill
    if every_d is None:
        return None
    if drill is None:
        return _finding(status, Severity.WARNING, DRILL_OVERDUE, _(
            "no restore drill has been run, so nothing proves this backup restores; run a "
            "drill (every {d} days is expected)").format(d=f"{every_d:g}"))
    if not drill.ok:
        return _finding(status, Severity.WARNING, DRILL_OVERDUE, _(
            "the last restore drill ({id}) failed: {message}; fix the cause and run a drill "
            "again").format(id=drill.backup_id, message=drill.message))
    if now - drill.started <= every_d * DAY_S:
        return None
    return _finding(status, Severity.WARNING, DRILL_OVERDUE, _(
        "the last restore drill was {age} ago, more than the {d} days expected; run a drill"
    ).format(age=age_text(now - drill.started), d=f"{every_d:g}"))


def _drill_rto(status: BackupSetStatus, now: float) -> Finding | None:
    target_min, drill = status.config.policy.rto_target_min, status.last_drill
    if target_min is None or drill is None or drill.duration_s <= target_min * 60:
        return None
    return _finding(status, Severity.WARNING, DRILL_RTO, _(
        "the last restore drill took {took}, over the RTO target of {target}; a real "
        "restore would take as long. Speed it up (parallel restore, faster storage) or agree on "
        "a longer target").format(took=units.duration(drill.duration_s),
                                  target=units.duration(target_min * 60)))


def _offsite(status: BackupSetStatus, now: float) -> Finding | None:
    if not status.config.policy.offsite or status.config.offsite_repo:
        return None
    return _finding(status, Severity.WARNING, OFFSITE, _(
        "an off-site copy is expected but none is configured; copy the backups to another site "
        "and name it with offsite_repo in the inventory"))
