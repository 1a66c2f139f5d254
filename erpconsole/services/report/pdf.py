"""The daily report as PDF with fpdf2 (no Qt in services): the same sections and words as the
HTML, charts drawn as polylines. On the console's PDF page (services/pdf_doc.py): DejaVu, a CJK fallback."""

from __future__ import annotations

from fpdf.fonts import FontFace

from erpconsole.services.pdf_doc import PdfDocument
from erpconsole.services.report import fmt
from erpconsole.services.report.daily import Chart, DailyReport

CHART_W, CHART_H, NAME_W = 62.0, 13.0, 40.0
_FILL = {"ok": (214, 236, 216), "warning": (255, 231, 186), "critical": (248, 205, 205),
         "info": (228, 232, 238)}
_LINE = (31, 111, 178)


class _DailyPdf(PdfDocument):
    """The console's PDF page, with when, where and which version on every
    page's foot: a printed page that strays from the pile still says what it is."""

    def __init__(self, title: str, foot: str) -> None:
        super().__init__(title)
        self.foot = foot

    def header(self) -> None:
        self.set_text_color(0, 0, 0)
        super().header()

    def footer(self) -> None:
        self.set_y(-10)
        self.font("", 7)
        self.set_text_color(92, 107, 122)
        self.cell(0, 5, self.text_of(self.foot, 200))
        self.set_x(self.l_margin)
        self.set_text_color(0, 0, 0)
        super().footer()


def _heading(pdf: _DailyPdf, text: str) -> None:
    if pdf.get_y() > pdf.page_break_trigger - 30:
        pdf.add_page()  # a heading never sits alone at the bottom of a page
    pdf.ln(2)
    pdf.font("B", 12)
    pdf.cell(0, 8, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _line(pdf: _DailyPdf, text: str, style: str = "", size: float = 9, limit: int = 400) -> None:
    pdf.font(style, size)
    pdf.multi_cell(0, 5, pdf.text_of(text, limit), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: _DailyPdf, table: fmt.Table, widths: tuple[int, ...], empty: str) -> None:
    headers, rows, levels = table
    if not rows:
        pdf.set_text_color(92, 107, 122)
        _line(pdf, empty, size=8.5)
        pdf.set_text_color(0, 0, 0)
        return
    pdf.font("", 7.5)
    pdf.set_fill_color(255, 255, 255)  # fpdf2 fills the other cells with the current colour
    with pdf.table(col_widths=widths, first_row_as_headings=True, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(225, 228, 235)),
                   line_height=3.9, text_align="LEFT") as t:
        head = t.row()
        for h in headers:
            head.cell(pdf.text_of(h))
        for values, level in zip(rows, levels, strict=True):
            row = t.row()
            for i, value in enumerate(values):
                # The first cell carries the row's level, as the coloured edge does in the HTML.
                style = FontFace(fill_color=_FILL.get(level)) if i == 0 else None
                row.cell(pdf.text_of(value, 400), style=style)
    pdf.ln(1)



def _chart(pdf: _DailyPdf, c: Chart, x: float, y: float) -> None:
    pdf.set_draw_color(200, 205, 212)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, CHART_W, CHART_H)
    if not c.empty:
        points = [(x + px, y + py) for px, py in fmt.chart_xy(c, CHART_W, CHART_H, 0.8)]
        pdf.set_draw_color(*_LINE)
        pdf.set_line_width(0.35)
        pdf.polyline(points)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(x, y + CHART_H + 0.5)
    pdf.font("", 6.5)
    if c.empty:
        pdf.set_text_color(92, 107, 122)
    pdf.cell(CHART_W, 3.5, pdf.text_of(fmt.chart_caption(c), 60))
    pdf.set_text_color(0, 0, 0)


def _charts(pdf: _DailyPdf, rows) -> None:
    for row in rows:
        if not row.charts:
            continue
        if pdf.get_y() + CHART_H + 7 > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y() + 1
        pdf.set_xy(pdf.l_margin, y + CHART_H / 2 - 2)
        pdf.font("B", 8)
        pdf.cell(NAME_W, 4, _fit(pdf, row.name, NAME_W - 2))
        for i, c in enumerate(row.charts[:3]):
            _chart(pdf, c, pdf.l_margin + NAME_W + i * (CHART_W + 6), y)
        pdf.set_xy(pdf.l_margin, y + CHART_H + 5)


def _fit(pdf: _DailyPdf, text: str, width: float) -> str:
    """Cut to the width in the current font, so a long name never runs into the chart."""
    text = pdf.text_of(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _summary(pdf: _DailyPdf, r: DailyReport) -> None:
    lines = fmt.summary_lines(r)
    pdf.set_fill_color(*_FILL.get(r.status, _FILL["info"]))
    pdf.font("B", 11)
    pdf.cell(0, 7, pdf.text_of(lines[0]), fill=True, new_x="LMARGIN", new_y="NEXT")
    for text in lines[1:]:
        _line(pdf, text)
    pdf.ln(1)
    _table(pdf, fmt.findings_table(r), (22, 45, 45, 165), fmt.empty_text(r, "findings"))


def render_pdf(r: DailyReport) -> bytes:
    titles = fmt.section_titles()
    pdf = _DailyPdf(f"{fmt.title()}  {fmt.when(r.generated_at)}  {r.machine}", fmt.footer(r))
    pdf.add_page()
    pdf.font("B", 16)
    pdf.cell(0, 9, pdf.text_of(fmt.title()), new_x="LMARGIN", new_y="NEXT")
    _line(pdf, fmt.store_line(r), size=8.5)
    if r.audit_line:
        _line(pdf, r.audit_line, size=8.5, limit=1200)  # whole: the hashes are its point
    _heading(pdf, titles["summary"])
    _summary(pdf, r)
    _heading(pdf, titles["hosts"])
    _table(pdf, fmt.hosts_table(r), (45, 25, 16, 18, 40, 16, 117), fmt.empty_text(r, "hosts"))
    _charts(pdf, r.hosts)
    _heading(pdf, titles["databases"])
    _table(pdf, fmt.databases_table(r), (40, 20, 22, 24, 16, 18, 24, 20, 93), fmt.empty_text(r, "databases"))
    _charts(pdf, r.databases)
    _heading(pdf, titles["backups"])
    _table(pdf, fmt.backups_table(r), (40, 20, 18, 18, 16, 55, 40, 70), fmt.empty_text(r, "backups"))
    _heading(pdf, titles["access"])
    for text in fmt.access_lines(r):
        _line(pdf, text)
    _table(pdf, fmt.access_table(r), (50, 40, 187), fmt.empty_text(r, "access"))
    _heading(pdf, titles["sops"])
    _table(pdf, fmt.sops_table(r), (14, 55, 45, 28, 14, 18, 103), fmt.empty_text(r, "sops"))
    _heading(pdf, titles["changes"])
    for text in r.change_lines:
        _line(pdf, text)
    _table(pdf, fmt.changes_table(r), (30, 18, 45, 184), fmt.empty_text(r, "changes"))
    if r.changes_cut:
        _line(pdf, fmt.changes_more(r), size=8)
    return bytes(pdf.output())
