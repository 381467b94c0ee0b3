"""Every cell the reports write to a spreadsheet file (XLSX or CSV) passes here, so that
text people typed (an alliance, organization or buyer name, a payment reference, a reason)
is shown as text and never run as a formula: "CSV injection" in OWASP's words.

Spreadsheet programs read text starting with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula. In a CSV file such text gets a leading apostrophe, as OWASP advises
(the csv module quotes any field holding a separator, a quote or a line break, so a value
cannot split into several cells). In an XLSX file it is written as an explicit string
cell, with Excel's quote prefix so that it stays text when someone edits the cell: the
text itself is kept exactly. Only text is touched: numbers, amounts (negative ones too)
and dates stay numbers and dates.

`xlsx.sheet` hands out sheets whose `append` goes through `xlsx_value`, and `csv_writer`
is the only CSV writer of the reports: a generator cannot forget either.
"""

from __future__ import annotations

import csv

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value):
    """A value for a CSV field: empty for None, text that could be a formula behind an
    apostrophe, anything else as it is."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


class _CsvWriter:
    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row) -> None:
        self._writer.writerow([csv_value(value) for value in row])


def csv_writer(out) -> _CsvWriter:
    """A csv.writer whose rows pass through `csv_value`."""
    return _CsvWriter(out)


def xlsx_value(ws, value):
    """A value for a write-only XLSX sheet: text that could be a formula (or an error code
    such as `#N/A`) as a string cell, anything else as it is. Control characters that XLSX
    cannot hold are dropped (openpyxl would refuse the whole file)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not _needs_string_cell(value):
            return value
        value = WriteOnlyCell(ws, value=value)
    if isinstance(value, Cell) and _needs_string_cell(value.value):
        value.data_type = "s"  # openpyxl would write `=...` as a formula, `#N/A` as an error
        value.quotePrefix = True
    return value


def _needs_string_cell(value) -> bool:
    return is_formula_like(value) or (isinstance(value, str) and value in ERROR_CODES)
