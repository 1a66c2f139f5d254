"""The daily inspection report: data from one inspection round, the store's last 24 h and the
open SOP runs (daily.py), rendered as self-contained HTML (html.py) or PDF (pdf.py)."""

from __future__ import annotations

from pathlib import Path

from erpconsole.services.report.daily import DailyReport, build_report
from erpconsole.services.report.where import store_label

__all__ = ["DailyReport", "build_report", "open_history", "render", "store_label", "write_inspection_report", "write_report"]


def render(report: DailyReport, path: str | Path) -> bytes:
    """The file's bytes, the format chosen by the extension: .pdf is PDF, anything else HTML."""
    if Path(path).suffix.lower() == ".pdf":
        from erpconsole.services.report.pdf import render_pdf

        return render_pdf(report)
    from erpconsole.services.report.html import render_html

    return render_html(report).encode("utf-8")


def write_report(report: DailyReport, path: str | Path) -> None:
    """Written to a temporary file first, so a reader never sees half a report."""
    target = Path(path)
    data = render(report, target)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)


def open_history(url: str):
    """(Store or None, a note for standard error, the report header's sentence). A SQLite file
    that is not there is not created: a report asked for on a fresh machine says which store it
    looked for rather than leaving one behind."""
    from sqlalchemy.engine import make_url

    from erpconsole.i18n import _
    from erpconsole.services.store import Store

    where = store_label(url)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database or "").expanduser()
            if not parsed.database or not path.exists():
                return (None, _("no metric store at {path}: the report has no history").format(path=where),
                        _("No metric store at {path}: this report has no history.").format(path=where))
        return Store(url), None, ""
    except Exception as exc:  # noqa: BLE001 - the report goes on without history
        error = type(exc).__name__
        return (None, _("the metric store could not open ({error}): the report has no history").format(error=error),
                _("The metric store at {path} could not open ({error}): this report has no history.").format(
                    path=where, error=error))


def write_inspection_report(inspection, path: str | Path, store_url: str, sop_runs=None) -> list[str]:
    """``inspect --report``: builds and writes the report; returns warnings for standard error.
    Raises OSError when the file cannot be written."""
    store, why, note = open_history(store_url)
    try:
        if sop_runs is None and store is not None:
            sop_runs = _recent_runs(store)
        write_report(build_report(inspection, store, sop_runs, store_note=note), path)
    finally:
        if store is not None:
            store.close()
    return [why] if why else []


def _recent_runs(store) -> list:
    """Open runs and the last day's runs from the store, for the report's SOP section."""
    from erpconsole.services.sop.runs import RunStore

    try:
        return RunStore(store.engine).runs(limit=200)
    except Exception:  # noqa: BLE001 - an older store without SOP tables: the section says none
        return []
