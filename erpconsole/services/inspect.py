"""One round of every collector and check, without Qt: the same code the GUI polls with."""

from __future__ import annotations

import json
import time
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from erpconsole.config import Inventory
from erpconsole.services import checks, metrics, units
from erpconsole.services import inspect_scope as scope
from erpconsole.services.access.inspect_access import access_json
from erpconsole.services.backups.inspect_backups import backups_json
from erpconsole.services.sop.inspect_sop import sop_json
from erpconsole.services.databases import blockers as lock_text
from erpconsole.services.databases.factory import database_targets
from erpconsole.services.hosts.factory import host_targets
from erpconsole.i18n import _
from erpconsole.services.models import (
    DatabaseSnapshot, Finding, Health, HostSnapshot, PollError, Severity, Verdict, blockers, verdict,
)
from erpconsole.services.scheduler import Collector, run_collect

# Two polls this far apart give rates (network, disk, CPU): a CPU share over less than a
# second jumps with the scheduler's ticks. The polls of all targets run at once, so the
# report takes this long once; a PostgreSQL collector waits on its own until its counters
# have moved on (see databases/pg_rates.py).
RATE_GAP_S = 1.0
# PostgreSQL publishes its counters about once a second and not all backends at once: a
# window of a few seconds keeps a second's unpublished work at either end a small share.
DB_RATE_WINDOW_S = 4.0


@dataclass(frozen=True, slots=True)
class HostReport:
    name: str
    status: Health
    message: str
    snapshot: HostSnapshot | None
    cpu_window_s: float | None = None  # between the two polls the CPU share comes from


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    name: str
    kind: str
    status: Health
    message: str
    snapshot: DatabaseSnapshot | None


