"""Streaming XLSX helpers: openpyxl's write-only workbook writes each row to disk as it
is appended, so a sheet of any length needs memory for one row only. Every row goes
through `cells.xlsx_value`: text is never written as a formula.

Figures and dates are written as numbers and dates with a number format, never as
preformatted text: the spreadsheet program shows them with its reader's separators and
date order, and they stay usable in formulas."""

from __future__ import annotations

import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from core.money import minor_units
from core.pdf import clean

from .cells import xlsx_value

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF3")
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

    def append(self, row) -> None:
        self.ws.append([xlsx_value(self.ws, value) for value in row])

    def __getattr__(self, name):
        # Reads only (`parent`, `title`...): set up the sheet before wrapping it.
        return getattr(self.ws, name)


def sheet(wb: Workbook, title: str, header: list[str], widths: list[int]) -> Sheet:
    """A new sheet with its column widths and a bold, frozen header row."""
    raw = wb.create_sheet(title=clean(title)[:31])
    for index, width in enumerate(widths, start=1):
        raw.column_dimensions[_letter(index)].width = width
    raw.freeze_panes = "A2"
    ws = Sheet(raw)
    cells = []
    for value in header:
        cell = WriteOnlyCell(raw, value=clean(value))
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cells.append(cell)
    ws.append(cells)
    return ws


def money(ws, value, currency: str):
    """A numeric cell shown in the currency's minor unit (the value stays a Decimal)."""
    cell = WriteOnlyCell(_raw(ws), value=value)
    cell.number_format = money_format(currency)
    return cell


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
    cell = WriteOnlyCell(_raw(ws), value=value)
    cell.number_format = decimals_format(digits)
    return cell


def date(ws, value: datetime.date | None):
    """A date cell in the reader's short date format. None stays an empty cell."""
    if value is None:
        return None
    cell = WriteOnlyCell(_raw(ws), value=value)
    cell.number_format = DATE_FORMAT
    return cell


def bold(ws, value):
    cell = WriteOnlyCell(_raw(ws), value=value)
    cell.font = BOLD
    return cell


def _raw(ws):
    return ws.ws if isinstance(ws, Sheet) else ws


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
