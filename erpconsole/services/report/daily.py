"""The daily inspection report as data: one inspection round, the last 24 h of history and
events, and the open SOP runs, gathered once so the HTML and the PDF can never disagree."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass

import numpy as np

from erpconsole import __version__
from erpconsole.services import metrics
from erpconsole.services.access.models import rules
from erpconsole.i18n import _
from erpconsole.services.models import Finding, Severity
from erpconsole.services.inspect import word
from erpconsole.services.backups.policy import set_level
from erpconsole.services.report.audit_head import audit_head_line
from erpconsole.services.report.changes import Change, day_in_sentences, fold_repeats, recent_changes
from erpconsole.services.report.where import store_label

DAY_S = 24 * 3600.0
CHART_POINTS = 96  # 15-minute buckets: enough shape for a sparkline, small in the file
MAX_CHANGES = 200  # a noisy day is cut here; the event log in the console has the rest
LEVELS = ("ok", "warning", "critical")


@dataclass(frozen=True, slots=True)
class Chart:
    """A 24 h sparkline: points are (epoch seconds, value), already thinned out."""

    title: str
    unit: str
    start: float  # the first sample inside the 24 h, so a console that ran an hour fills the box
    end: float
    points: tuple[tuple[float, float], ...] = ()
    source: str = ""  # the store it read, for "no samples in PATH"; "" without a store

    @property
    def empty(self) -> bool:
        return not self.points


@dataclass(frozen=True, slots=True)
class HostRow:
    name: str
    status: str  # the one word: the health state when unread, else the worst finding
    level: str  # ok / warning / critical
    message: str
    cpu_percent: float | None = None
    mem_percent: float | None = None
    disk_mount: str = ""
    disk_percent: float | None = None
    load1: float | None = None
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True, slots=True)
class DatabaseRow:
    name: str
    kind: str
    status: str
    level: str
    message: str
    connections: int | None = None
    max_connections: int | None = None
    tps: float | None = None
    cache_hit_percent: float | None = None
    replication_lag_s: float | None = None
    size_bytes: int | None = None
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True, slots=True)
class BackupRow:
    name: str
    tool: str
    level: str
    message: str
    newest_age_s: float | None
    rpo_s: float
    verified: bool | None = None
    verify_message: str = ""
    drill_ts: float | None = None
    drill_ok: bool | None = None


@dataclass(frozen=True, slots=True)
class AccessSummary:
    available: bool  # False: the access review did not run
    accounts: int = 0
    sources: int = 0
    by_rule: tuple[tuple[str, int], ...] = ()
    critical: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class SopItem:
    """An open run, or a run with failed steps: (step title, what the check said) per failure."""

    run_id: int
    title: str
    started: float
    started_by: str
    done: int
    total: int
    outcome: str
    due: float | None = None
    failed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DailyReport:
    generated_at: float
    machine: str
    version: str
    status: str
    target_counts: tuple[tuple[str, int], ...]  # (level, hosts + databases + backup sets)
    finding_counts: tuple[tuple[str, int], ...]  # (severity, findings)
    findings: tuple[Finding, ...]  # warnings and criticals, worst first
    hosts: tuple[HostRow, ...]
    databases: tuple[DatabaseRow, ...]
    backups: tuple[BackupRow, ...]
    access: AccessSummary
    sops: tuple[SopItem, ...]
    sops_given: bool  # False: no SOP runs were handed in (not "none open")
    changes: tuple[Change, ...]
    changes_cut: int  # changes left off past MAX_CHANGES
    has_store: bool
    store: str = ""  # where the history came from (a path or a URL without its password)
    store_note: str = ""  # without a store: which one was looked for, and why there is none
    change_lines: tuple[str, ...] = ()  # the day in sentences: audit kinds, disk growth, accounts
    audit_line: str = ""  # the audit trail's signed head, to keep elsewhere; "" without a store


def build_report(inspection, store=None, sop_runs=None, now: float | None = None,
                 store_note: str = "", audit_key=None) -> DailyReport:
    """``inspection`` is a services.inspect.InspectionReport; ``store`` a Store or None;
    ``sop_runs`` a list of sop.models.SopRun or None (the SOP service is not called here);
    ``store_note`` the header's sentence when there is no store (which one was looked for);
    ``audit_key`` an AuditKey to sign the audit trail's head with (default: the one in keyring).
    The head is signed after the day's changes are read, so its own event is in tomorrow's."""
    now = time.time() if now is None else now
    findings = tuple(inspection.findings)
    history = _History(store, now)
    hosts = tuple(_host_row(h, findings, history) for h in inspection.hosts)
    databases = tuple(_db_row(d, findings, history) for d in inspection.databases)
    backups = _backup_rows(inspection.backups, now)
    changes = recent_changes(store, now - DAY_S, now, MAX_CHANGES)
    levels = [r.level for r in (*hosts, *databases, *backups)]
    return DailyReport(
        generated_at=now, machine=platform.node() or _("unknown"), version=__version__,
        status=inspection.status,
        target_counts=tuple((lv, levels.count(lv)) for lv in LEVELS),
        finding_counts=tuple((s.value, sum(f.severity is s for f in findings)) for s in Severity),
        findings=tuple(sorted((f for f in findings if f.severity is not Severity.INFO),
                              key=lambda f: -f.severity.rank)),
        hosts=hosts, databases=databases, backups=backups,
        access=_access(inspection.access), sops=_sops(sop_runs or ()), sops_given=sop_runs is not None,
        # Cut first, then fold: a flood of one change reads "200 times" plus the count left off.
        changes=tuple(fold_repeats(changes[:MAX_CHANGES])),
        changes_cut=max(0, len(changes) - MAX_CHANGES),
        has_store=store is not None, store=history.source, store_note=store_note,
        change_lines=tuple(day_in_sentences(store, now - DAY_S, now)),
        audit_line=audit_head_line(store, now, audit_key))


# -- history ----------------------------------------------------------------------------------

class _History:
    """The store's last 24 h per target, read once per target (a store that fails to read
    gives empty charts: the report is still worth having)."""

    def __init__(self, store, now: float) -> None:
        self.store, self.end, self.start = store, now, now - DAY_S
        self.source = store_label(store.url) if store is not None else ""

    def series(self, target: str) -> dict:
        if self.store is None:
            return {}
        try:
            return self.store.host_history(target, self.start, self.end, now=self.end)
        except Exception:  # noqa: BLE001 - a damaged store costs the charts, not the report
            return {}

    def chart(self, found: dict, title: str, unit: str, metric: str, label: str = "") -> Chart:
        ts, values = found.get((metric, label), (np.empty(0), np.empty(0)))
        ts, values = np.asarray(ts, dtype=float), np.asarray(values, dtype=float)
        keep = (ts >= self.start) & (ts <= self.end) & np.isfinite(values)
        if not keep.any():
            return Chart(title, unit, self.start, self.end, (), self.source)
        # Slots across the samples there are, not across the day: ten minutes of a 24 h window
        # were one 15-minute slot, a chart of one point that said "no history".
        first, last = float(ts[keep].min()), float(ts[keep].max())
        return Chart(title, unit, first, self.end,
                     thin(ts[keep], values[keep], first, max(last, first + 1.0)), self.source)

    def host_chart(self, found: dict, name: str, label: str = "") -> Chart:
        """A host metric's chart, titled and scaled as its declaration says."""
        m = metrics.metric(name)
        return self.chart(found, m.label_for(label), m.unit, name, label)


