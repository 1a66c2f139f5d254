"""The daily report as one self-contained HTML file: inline CSS, charts as inline SVG, no
script and no network, so it opens the same from a mail attachment or a USB stick, and prints.
Every value from the outside world goes through html.escape."""

from __future__ import annotations

import html

from erpconsole.services.report import fmt
from erpconsole.services.report.daily import Chart, DailyReport

CHART_W, CHART_H = 160, 36

_CSS = """
body { font: 13px/1.4 "DejaVu Sans", "Segoe UI", "Noto Sans CJK SC", sans-serif; color: #1d232b;
       margin: 24px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 22px 0 6px; border-bottom: 1px solid #c8ced6; padding-bottom: 2px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
tr { page-break-inside: avoid; break-inside: avoid; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-weight: 600; color: #fff; }
.badge.ok { background: #2e7d32; } .badge.warning { background: #b26a00; }
.badge.critical { background: #c62828; } .badge.info, .badge.unknown { background: #5c6b7a; }
tr.warning td:first-child { border-left: 4px solid #e09b00; }
tr.critical td:first-child { border-left: 4px solid #c62828; }
tr.ok td:first-child { border-left: 4px solid #2e7d32; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 6px 10px; }
figure { margin: 0; } figcaption { font-size: 11px; color: #4a5561; }
svg.spark { border: 1px solid #d5dae0; background: #fafbfc; }
svg.spark polyline { fill: none; stroke: #1f6fb2; stroke-width: 1.5; }
.empty { color: #5c6b7a; font-style: italic; }
footer { margin-top: 28px; font-size: 11px; color: #5c6b7a; border-top: 1px solid #c8ced6; padding-top: 6px; }
@media print { body { margin: 0; } h2 { break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{e(text)}</p>' if cls else f"<p>{e(text)}</p>"


def _table(table: fmt.Table, empty: str) -> str:
    headers, rows, levels = table
    if not rows:
        return _p(empty, "empty")
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(f'<tr class="{e(lv)}">' + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                   for row, lv in zip(rows, levels, strict=True))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"



def svg_chart(c: Chart) -> str:
    caption = e(fmt.chart_caption(c))
    if c.empty:
        return f'<figure><figcaption class="empty">{caption}</figcaption></figure>'
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in fmt.chart_xy(c, CHART_W, CHART_H, 2))
    return (f'<figure><svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" '
            f'height="{CHART_H}" viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="{caption}">'
            f'<title>{caption}</title><polyline points="{points}"/></svg>'
            f"<figcaption>{caption}</figcaption></figure>")


def _charts(rows) -> str:
    out = []
    for row in rows:
        if row.charts:
            out.append(f'<div class="charts"><strong>{e(row.name)}</strong>'
                       + "".join(svg_chart(c) for c in row.charts) + "</div>")
    return "".join(out)


def _section(key: str, body: str) -> str:
    return f'<section id="{key}"><h2>{e(fmt.section_titles()[key])}</h2>{body}</section>'


def _summary(r: DailyReport) -> str:
    lines = fmt.summary_lines(r)
    badge = f'<span class="badge {e(r.status)}">{e(r.status.upper())}</span>'
    return (f"<p>{badge} {e(lines[0])}</p>" + "".join(_p(x) for x in lines[1:])
            + _table(fmt.findings_table(r), fmt.empty_text(r, "findings")))


def render_html(r: DailyReport) -> str:
    parts = [
        _section("summary", _summary(r)),
        _section("hosts", _table(fmt.hosts_table(r), fmt.empty_text(r, "hosts")) + _charts(r.hosts)),
        _section("databases", _table(fmt.databases_table(r), fmt.empty_text(r, "databases"))
                 + _charts(r.databases)),
        _section("backups", _table(fmt.backups_table(r), fmt.empty_text(r, "backups"))),
        _section("access", "".join(_p(x) for x in fmt.access_lines(r))
                 + _table(fmt.access_table(r), fmt.empty_text(r, "access"))),
        _section("sops", _table(fmt.sops_table(r), fmt.empty_text(r, "sops"))),
        _section("changes", "".join(_p(x) for x in r.change_lines)
                 + _table(fmt.changes_table(r), fmt.empty_text(r, "changes"))
                 + (_p(fmt.changes_more(r), "empty") if r.changes_cut else "")),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(fmt.title())} {e(fmt.when(r.generated_at))}</title><style>{_CSS}</style></head>"
            f"<body><header><h1>{e(fmt.title())}</h1>{_p(fmt.when(r.generated_at))}{_p(fmt.store_line(r))}"
            f"{_p(r.audit_line) if r.audit_line else ''}</header>"
            + "".join(parts) + f"<footer>{e(fmt.footer(r))}</footer></body></html>\n")
