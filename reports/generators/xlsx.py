"""Streaming XLSX helpers: openpyxl's write-only workbook writes each row to disk as it
is appended, so a sheet of any length needs memory for one row only."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from funding.money import minor_units

from .pdf import clean

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF3")
_FORMATS: dict[str, str] = {}


def money_format(currency: str) -> str:
    """`#,##0` for XOF, `#,##0.00` for USD and COP: the currency's minor unit."""
    if currency not in _FORMATS:
        digits = minor_units(currency) if currency else 2
        _FORMATS[currency] = "#,##0" + ("." + "0" * digits if digits else "")
    return _FORMATS[currency]


def workbook() -> Workbook:
    return Workbook(write_only=True)


def sheet(wb: Workbook, title: str, header: list[str], widths: list[int]):
    """A new sheet with its column widths and a bold, frozen header row."""
    ws = wb.create_sheet(title=clean(title)[:31])
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[_letter(index)].width = width
    ws.freeze_panes = "A2"
    cells = []
    for value in header:
        cell = WriteOnlyCell(ws, value=clean(value))
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cells.append(cell)
    ws.append(cells)
    return ws


def money(ws, value, currency: str):
    """A numeric cell shown in the currency's minor unit (the value stays a Decimal)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = money_format(currency)
    return cell


def bold(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.font = BOLD
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
