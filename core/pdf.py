"""Building blocks of the PDF reports (ReportLab platypus): headings, tables, key-value
lists, and the page footer. The standard Helvetica font needs no font file; text is
escaped for Paragraph markup and characters it cannot draw are replaced. Figures and dates
are written by core/formats.py in the job's language, like the pages."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.formats import format_datetime, format_percent

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8, leading=9.5, spaceBefore=0, spaceAfter=0)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)
TINY = ParagraphStyle("tiny", parent=CELL, fontSize=7, leading=8.5)
TINY_RIGHT = ParagraphStyle("tiny_right", parent=TINY, alignment=TA_RIGHT)
# Headings keep with what follows them: never alone at the foot of a page.
H1 = ParagraphStyle(
    "h1", parent=_STYLES["Heading1"], fontSize=16, leading=19, spaceAfter=4, keepWithNext=1
)
H2 = ParagraphStyle(
    "h2", parent=_STYLES["Heading2"], fontSize=12, leading=15, spaceBefore=10, keepWithNext=1
)
H3 = ParagraphStyle(
    "h3", parent=_STYLES["Heading3"], fontSize=10, leading=12, spaceBefore=6, keepWithNext=1
)

# Helvetica (WinAnsi) has no narrow or thin no-break space, which babel puts in French
# amounts: draw an ordinary no-break space instead.
_REPLACEMENTS = str.maketrans({"\u202f": "\u00a0", "\u2009": " ", "\u2192": "-"})

HEADER_BACKGROUND = colors.HexColor("#e8eef3")
GRID = colors.HexColor("#b8c4cc")


def clean(value) -> str:
    return "" if value is None else str(value).translate(_REPLACEMENTS)


def para(value, style=BODY) -> Paragraph:
    """A paragraph of plain text (never markup: user text cannot inject tags)."""
    return Paragraph(escape(clean(value)).replace("\n", "<br/>"), style)


def document(path, *, title: str, wide: bool = False) -> SimpleDocTemplate:
    size = landscape(A4) if wide else A4
    return SimpleDocTemplate(
        str(path),
        pagesize=size,
        title=clean(title),
        author=clean(_("Productive alliances")),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
    )


def footer(text: str):
    """A page decorator writing `text` and the page number at the bottom of each page."""
    text = clean(text)

    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(doc.leftMargin, 10 * mm, text)
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin,
            10 * mm,
            clean(_("Page %(page)s") % {"page": canvas.getPageNumber()}),
        )
        canvas.restoreState()

    return draw


def generated_line(language_date=None) -> str:
    return _("Generated on %(date)s") % {
        "date": format_datetime(language_date or timezone.now(), long=True)
    }


def table(
    header: list,
    rows: list[list],
    *,
    widths: list[float] | None = None,
    numeric: set[int] | frozenset[int] = frozenset(),
    total_row: bool = False,
    small: bool = False,
) -> Table:
    """A grid with a shaded header; columns in `numeric` are right-aligned."""
    plain, right = (TINY, TINY_RIGHT) if small else (CELL, CELL_RIGHT)

    def cell(value, index):
        return para(value, right if index in numeric else plain)

    data = [[cell(h, i) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row and rows:
        style.append(("BACKGROUND", (0, -1), (-1, -1), HEADER_BACKGROUND))
    t.setStyle(TableStyle(style))
    return t


def pairs(items: list[tuple[str, object]], *, widths=(55 * mm, 120 * mm)) -> Table:
    """A two-column list of labels and values."""
    data = [[para(label, CELL), para(value, CELL)] for label, value in items]
    t = Table(data, colWidths=list(widths), hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (0, -1), HEADER_BACKGROUND),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def section(title: str, *flowables, style=None) -> list:
    """A heading kept on the same page as what follows it."""
    head = para(title, style or H2)
    if not flowables:
        return [head]
    return [KeepTogether([head, flowables[0]]), *flowables[1:]]


def gap(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def percent(share) -> str:
    """A fraction as a percentage in the active language (`12.5%`, `12,5 %`)."""
    return format_percent(share)


def dash(value) -> str:
    return "—" if value in (None, "") else str(value)
