"""What the Backups page says about a set: its level, the RPO fraction, and the sentences of
its panel, from the status and findings alone (no widgets, so they are tested directly)."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

from erpconsole.ui.backups import bridge as policy  # the service's one grade, through the bridge
from erpconsole.services.backups.models import DIFF, DUMP, FULL, INCR, SNAPSHOT, Backup, BackupSetStatus
from erpconsole.services.models import Finding
from erpconsole.ui.common.labels import format_duration
from erpconsole.ui.common.words import counted

LEVEL_ORDER = {"ok": 0, "pending": 1, "unknown": 2, "warning": 3, "critical": 4}


def _tr(text: str) -> str:
    return QCoreApplication.translate("backups", text)


def rpo_fraction(status: BackupSetStatus, now: float | None = None) -> float | None:
    """Age of the newest good backup over the RPO; None when there is none or no RPO."""
    newest = status.newest_good
    rpo_s = status.config.policy.rpo_h * 3600.0
    if newest is None or rpo_s <= 0:
        return None
    return max(0.0, (now if now is not None else time.time()) - newest.finished) / rpo_s


def gauge_level(fraction: float | None) -> str:
    return policy.gauge_level(fraction)


def worst(levels) -> str:
    return max(levels, key=lambda lv: LEVEL_ORDER.get(lv, 2), default="ok")


def finding_level(finding: Finding) -> str:
    return {"critical": "critical", "warning": "warning"}.get(finding.severity.value, "ok")


def set_level(status: BackupSetStatus, findings: list[Finding], now: float | None = None) -> str:
    """The policy's one grade: the page says what `inspect` and the report say."""
    return policy.set_level(status, findings, now)


def is_late(status: BackupSetStatus, findings: list[Finding], now: float | None = None) -> bool:
    fraction = rpo_fraction(status, now)
    return any(f.check == "backup.late" for f in findings) or (fraction is not None and fraction > 1.0)


def status_text(status: BackupSetStatus, findings: list[Finding], now: float | None = None) -> str:
    if status.error:
        return _tr("cannot read")
    if not status.backups:
        return _tr("no backups")
    if status.newest_good is None:
        return _tr("no good backup")
    if is_late(status, findings, now):
        return _tr("late")
    level = set_level(status, findings, now)
    return {"ok": _tr("ok"), "warning": _tr("attention")}.get(level, _tr("problem"))


def age(seconds: float) -> str:
    return format_duration(seconds, precise=False)


def rto_text(seconds: float) -> str:
    """A measured time: a drill of a small dump takes under a second, and "0 s" would hide it."""
    return _tr("{0:.1f} s").format(seconds) if seconds < 10 else format_duration(seconds)


def gauge_text(status: BackupSetStatus, now: float) -> str:
    newest = status.newest_good
    rpo = age(status.config.policy.rpo_h * 3600)
    if newest is None:
        return _tr("no good backup (RPO {0})").format(rpo)
    return _tr("newest {0} old · RPO {1}").format(age(now - newest.finished), rpo)


def kind_label(kind: str) -> str:
    return {FULL: _tr("full"), DIFF: _tr("differential"), INCR: _tr("incremental"),
            SNAPSHOT: _tr("snapshot"), DUMP: _tr("dump")}.get(kind, kind)


def result_label(ok: bool) -> str:
    return _tr("ok") if ok else _tr("FAILED")


def _last(status: BackupSetStatus, kinds: tuple[str, ...]) -> Backup | None:
    return next((b for b in reversed(status.backups) if b.kind in kinds and b.ok), None)


def last_backups_text(status: BackupSetStatus, now: float) -> str:
    """"Last full 2 d ago · last incremental 3 h ago"; a set of snapshots or dumps has one kind."""
    full = _last(status, (FULL, SNAPSHOT, DUMP))
    partial = _last(status, (DIFF, INCR))
    if full is None and partial is None:
        return _tr("No good backup in the listing")
    parts = []
    if full is not None:
        parts.append(_tr("Last {0}: {1} ago").format(kind_label(full.kind), age(now - full.finished)))
    if partial is not None:
        parts.append(_tr("last {0}: {1} ago").format(kind_label(partial.kind), age(now - partial.finished)))
    elif any(b.kind in (DIFF, INCR) for b in status.backups) or status.config.tool == "pgbackrest":
        parts.append(_tr("no incremental"))
    return " · ".join(parts)