def thin(ts: np.ndarray, values: np.ndarray, start: float, end: float,
         buckets: int = CHART_POINTS) -> tuple[tuple[float, float], ...]:
    """Mean per time bucket: a sparkline of thousands of samples stays a few hundred bytes."""
    ts, values = np.asarray(ts, dtype=float), np.asarray(values, dtype=float)
    keep = (ts >= start) & (ts <= end) & np.isfinite(values)
    ts, values = ts[keep], values[keep]
    if len(ts) == 0:
        return ()
    index = np.minimum(((ts - start) / (end - start) * buckets).astype(int), buckets - 1)
    counts = np.bincount(index, minlength=buckets)
    sums = np.bincount(index, weights=values, minlength=buckets)
    tsum = np.bincount(index, weights=ts, minlength=buckets)
    filled = counts > 0
    return tuple(zip((tsum[filled] / counts[filled]).tolist(), (sums[filled] / counts[filled]).tolist()))


# -- rows ---------------------------------------------------------------------------------------

def _host_row(h, findings: tuple[Finding, ...], history: _History) -> HostRow:
    s = h.snapshot
    disk = s.busiest_disk if s else None
    found = history.series(h.name)
    charts = [history.host_chart(found, "cpu.percent"), history.host_chart(found, "mem.percent")]
    if disk is not None:
        charts.append(history.host_chart(found, "disk.used_percent", disk.mount))
    v = word(h, findings)
    return HostRow(h.name, v.state, v.level, v.cause or h.message,
                   s.cpu_percent if s else None, s.mem_percent if s else None,
                   disk.mount if disk else "", disk.used_percent if disk else None,
                   s.load[0] if s and s.load else None, tuple(charts))


