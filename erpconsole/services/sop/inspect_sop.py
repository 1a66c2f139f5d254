"""The SOP part of ``inspect --only sop``: scheduled procedures due or overdue, read from the
store the console records its runs in (read-only: a monitoring check writes nothing)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import Finding, Severity
from erpconsole.services.sop.models import DueRun

OVERDUE = "sop.overdue"
DUE = "sop.due"


@dataclass(frozen=True, slots=True)
class SopReport:
    due: tuple[DueRun, ...]
    findings: tuple[Finding, ...]


def _finding(d: DueRun, now: float) -> Finding:
    when = datetime.fromtimestamp(d.due).strftime("%Y-%m-%d %H:%M")
    fields = {"title": d.title, "when": when, "age": units.duration(now - d.due)}
    if d.overdue:
        return Finding(Severity.WARNING, d.template_id, OVERDUE, _(
            "{title} was due at {when} ({age} ago) and is not signed yet; run it from the SOPs "
            "page").format(**fields))
    return Finding(Severity.INFO, d.template_id, DUE, _(
        "{title} is due since {when} ({age} ago)").format(**fields))


def inspect_sop(inv, store_url: str, template_dirs=(), now: float | None = None) -> SopReport:
    """Due and overdue runs from the store at ``store_url``; a store that does not exist yet
    has recorded nothing, so nothing is due."""
    from erpconsole.services.sop.service import SopService
    from erpconsole.services.store.db import make_read_only_engine

    now = time.time() if now is None else now
    try:
        engine = make_read_only_engine(store_url)
    except FileNotFoundError:
        return SopReport((), ())
    try:
        service = SopService(engine, inv, template_dirs=(*template_dirs, *inv.sop_folders),
                             now=lambda: now)
        due = tuple(service.due())
    finally:
        engine.dispose()
    return SopReport(due, tuple(_finding(d, now) for d in due))


def sop_json(report: SopReport | None) -> list[dict]:
    if report is None:
        return []
    return [{"template": d.template_id, "title": d.title, "due": d.due, "overdue": d.overdue,
             "run_id": d.run_id} for d in report.due]
