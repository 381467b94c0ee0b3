"""Streaming XLSX helpers: openpyxl's write-only workbook writes each row to disk as it
is appended, so a sheet of any length needs memory for one row only. Every row goes
through `cells.xlsx_value`: text is never written as a formula.

Every table sheet looks the same: a bold, shaded header row that wraps its words and
stays in view (frozen), columns at least as wide as their longest header word and their
content (`fit`), and a filter on the whole table (`save` sets it once the rows are known).

Figures and dates are written as numbers and dates with a number format, never as
preformatted text: the spreadsheet program shows them with its reader's separators and
date order, and they stay usable in formulas."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import lru_cache

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from core.money import minor_units
from core.pdf import clean

from .cells import xlsx_value

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF3")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
# Room for the filter's drop-down button beside a header word; no column wider than this.
FILTER_BUTTON = 3
MAX_WIDTH = 60
LINE_HEIGHT = 15  # points: one line of Calibri 11
PERCENT_FORMAT = "0.0%"
_FORMATS: dict[str, str] = {}
# Excel's built-in format 14: the reader's own short date (dd/mm/yyyy, m/d/yyyy...).
DATE_FORMAT = "mm-dd-yy"
MAX_DECIMALS = 3


def money_format(currency: str) -> str:
    """`#,##0` for XOF, `#,##0.00` for USD and COP: the currency's minor unit."""
    if currency not in _FORMATS:
        _FORMATS[currency] = decimals_format(minor_units(currency) if currency else 2)
    return _FORMATS[currency]


def workbook() -> Workbook:
    return Workbook(write_only=True)


class Sheet:
    """A write-only sheet whose `append` writes text as text, never as a formula."""

    def __init__(self, ws):
        self.ws = ws
        self.rows = 0

    def append(self, row) -> None:
        self.ws.append([xlsx_value(self.ws, value) for value in row])
        self.rows += 1

    def __getattr__(self, name):
        # Reads only (`parent`, `title`...): set up the sheet before wrapping it.
        return getattr(self.ws, name)


def fit(header: str, width: int) -> int:
    """A column's width: at least `width` (what its content needs) and its header's longest
    word beside the filter button (the header wraps between words), at most MAX_WIDTH."""
    longest_word = max((len(word) for word in clean(header).split()), default=0)
    return min(max(width, longest_word + FILTER_BUTTON), MAX_WIDTH)


def header_lines(header: str, width: int) -> int:
    """How many lines `header` takes in a column `width` characters wide (words wrap)."""
    lines, used = 1, 0
    room = max(width - FILTER_BUTTON, 1)
    for word in clean(header).split():
        needed = len(word) if used == 0 else used + 1 + len(word)
        if needed <= room or used == 0:
            used = needed
        else:
            lines, used = lines + 1, len(word)
    return lines


def sheet(
    wb: Workbook, title: str, header: list[str], widths: list[int], *, filtered: bool = True
) -> Sheet:
    """A new sheet: columns `fit` to their content `widths` and their header, a bold header
    row that wraps and stays in view (frozen), and, if `filtered`, a filter on the table
    (set by `save`)."""
    raw = wb.create_sheet(title=clean(title)[:31])
    widths = [fit(text, width) for text, width in zip(header, widths, strict=True)]
    for index, width in enumerate(widths, start=1):
        raw.column_dimensions[get_column_letter(index)].width = width
    lines = max((header_lines(t, w) for t, w in zip(header, widths, strict=True)), default=1)
    if lines > 1:
        raw.row_dimensions[1].height = LINE_HEIGHT * lines
    raw.freeze_panes = "A2"
    raw._report_filter = filtered  # read by `save`, with the number of columns
    raw._report_columns = len(header)
    ws = Sheet(raw)
    raw._report_sheet = ws
    cells = []
    for value in header:
        cell = WriteOnlyCell(raw, value=clean(value))
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        cells.append(cell)
    ws.append(cells)
    return ws


def save(wb: Workbook, path) -> None:
    """Write the file, with a filter over every filtered sheet's table (header and rows)."""
    for raw in wb.worksheets:
        ws = getattr(raw, "_report_sheet", None)
        if ws is not None and raw._report_filter and ws.rows > 1:
            last = get_column_letter(raw._report_columns)
            raw.auto_filter.ref = f"A1:{last}{ws.rows}"
    wb.save(str(path))


def formatted(ws, value, number_format: str):
    """A cell with a number format. The style is worked out once per workbook and format,
    then copied: a sheet of a million figures does not look it up a million times."""
    raw = _raw(ws)
    cell = WriteOnlyCell(raw, value=value)
    styles = raw.parent.__dict__.setdefault("_report_styles", {})
    style = styles.get(number_format)
    if style is None:
        cell.number_format = number_format
        styles[number_format] = StyleArray(cell._style)
    else:
        cell._style = StyleArray(style)
    return cell


def money(ws, value, currency: str):
    """A numeric cell shown in the currency's minor unit (the value stays a Decimal)."""
    return formatted(ws, value, money_format(currency))


@lru_cache(maxsize=16)
def decimals_format(digits: int) -> str:
    """`#,##0` or `#,##0.00...`: grouped, with `digits` decimals."""
    return "#,##0" + ("." + "0" * digits if digits else "")


def number(ws, value, max_digits: int = MAX_DECIMALS):
    """A numeric cell, grouped, with the decimals the value has (at most `max_digits`):
    1.000 shows as `1`, 47925.500 as `47,925.5`. None stays an empty cell."""
    if value is None:
        return None
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    digits = min(max(-exponent, 0), max_digits) if isinstance(exponent, int) else 0
    return formatted(ws, value, decimals_format(digits))


def date(ws, value: datetime.date | None):
    """A date cell in the reader's short date format. None stays an empty cell."""
    if value is None:
        return None
    return formatted(ws, value, DATE_FORMAT)


def percent(ws, share):
    """A share (0.25) as a percentage cell (25.0%). None stays an empty cell."""
    if share is None:
        return None
    return formatted(ws, share, PERCENT_FORMAT)


def bold(ws, value):
    cell = WriteOnlyCell(_raw(ws), value=value)
    cell.font = BOLD
    return cell


def _raw(ws):
    return ws.ws if isinstance(ws, Sheet) else ws