def verification_text(status: BackupSetStatus, now: float) -> tuple[str, str]:
    v = status.verification
    if v is None:
        return _tr("Not verified yet: press \"Verify newest\""), "warning"
    when = age(now - v.ts)
    if not v.ok:
        return _tr("Verification FAILED {0} ago ({1}) on {2}: {3}").format(when, v.method, v.backup_id, v.message), "critical"
    return _tr("Verified {0} ago with {1} ({2})").format(when, v.method, v.backup_id), "ok"


def drill_text(status: BackupSetStatus, now: float) -> tuple[str, str]:
    d = status.last_drill
    policy = status.config.policy
    if d is None:
        return _tr("No restore drill recorded"), "warning" if policy.drill_every_d else "ok"
    target_s = d.rto_target_s if d.rto_target_s is not None else (
        policy.rto_target_min * 60 if policy.rto_target_min else None)
    rto = rto_text(d.duration_s)
    vs = _tr(" (target {0})").format(age(target_s)) if target_s else ""
    if not d.ok:
        return _tr("Last drill {0} ago FAILED after {1}: {2}").format(age(now - d.finished), rto, d.message), "critical"
    over = target_s is not None and d.duration_s > target_s
    overdue = policy.drill_every_d is not None and now - d.finished > policy.drill_every_d * 86400
    text = _tr("Last drill {0} ago: restored in {1}{2}").format(age(now - d.finished), rto, vs)
    return text, "warning" if over or overdue else "ok"


def findings_lines(findings: list[Finding]) -> list[tuple[str, str]]:
    """(level, sentence) per finding, the worst first."""
    ordered = sorted(findings, key=lambda f: -f.severity.rank)
    return [(finding_level(f) if f.severity.value != "info" else "ok", f.message) for f in ordered]


def gap_summary(gaps: list[tuple[float, float]]) -> str:
    if not gaps:
        return _tr("No gap longer than the RPO in 30 days")
    longest = max(gaps, key=lambda g: g[1] - g[0])
    ended = time.strftime("%d %b %H:%M", time.localtime(longest[1]))
    return _tr("{0} · longest {1}, until {2}").format(
        counted("backups", "%n gap longer than the RPO in 30 days", "%n gaps longer than the RPO in 30 days",
                len(gaps)), age(longest[1] - longest[0]), ended)


def overview_summary(views: dict, total: int, now: float) -> tuple[str, str, list[tuple[str, str, str]]]:
    """(level, status sentence, three tile values) for the Overview's backup tile; ``views`` is
    {name: (status, findings)} of the sets read so far, ``total`` the sets in the inventory."""
    if not views:
        return "pending", _tr("waiting for the first read"), [
            (_tr("Late"), "–", "pending"), (_tr("Problems"), "–", "pending"), (_tr("Sets"), str(total), None)]
    levels = {n: set_level(s, f, now) for n, (s, f) in views.items()}
    late = sorted(n for n, (s, f) in views.items() if is_late(s, f, now))
    bad = sorted(n for n, lv in levels.items() if lv == "critical")
    level = worst(levels.values())
    if len(views) < total and level == "ok":
        level = "pending"
    name = max(levels, key=lambda n: (level_rank(levels[n]), n in late, n))
    text = counted("backups", "the %n set is ok", "all %n sets ok", len(views)) if level == "ok" else \
        _tr("worst: {0}: {1}").format(name, status_text(*views[name], now))
    return level, text, [
        (_tr("Late"), str(len(late)), "critical" if late else "ok"),
        (_tr("Problems"), str(len(bad)), "critical" if bad else "ok"),
        (_tr("Sets"), str(total), None),
    ]


def level_rank(level: str) -> int:
    return LEVEL_ORDER.get(level, 2)
