"""report.pdf of the evidence package: the campaign, its sign-off, what was read from where,
and every account with its findings and decision, in a table an auditor can read on paper.

Drawn on the console's PDF page (services/pdf_doc.py).
"""

from __future__ import annotations

import time
from datetime import datetime

from fpdf.fonts import FontFace

from erpconsole.services.access.models import CampaignReview, Decision
from erpconsole.services.access.timestamps import iso
from erpconsole.i18n import _
from erpconsole.services.pdf_doc import PdfDocument


def short(ts: float | None) -> str:
    """Minutes are enough in a table cell; the CSV keeps the full time with its zone."""
    return "" if ts is None else datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _heading(pdf: PdfDocument, text: str) -> None:
    pdf.ln(2)
    pdf.font("B", 12)
    pdf.cell(0, 8, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _pairs(pdf: PdfDocument, pairs: list[tuple[str, str]]) -> None:
    for label, value in pairs:
        pdf.font("B", 9)
        pdf.cell(55, 5.5, pdf.text_of(label))
        pdf.font("", 9)
        pdf.multi_cell(0, 5.5, pdf.text_of(value, 400), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: PdfDocument, header: list[str], rows: list[list], widths: tuple[int, ...], size: float = 7.5) -> None:
    pdf.font("", size)
    with pdf.table(col_widths=widths, first_row_as_headings=True, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(225, 228, 235)),
                   line_height=size * 0.5, text_align="LEFT") as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(pdf.text_of(value))


def _summary(pdf: PdfDocument, review: CampaignReview) -> None:
    c, ex = review.campaign, review.extraction
    counts: dict[str, int] = {}
    for r in review.rows:
        for f in r.findings:
            counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    decided: dict[str, int] = {}
    for r in review.rows:
        key = r.decision.decision if r.decision else _("undecided")
        decided[key] = decided.get(key, 0) + 1
    _pairs(pdf, [
        (_("Campaign"), c.name),
        (_("Created"), f"{iso(c.created_ts)}  {c.created_by}"),
        (_("Signed"), f"{c.signed_by}, {iso(c.signed_ts)} ({c.signed_actor})" if c.signed else _("not signed")),
        (_("Accounts extracted"), f"{iso(ex.ts) if ex else ''}: {len(review.rows)}"),
        (_("Baseline for drift"), review.baseline or _("none (first signed campaign)")),
        (_("Findings"), ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or _("none")),
        (_("Decisions"), ", ".join(f"{k} {v}" for k, v in sorted(decided.items()))),
        (_("Generated"), iso(time.time())),
    ])


def _sources(pdf: PdfDocument, review: CampaignReview) -> None:
    sources = review.extraction.sources if review.extraction else ()
    _heading(pdf, _("What was read (completeness)"))
    _table(pdf, [_("System"), _("Source"), _("Kind"), _("Read at"), _("Rows"), _("Result")],
           [[s.system, s.source, s.kind, short(s.ts), s.rows, s.error or s.note or _("read in full")]
            for s in sources], (40, 22, 22, 45, 14, 134))
    for s in sources:
        pdf.font("B", 8)
        pdf.cell(0, 5, pdf.text_of(_("{system} ({source}): query or command used").format(
            system=s.system, source=s.source)), new_x="LMARGIN", new_y="NEXT")
        pdf.font("", 6.5, mono=True)
        pdf.multi_cell(0, 3.2, pdf.text_of(s.query, 4000), new_x="LMARGIN", new_y="NEXT")


def _statements(pdf: PdfDocument, review: CampaignReview) -> None:
    rows = [[r.account.key, s.language, s.text, s.why if s.runnable else _("template: edit first. ") + s.why]
            for r in review.rows for s in r.statements]
    if rows:
        _heading(pdf, _("Statements that carry out the decisions"))
        _table(pdf, [_("Account"), _("Language"), _("Statement"), _("Why")], rows, (70, 18, 110, 79))


def render_pdf(review: CampaignReview, log: list[tuple[str, str, Decision]]) -> bytes:
    pdf = PdfDocument(_("Access review evidence: {name}").format(name=review.campaign.name))
    pdf.add_page()
    _heading(pdf, _("Access review: {name}").format(name=review.campaign.name))
    _summary(pdf, review)
    _sources(pdf, review)
    pdf.add_page()
    _heading(pdf, _("Accounts, findings and decisions"))
    _table(pdf, [_("Account"), _("System"), _("Owner"), _("Findings"), _("Decision"), _("Reviewer, time"),
                 _("Comment")],
           [[f"{r.account.name} ({r.account.source}/{r.account.kind})", r.account.system,
             r.owner.name if r.owner else "", "; ".join(f.message for f in r.findings),
             r.decision.decision if r.decision else _("undecided"),
             f"{r.decision.reviewer}, {short(r.decision.ts)}" if r.decision else "",
             r.decision.comment if r.decision else ""] for r in review.rows],
           (45, 28, 28, 70, 18, 40, 48))
    if review.gone:
        _heading(pdf, _("Approved in the baseline, no longer present"))
        _table(pdf, [_("Account"), _("Finding")], [[f.key, f.message] for f in review.gone], (100, 177))
    _heading(pdf, _("Decision history"))
    _table(pdf, ["#", _("Action"), _("Account"), _("Decision"), _("Reviewer"), _("At"), _("Comment")],
           [[i, op, key, d.decision, d.reviewer, short(d.ts), d.comment] for i, (op, key, d) in enumerate(log, 1)],
           (10, 14, 80, 18, 45, 30, 80))
    _statements(pdf, review)
    return bytes(pdf.output())