@dataclass(frozen=True, slots=True)
class InspectionReport:
    generated_at: datetime
    status: str
    hosts: tuple[HostReport, ...] = ()
    databases: tuple[DatabaseReport, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    access: object | None = None  # services.access.inspect_access.AccessReport
    backups: object | None = None  # services.backups.inspect_backups.BackupsReport
    parts: tuple[str, ...] = scope.DEFAULT_PARTS  # what this run covered (--only)
    sop: object | None = None  # services.sop.inspect_sop.SopReport

    @property
    def exit_code(self) -> int:
        return checks.exit_code(self.status)


def _inspect_one(collector: Collector) -> tuple:
    """(snapshot, error, seconds between the two polls)."""
    first, err = run_collect(collector)
    if err is not None:
        return None, err, None
    time.sleep(RATE_GAP_S)
    snap, err = run_collect(collector)
    gap = snap.ts - first.ts if snap is not None and hasattr(first, "ts") else None
    return snap, err, gap


def _run_all(collectors: list[Collector], timeout_s: float) -> list[tuple | None]:
    """Polls every collector at once on daemon threads; a host that hangs past the deadline
    gives None and does not hold up the report or the process exit."""
    results: list[tuple | None] = [None] * len(collectors)

    def work(i: int, c: Collector) -> None:
        results[i] = _inspect_one(c)

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(collectors)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return results


def _judge(name: str, result: tuple | None, timeout_s: float) -> tuple:
    """(status, message, snapshot, health finding or None) of one target's round."""
    if result is None:
        err = PollError(name, Health.TIMEOUT, _("no answer within {s}").format(s=units.duration(timeout_s)))
        snap = None
    else:
        snap, err, _gap = result
    status = err.kind if err else Health.OK
    message = err.message if err else ""
    return status, message, snap, checks.health_finding(name, status, message)


def _in_background(name: str, work) -> tuple[threading.Thread, list]:
    """The access review and the backups run beside the polls, not after them."""
    box: list = []

    def run() -> None:
        try:
            box.append(work())
        except Exception as exc:  # noqa: BLE001 - the rest of the report still stands
            box.append(exc)

    thread = threading.Thread(target=run, name=f"inspect-{name}", daemon=True)
    thread.start()
    return thread, box


def _side_result(name: str, thread: threading.Thread | None, box: list, timeout_s: float
                 ) -> tuple[object | None, list[Finding]]:
    if thread is None:  # a part this run does not cover
        return None, []
    thread.join(timeout_s + 2.0)
    result = box[0] if box else None
    if result is None or isinstance(result, Exception):
        why = str(result) if result is not None else _("no answer within {s}").format(s=units.duration(timeout_s))
        return None, [Finding(Severity.WARNING, name, f"{name}.source",
                              _("the {part} check could not run: {why}").format(part=name, why=why))]
    return result, list(result.findings)


def _part(parts: tuple[str, ...], name: str, work) -> tuple[threading.Thread | None, list]:
    return _in_background(name, work) if name in parts and work is not None else (None, [])


def run_inspection(inv: Inventory, timeout_s: float = 15.0, parts: tuple[str, ...] = scope.DEFAULT_PARTS,
                   sop=None, whole: Inventory | None = None) -> InspectionReport:
    """``parts``: what to cover (inspect_scope.PARTS); ``sop``: a callable giving the SOP part's
    report (it reads the store, which the caller knows); ``whole``: the inventory ``inv`` was
    cut from by --target (the backup sets find their hosts there)."""
    from erpconsole.services.access.inspect_access import inspect_access
    from erpconsole.services.backups.inspect_backups import inspect_backups
    from erpconsole.services.hosts.login_gate import LoginGate

    # The poll, the access review and the backup listing each log in to a host: an account
    # that refuses logins gets one failed attempt per run, not one from each of them.
    gate = LoginGate()
    hosts = host_targets(inv, login_gate=gate) if scope.HOSTS in parts else []
    databases = database_targets(inv) if scope.DATABASES in parts else []
    for _name, collector, *_rest in databases:
        collector.hold_rates(min(DB_RATE_WINDOW_S, timeout_s / 3))  # well inside the deadline
    access_job = _part(parts, scope.ACCESS, lambda: inspect_access(inv, timeout_s=timeout_s,
                                                                    login_gate=gate))
    backups_job = _part(parts, scope.BACKUPS, lambda: inspect_backups(
        scope.for_backups(inv, whole or inv), login_gate=gate))
    sop_job = _part(parts, scope.SOP, sop)
    results = _run_all([t[1] for t in hosts] + [t[1] for t in databases], timeout_s)
    host_reports: list[HostReport] = []
    db_reports: list[DatabaseReport] = []
    findings: list[Finding] = []
    for (name, _c, _i, _t, thresholds), result in zip(hosts, results[:len(hosts)], strict=True):
        status, message, snap, hf = _judge(name, result, timeout_s)
        gap = result[2] if result is not None and snap is not None else None
        host_reports.append(HostReport(name, status, message, snap, gap))
        findings.extend([hf] if hf else [])
        if snap is not None:
            findings.extend(checks.host_findings(snap, thresholds))
    for (name, collector, _i, _t, thresholds), result in zip(databases, results[len(hosts):], strict=True):
        status, message, snap, hf = _judge(name, result, timeout_s)
        kind = snap.kind if snap is not None else collector.kind
        db_reports.append(DatabaseReport(name, kind, status, message, snap))
        findings.extend([hf] if hf else [])
        if snap is not None:
            findings.extend(checks.db_findings(snap, thresholds))
    for _name, collector, *_rest in databases:
        collector.close()
    access, access_findings = _side_result("access", *access_job, timeout_s)
    backups, backup_findings = _side_result("backups", *backups_job, timeout_s)
    sops, sop_findings = _side_result("sop", *sop_job, timeout_s)
    findings.extend(access_findings + backup_findings + sop_findings)
    worst = checks.worst(findings)
    status = "ok" if worst is None or worst is Severity.INFO else worst.value
    return InspectionReport(datetime.now(timezone.utc), status, tuple(host_reports),
                            tuple(db_reports), tuple(findings), access, backups, parts, sops)


def _db_metrics(s: DatabaseSnapshot | None) -> dict:
    if s is None:
        return {}
    long_running = [x for x in s.sessions if x.duration_s is not None and not x.state.startswith("idle")]
    return {
        "version": s.version,
        "uptime_s": s.uptime_s,
        "is_replica": s.is_replica,
        "connections": s.connections,
        "max_connections": s.max_connections,
        "connections_percent": s.connections_percent,
        "tps": s.tps,
        "qps": s.queries_ps,
        "rate_window_s": s.rate_window_s,
        "cache_hit_percent": s.cache_hit_percent,
        "lock_waits": s.lock_waits,
        "blockers": [lock_text.to_json(b) for b in blockers(s.sessions)],
        "longest_query_s": max((x.duration_s for x in long_running), default=None),
        "replication_lag_s": s.replication_lag_s,
        "replication_lag_bytes": s.replication_lag_bytes,
        "size_bytes": s.size_bytes,
        "wraparound_percent": s.wraparound_percent,
        "notes": {n.panel: n.message for n in s.notes},
    }


def _host_metrics(h: HostReport) -> dict:
    out = metrics.host_json(h.snapshot)
    if out:
        out["cpu_window_s"] = None if h.cpu_window_s is None else round(h.cpu_window_s, 2)
    return out


def word(target: HostReport | DatabaseReport, findings: tuple[Finding, ...]) -> Verdict:
    """The one word a person sees for a target, as the window shows it: the health state when
    it could not be read, else its worst finding. Access findings name the system they were
    read from; they belong to the access section, not to the host's word."""
    own = tuple(f for f in findings if f.target == target.name and f.check != checks.HEALTH
                and not f.check.startswith("access."))
    return verdict(target.status, target.message, own)


def _severity(v: Verdict) -> str:
    return "unknown" if v.level == "pending" else v.level


def to_json(report: InspectionReport) -> str:
    doc = {
        "status": report.status,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "hosts": [
            {"name": h.name, "status": h.status.value, "severity": _severity(word(h, report.findings)), "message": h.message,
             "metrics": _host_metrics(h)}
            for h in report.hosts
        ],
        "databases": [
            {"name": d.name, "kind": d.kind, "status": d.status.value, "severity": _severity(word(d, report.findings)),
             "message": d.message,
             "metrics": _db_metrics(d.snapshot)}
            for d in report.databases
        ],
        "backups": backups_json(report.backups),
        "access": access_json(report.access),
        "sop": sop_json(report.sop),
        "covers": list(report.parts),
        "findings": [
            {"severity": f.severity.value, "target": f.target, "check": f.check, "message": f.message}
            for f in report.findings
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"


def _latency(s: HostSnapshot | None) -> str:
    return "-" if s is None or s.latency_ms is None else _("{ms:.1f} ms").format(ms=s.latency_ms)


def _loss(s: HostSnapshot | None) -> str:
    """The share lost and of how many probes: one inspect round sends one poll's few."""
    if s is None or s.loss_percent is None:
        return "-"
    return _("{pct:.0f}% of {n}").format(pct=s.loss_percent, n=s.loss_probes)


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows]


def _db_rows(report: InspectionReport) -> list[tuple[str, ...]]:
    rows = [(_("DATABASE"), _("KIND"), _("STATUS"), _("CONN"), _("TPS"), _("QPS"), _("CACHE"),
             _("LAG"), _("MESSAGE"))]
    for d in report.databases:
        s = d.snapshot
        conn = f"{s.connections}/{s.max_connections}" if s and s.connections is not None else "-"
        tps = f"{s.tps:.1f}" if s and s.tps is not None else "-"
        qps = f"{s.queries_ps:.1f}" if s and s.queries_ps is not None else "-"
        lag = units.duration(s.replication_lag_s) if s and s.replication_lag_s is not None else "-"
        v = word(d, report.findings)
        rows.append((d.name, d.kind, v.state, conn, tps, qps,
                     _pct(s.cache_hit_percent if s else None), lag,
                     v.cause or d.message or (s.note("rates") if s else "")))
    return rows


def _backup_rows(report: InspectionReport) -> list[tuple[str, ...]]:
    rows = [(_("BACKUP SET"), _("TOOL"), _("STATUS"), _("BACKUPS"), _("NEWEST"), _("RPO"), _("MESSAGE"))]
    for item in backups_json(report.backups):
        age = item["newest_age_s"]
        rows.append((item["name"], item["tool"], item["status"], str(item["backups"]),
                     units.duration(age) if age is not None else "-", units.duration(item["rpo_s"]),
                     item["message"]))
    return rows


def _access_rows(report: InspectionReport) -> list[tuple[str, ...]]:
    rows = [(_("ACCESS SOURCE"), _("SYSTEM"), _("ROWS"), _("MESSAGE"))]
    for s in report.access.extraction.sources:
        rows.append((s.source, s.system, str(s.rows), s.error or s.note or _("read in full")))
    return rows


def to_table(report: InspectionReport) -> str:
    rows = [(_("HOST"), _("STATUS"), _("CPU"), _("MEM"), _("DISK"), _("LOAD"), _("LATENCY"),
             _("LOSS"), _("MESSAGE"))]
    for h in report.hosts:
        s = h.snapshot
        disk = s.busiest_disk if s else None
        v = word(h, report.findings)
        rows.append((
            h.name, v.state, _pct(s.cpu_percent if s else None), _pct(s.mem_percent if s else None),
            f"{disk.mount} {disk.used_percent:.0f}%" if disk else "-",
            f"{s.load[0]:.2f}" if s and s.load else "-", _latency(s), _loss(s),
            v.cause or h.message,
        ))
    lines = _columns(rows) if scope.HOSTS in report.parts else []
    if report.databases:
        lines.append("")
        lines.extend(_columns(_db_rows(report)))
    if report.backups is not None and report.backups.sets:
        lines.append("")
        lines.extend(_columns(_backup_rows(report)))
    if report.access is not None and report.access.extraction.sources:
        lines.append("")
        lines.extend(_columns(_access_rows(report)))
    lines.append("")
    for f in report.findings:
        lines.append(f"{f.severity.value.upper():8}  {f.target}: {f.message}")
    lines.append(_("status: {status}").format(status=report.status.upper()))
    return "\n".join(line.rstrip() for line in lines) + "\n"
