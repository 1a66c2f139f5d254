"""The PDF page every report of the console is drawn on (fpdf2; the services layer has no Qt).

DejaVu Sans (fonts-dejavu-core) covers Latin, Cyrillic and Greek; a CJK font is added as
fallback when the machine has one (fonts-wqy-microhei is installed by `make test`).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from erpconsole.i18n import _

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
_CJK = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
_LIMIT = 120  # characters of one cell; a report keeps the whole value elsewhere (CSV, HTML)


def _find(name: str) -> str | None:
    return next((str(Path(d) / name) for d in _FONT_DIRS if (Path(d) / name).exists()), None)


class PdfDocument(FPDF):
    """A landscape A4 page with a title line and page numbers, in DejaVu where the machine has
    it (CJK as a fallback font), else in the core fonts with Latin-1 text."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.title_text = title
        self.unicode = False
        regular, bold, mono = _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf"), _find("DejaVuSansMono.ttf")
        if regular and bold and mono:
            self.add_font("body", "", regular)
            self.add_font("body", "B", bold)
            self.add_font("mono", "", mono)
            self.unicode = True
            cjk = next((p for p in _CJK if Path(p).exists()), None)
            if cjk:
                self.add_font("cjk", "", cjk)
                self.set_fallback_fonts(["cjk"])
        self.set_auto_page_break(True, margin=14)
        self.alias_nb_pages()

    def font(self, style: str = "", size: float = 9, mono: bool = False) -> None:
        if self.unicode:
            self.set_font("mono" if mono else "body", "" if mono else style, size)
        else:
            self.set_font("courier" if mono else "helvetica", style, size)

    def text_of(self, value: object, limit: int = _LIMIT) -> str:
        text = "" if value is None else str(value)
        text = text if len(text) <= limit else text[:limit - 1] + "…"
        # Core fonts know Latin-1 only: a machine without DejaVu still gets a readable report.
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def header(self) -> None:
        self.font("B", 9)
        self.cell(0, 6, self.text_of(self.title_text), new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-10)
        self.font("", 7)
        self.cell(0, 5, self.text_of(_("page {page} of {pages}").format(page=self.page_no(), pages="{nb}")),
                  align="R")