def _db_row(d, findings: tuple[Finding, ...], history: _History) -> DatabaseRow:
    s = d.snapshot
    found = history.series(d.name)
    charts = (history.chart(found, _("Connections"), "", "db.connections"),
              history.chart(found, _("Commits/s"), "", "db.commits_ps"),
              history.chart(found, _("Cache hit"), "%", "db.cache_hit_percent"))
    v = word(d, findings)
    return DatabaseRow(
        d.name, d.kind, v.state, v.level, v.cause or d.message,
        s.connections if s else None, s.max_connections if s else None, s.tps if s else None,
        s.cache_hit_percent if s else None, s.replication_lag_s if s else None,
        s.size_bytes if s else None, charts)


def _backup_rows(backups, now: float) -> tuple[BackupRow, ...]:
    rows = []
    for status, found in (backups.sets if backups is not None else ()):
        newest, drill, ver = status.newest_good, status.last_drill, status.verification
        level = set_level(status, found, now)
        rows.append(BackupRow(
            status.config.name, status.config.tool, level, status.error or status.note,
            now - newest.finished if newest else None, status.config.policy.rpo_h * 3600,
            ver.ok if ver else None, ver.message if ver else "",
            drill.finished if drill else None, drill.ok if drill else None))
    return tuple(rows)


def _access(access) -> AccessSummary:
    if access is None:
        return AccessSummary(False)
    titles = {rule: title for rule, (title, _text) in rules().items()}
    by_rule: dict[str, int] = {}
    for f in access.findings:
        rule = f.check.removeprefix("access.")
        title = titles.get(rule, rule)
        by_rule[title] = by_rule.get(title, 0) + 1
    return AccessSummary(
        True, len(access.extraction.accounts), len(access.extraction.sources),
        tuple(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        tuple(f for f in access.findings if f.severity is Severity.CRITICAL))


def _sops(runs) -> tuple[SopItem, ...]:
    items = []
    for run in runs:
        titles = {step.id: step.title for step in run.template.steps}
        failed = tuple((titles.get(s.step_id, s.step_id), s.message or s.note)
                       for s in run.steps if s.state == "failed")
        if run.outcome == "open" or failed or not run.signed:
            items.append(SopItem(run.id, run.template.title, run.started, run.started_by, run.done,
                                 len(run.template.steps), run.outcome, run.due, failed))
    return tuple(sorted(items, key=lambda i: -i.started))
