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

A CSV file is written the way spreadsheet programs of the reader's language open it
(`csv_format`): where the language writes a decimal comma (French, Spanish), fields are
separated by semicolons, as Excel expects there; elsewhere (English) by commas, with a
decimal point. Numbers are written without grouping, with the language's decimal sign,
so that the spreadsheet reads them as numbers. `csv_format_note` says so to people.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
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


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal: str

    @property
    def semicolons(self) -> bool:
        return self.delimiter == ";"


def csv_format(language: str | None = None) -> CsvFormat:
    """The field separator and decimal sign of CSV files for `language` (default: the
    active one): a semicolon where the decimal sign is a comma, else a comma."""
    try:
        locale = Locale.parse(to_locale(language or get_language() or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    decimal = get_decimal_symbol(locale)
    return CsvFormat(delimiter=";" if decimal == "," else ",", decimal=decimal)


def csv_format_note(language: str | None = None) -> str:
    """What a CSV file written for `language` looks like, in the active language."""
    if csv_format(language).semicolons:
        return _("CSV file (UTF-8): semicolon-separated, with a decimal comma.")
    return _("CSV file (UTF-8): comma-separated, with a decimal point.")


def csv_number(value: Decimal | int | float, fmt: CsvFormat) -> str:
    """A number as the spreadsheet reads it: no grouping, the language's decimal sign."""
    if isinstance(value, int):
        return str(value)
    text = format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")
    return text.replace(".", fmt.decimal)


class _CsvWriter:
    def __init__(self, out, fmt: CsvFormat):
        self._format = fmt
        self._writer = csv.writer(out, delimiter=fmt.delimiter)

    def _field(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return csv_number(value, self._format)
        return csv_value(value)

    def writerow(self, row) -> None:
        self._writer.writerow([self._field(value) for value in row])


def csv_writer(out, *, language: str | None = None) -> _CsvWriter:
    """A csv.writer for readers of `language` (default: the active one): its separator
    and decimal sign (`csv_format`), and text passed through `csv_value`."""
    return _CsvWriter(out, csv_format(language))


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
