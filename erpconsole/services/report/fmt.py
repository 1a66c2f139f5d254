"""The report's words and table cells, shared by the HTML and the PDF so both say the same."""

from __future__ import annotations

from datetime import datetime

from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.report.daily import DAY_S, Chart, DailyReport

Table = tuple[list[str], list[list[str]], list[str]]  # headers, rows of cells, level per row


def section_titles() -> dict[str, str]:
    return {
        "summary": _("Summary"), "hosts": _("Hosts"), "databases": _("Databases"),
        "backups": _("Backups against RPO"), "access": _("Access findings"),
        "sops": _("Open SOP runs and failed checks"), "changes": _("What changed since yesterday"),
    }


def title() -> str:
    return _("Daily inspection report")


def when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"


def num(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def age(seconds: float | None) -> str:
    return "-" if seconds is None else units.duration(seconds)


def size(b: float | None) -> str:
    if b is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(b) < 1024 or unit == "TiB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1024
    return "-"


def chart_range(c: Chart) -> tuple[float, float]:
    """Percentages keep their 0-100 scale, so a flat 20% line does not look like a full disk."""
    values = [v for _t, v in c.points]
    if c.unit == "%":
        return 0.0, max(100.0, max(values))
    lo, hi = min(values), max(values)
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def chart_caption(c: Chart) -> str:
    if c.empty and c.source:
        return _("{title}: no samples in {store}").format(title=c.title, store=c.source)
    if c.empty:
        return _("{title}: no history").format(title=c.title)
    values = [v for _t, v in c.points]
    span = c.end - c.start
    # Within the last slot of the day it is the whole day; else say how much there was.
    covered = _("24 h") if span >= DAY_S - 900 else _("last {span}").format(span=age(span))
    return _("{title}, {span}: mean {mean}, max {high}").format(
        title=c.title, span=covered, mean=f"{sum(values) / len(values):.0f}{c.unit}",
        high=f"{max(values):.0f}{c.unit}")


def chart_xy(c: Chart, width: float, height: float, pad: float) -> list[tuple[float, float]]:
    """The chart's points in a width x height box (y down), shared by the HTML and the PDF.
    A single sample becomes a short level stroke: a line of one point draws nothing."""
    lo, hi = chart_range(c)
    span = (c.end - c.start) or 1.0
    xy = [((t - c.start) / span * width, height - pad - (v - lo) / (hi - lo) * (height - 2 * pad))
          for t, v in c.points]
    if len(xy) == 1:
        x, y = xy[0]
        xy = [(max(0.0, x - 2 * pad), y), (min(width, x + 2 * pad), y)]
    return xy


def store_line(r: DailyReport) -> str:
    """The header's word on history: which store was read, or which was looked for."""
    if r.has_store:
        return _("History from {store}").format(store=r.store)
    return r.store_note or _("No history: no metric store was given.")


def summary_lines(r: DailyReport) -> list[str]:
    targets = ", ".join(f"{_(lv)} {n}" for lv, n in r.target_counts)
    found = ", ".join(f"{_(sev)} {n}" for sev, n in r.finding_counts)
    return [_("Overall status: {status}").format(status=r.status.upper()),
            _("Targets: {counts}").format(counts=targets),
            _("Findings: {counts}").format(counts=found)]


def findings_table(r: DailyReport) -> Table:
    return ([_("Severity"), _("Target"), _("Check"), _("Message")],
            [[f.severity.value, f.target, f.check, f.message] for f in r.findings],
            [f.severity.value for f in r.findings])


def hosts_table(r: DailyReport) -> Table:
    rows = [[h.name, h.status, pct(h.cpu_percent), pct(h.mem_percent),
             f"{h.disk_mount} {pct(h.disk_percent)}" if h.disk_mount else "-", num(h.load1, 2), h.message]
            for h in r.hosts]
    return ([_("Host"), _("Status"), _("CPU"), _("Memory"), _("Fullest disk"), _("Load"), _("Message")],
            rows, [h.level for h in r.hosts])


def databases_table(r: DailyReport) -> Table:
    rows = []
    for d in r.databases:
        conn = "-" if d.connections is None else f"{d.connections}/{d.max_connections or '-'}"
        lag = "-" if d.replication_lag_s is None else age(d.replication_lag_s)
        rows.append([d.name, d.kind, d.status, conn, num(d.tps), pct(d.cache_hit_percent), lag,
                     size(d.size_bytes), d.message])
    return ([_("Database"), _("Kind"), _("Status"), _("Connections"), _("TPS"), _("Cache hit"),
             _("Replication lag"), _("Size"), _("Message")], rows, [d.level for d in r.databases])


def _yes_no(v: bool | None, none: str) -> str:
    return none if v is None else (_("ok") if v else _("failed"))


def backups_table(r: DailyReport) -> Table:
    rows = []
    for b in r.backups:
        verified = _yes_no(b.verified, _("not verified"))
        drill = _("never") if b.drill_ts is None else f"{when(b.drill_ts)} {_yes_no(b.drill_ok, '')}"
        rows.append([b.name, b.tool, b.level, age(b.newest_age_s), age(b.rpo_s),
                     f"{verified} {b.verify_message}".strip(), drill, b.message])
    return ([_("Backup set"), _("Tool"), _("Status"), _("Newest"), _("RPO"), _("Verification"),
             _("Last drill"), _("Message")], rows, [b.level for b in r.backups])


def access_lines(r: DailyReport) -> list[str]:
    a = r.access
    if not a.available:
        return [_("The access review did not run.")]
    lines = [_("{accounts} accounts read from {sources} sources.").format(accounts=a.accounts, sources=a.sources)]
    if a.by_rule:
        lines.append(_("Findings by rule: {rules}").format(
            rules=", ".join(f"{rule} {n}" for rule, n in a.by_rule)))
    else:
        lines.append(_("No access findings."))
    return lines


def access_table(r: DailyReport) -> Table:
    crit = r.access.critical
    return ([_("System"), _("Rule"), _("Finding")],
            [[f.target, f.check.removeprefix("access."), f.message] for f in crit], ["critical"] * len(crit))


def sops_table(r: DailyReport) -> Table:
    rows, levels = [], []
    for s in r.sops:
        failed = "; ".join(f"{step}: {msg}" if msg else step for step, msg in s.failed)
        rows.append([f"#{s.run_id}", s.title, f"{when(s.started)} {s.started_by}", when(s.due),
                     f"{s.done}/{s.total}", _(s.outcome), failed])
        levels.append("critical" if s.failed else "warning" if s.outcome == "open" else "ok")
    return ([_("Run"), _("Procedure"), _("Started"), _("Due"), _("Done"), _("Outcome"), _("Failed steps")],
            rows, levels)


def _repeated(c) -> str:
    if c.count < 2:
        return c.message
    return _("{message} ({n} times since {first})").format(
        message=c.message, n=c.count, first=when(c.first_ts))


def changes_table(r: DailyReport) -> Table:
    rows = [[when(c.ts), c.kind, c.target, _repeated(c)] for c in r.changes]
    return ([_("Time"), _("Kind"), _("Target"), _("What")], rows, [c.level for c in r.changes])


def empty_text(r: DailyReport, key: str) -> str:
    """What a section says when it has no rows: never a bare heading."""
    return {
        "findings": _("No warnings and no critical findings."),
        "hosts": _("No hosts configured."),
        "databases": _("No databases configured."),
        "backups": _("No backup sets configured."),
        "access": _("No critical access findings."),
        "sops": _("No open SOP runs and no failed checks.") if r.sops_given
        else _("SOP runs were not included in this report."),
        "changes": _("No changes in the last 24 hours.") if r.has_store
        else _("No history: no metric store was given."),
    }[key]


def footer(r: DailyReport) -> str:
    return _("Generated {when} on {machine} by erpconsole {version}").format(
        when=datetime.fromtimestamp(r.generated_at).astimezone().isoformat(timespec="seconds"),
        machine=r.machine, version=r.version)


def changes_more(r: DailyReport) -> str:
    return _("{n} older changes left off; the console's event log has them.").format(n=r.changes_cut) \
        if r.changes_cut else ""
