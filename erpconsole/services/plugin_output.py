"""``inspect --format nagios``: the output a Nagios, Icinga or Naemon service check reads, as
the Monitoring Plugins development guidelines lay it out.

    ERPCONSOLE CRITICAL - 2 critical, 1 warning: erp-db-1 disk / at 96% (critical over 95%); ... | PERFDATA
    LONG OUTPUT, one finding or target a line
    |MORE PERFDATA

The first line is what the monitoring system shows and alerts with; the performance data of
the values over their limits stands on it, the rest on one line after the long output, which
Nagios (everything after the second "|") and Icinga 2 (the rest of each line that holds a "|")
both read. The exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) is the inspection's own.
"""

from __future__ import annotations

from erpconsole.config import Inventory
from erpconsole.i18n import _, ngettext
from erpconsole.services import perfdata
from erpconsole.services.backups.inspect_backups import backups_json
from erpconsole.services.models import Finding, Severity

SERVICE = "ERPCONSOLE"
_STATES = {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"}
FIRST_LINE_FINDINGS = 3  # more would not fit where the monitoring system shows the line


def _clean(text: str) -> str:
    """Text may hold no "|" (it starts the performance data) and no line end of its own."""
    return " ".join(text.replace("|", "/").split())


def _counts(findings: list[Finding]) -> str:
    crit = sum(f.severity is Severity.CRITICAL for f in findings)
    warn = sum(f.severity is Severity.WARNING for f in findings)
    parts = []
    if crit:
        parts.append(ngettext("{n} critical", "{n} critical", crit).format(n=crit))
    if warn:
        parts.append(ngettext("{n} warning", "{n} warnings", warn).format(n=warn))
    return ", ".join(parts)


def _covered(report) -> str:
    parts = []
    if report.hosts:
        parts.append(ngettext("{n} host", "{n} hosts", len(report.hosts)).format(n=len(report.hosts)))
    if report.databases:
        n = len(report.databases)
        parts.append(ngettext("{n} database", "{n} databases", n).format(n=n))
    sets = len(report.backups.sets) if report.backups is not None else 0
    if sets:
        parts.append(ngettext("{n} backup set", "{n} backup sets", sets).format(n=sets))
    if report.access is not None:
        n = len(report.access.extraction.accounts)
        parts.append(ngettext("{n} account reviewed", "{n} accounts reviewed", n).format(n=n))
    if report.sop is not None:
        parts.append(_("SOP schedules"))
    return ", ".join(parts) or _("nothing")


def summary(report) -> str:
    """The first line's text, after the state."""
    bad = sorted((f for f in report.findings if f.severity in (Severity.CRITICAL, Severity.WARNING)),
                 key=lambda f: -f.severity.rank)
    if not bad:
        return _("{covered}: nothing over its limit").format(covered=_covered(report))
    shown = "; ".join(f"{f.target} {f.message}" for f in bad[:FIRST_LINE_FINDINGS])
    if len(bad) > FIRST_LINE_FINDINGS:
        rest = len(bad) - FIRST_LINE_FINDINGS
        shown += ngettext("; and {n} more", "; and {n} more", rest).format(n=rest)
    return _("{counts}: {findings}").format(counts=_counts(bad), findings=shown)


def items(report, inv: Inventory) -> list[perfdata.PerfItem]:
    out: list[perfdata.PerfItem] = []
    for h in report.hosts:
        out += perfdata.host_items(h.name, h.snapshot, perfdata.thresholds_of(inv, h.name))
    for d in report.databases:
        out += perfdata.db_items(d.name, d.snapshot, perfdata.thresholds_of(inv, d.name))
    out += perfdata.backup_items(backups_json(report.backups))
    return out


def _long_output(report) -> list[str]:
    lines = [_clean(f"{f.severity.value.upper()} {f.target}: {f.message}") for f in report.findings]
    said = {(f.target, f.message) for f in report.findings}
    for t in (*report.hosts, *report.databases):
        if t.message and (t.name, t.message) not in said:  # a failed poll is its own finding
            lines.append(_clean(f"{t.name}: {t.status.value}: {t.message}"))
    return lines


def to_nagios(report, inv: Inventory) -> str:
    state = _STATES.get(report.status, "UNKNOWN")
    perf = items(report, inv)
    first = [p for p in perf if p.alerts()] or perf[:1]
    rest = [p for p in perf if p not in first]
    line = f"{SERVICE} {state} - {_clean(summary(report))}"
    if first:
        line += " | " + " ".join(p.text() for p in first)
    lines = [line, *_long_output(report)]
    if rest:
        # One line, the bar right before the first item: Nagios reads everything after the
        # second "|" as performance data, Icinga 2 only the rest of a line that holds a "|" (and
        # a space after the bar there split the next label in two).
        lines.append("|" + " ".join(p.text() for p in rest))
    return "\n".join(lines) + "\n"


def unknown(message: str) -> str:
    """The one line a check prints when it could not run (bad input): exit 3."""
    return f"{SERVICE} UNKNOWN - {_clean(message)}\n"
