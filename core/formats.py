"""Every figure and date a person reads, written the way their language writes it.

One path for pages (the `formats` template library), PDFs, spreadsheets and e-mails
(CONVENTIONS rule 15): numbers are grouped and lose useless trailing zeros ("47 925",
not "47 925,000"); amounts carry their currency's ISO 4217 code, placed and spaced as the
locale places its currency sign, with the currency's minor units ("XOF 20,000,000",
"20 000 000 XOF", "USD 1,250.50"); shares are percentages ("12.5%", "12,5 %"); dates use
Django's localized formats, with a 24-hour clock in English (core/locale_formats).

The ISO code rather than a symbol: "$" is the peso in Colombia and the dollar elsewhere,
and Babel's English "F CFA" is glued to the figure; a ministry reading several
programmes needs the unambiguous code.

`language` is a language code ("fr"); without it, the active language.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import NumberPattern, get_currency_precision, parse_pattern
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

DASH = "—"
NBSP = "\u00a0"

Number = Decimal | int | float | str


def _language(language: str | None) -> str:
    return language or translation.get_language() or settings.LANGUAGE_CODE


def locale_of(language: str | None = None) -> Locale:
    """The Babel locale of `language` (the active language when None)."""
    return _locale(_language(language))


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(code))
    except (ValueError, LookupError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


class _Formatter:
    """One number pattern of one language (and currency), parsed once and kept: it
    writes what Babel's `NumberPattern.apply` writes, without looking up the pattern,
    the locale's symbols and the currency again for every figure (a page of figures
    formats a thousand of them). Patterns it does not cover (scientific, significant
    digits, quoted text, a currency name or symbol) are left to Babel."""

    __slots__ = (
        "_babel",
        "_currency",
        "_decimal",
        "_group",
        "_grouping",
        "_locale",
        "_min_frac",
        "_min_int",
        "_pattern",
        "_prefix",
        "_quantum",
        "_scale",
        "_suffix",
    )

    def __init__(self, locale: Locale, pattern: NumberPattern, currency: str | None = None):
        self._locale, self._pattern, self._currency = locale, pattern, currency
        symbols = locale.number_symbols["latn"]
        self._group, self._decimal = symbols["group"], symbols["decimal"]
        code = currency.upper() if currency else ""
        self._prefix = tuple(p.replace("¤¤", code) for p in pattern.prefix)
        self._suffix = tuple(p.replace("¤¤", code) for p in pattern.suffix)
        self._min_int = pattern.int_prec[0]
        self._grouping = pattern.grouping
        self._min_frac, max_frac = (
            (get_currency_precision(currency),) * 2 if currency else pattern.frac_prec
        )
        self._quantum = Decimal(10) ** -max_frac
        self._scale = pattern.scale
        fixed = "".join((*self._prefix, *self._suffix, self._group, self._decimal))
        self._babel = bool(
            pattern.exp_prec
            or "@" in pattern.pattern
            or not pattern.number_pattern
            or "'" in fixed
            or "¤" in fixed
            or (currency is None and "¤" in pattern.pattern)
        )

    def __call__(self, value: Decimal) -> str:
        if self._babel or not value.is_finite():
            return self._pattern.apply(value, self._locale, currency=self._currency)
        if self._scale:
            value = value.scaleb(self._scale)
        negative = int(value.is_signed())
        integer, _, fraction = f"{abs(value).quantize(self._quantum):f}".partition(".")
        if len(integer) < self._min_int:
            integer = "0" * (self._min_int - len(integer)) + integer
        size, grouped = self._grouping[0], ""
        while len(integer) > size:
            grouped = self._group + integer[-size:] + grouped
            integer = integer[:-size]
            size = self._grouping[1]
        number = integer + grouped
        fraction = fraction or "0"
        if len(fraction) < self._min_frac:
            fraction += "0" * (self._min_frac - len(fraction))
        if self._quantum != 1 and (self._min_frac or int(fraction)):
            fraction = fraction[: self._min_frac] + fraction[self._min_frac :].rstrip("0")
            number += self._decimal + fraction
        return self._prefix[negative] + number + self._suffix[negative]


@lru_cache(maxsize=64)
def _number_formatter(code: str, digits: int) -> _Formatter:
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return _Formatter(_locale(code), parse_pattern(pattern))


@lru_cache(maxsize=256)
def _money_formatter(code: str, currency: str) -> _Formatter:
    """The formatter of amounts in `currency` for language `code`: the ISO code placed as
    the locale places its sign, the currency's minor units."""
    locale = _locale(code)
    return _Formatter(locale, parse_pattern(_money_pattern(locale)), currency)


@lru_cache(maxsize=64)
def _percent_formatter(code: str, digits: int) -> _Formatter:
    locale = _locale(code)
    pattern = locale.percent_formats[None]
    if digits:
        pattern = parse_pattern(pattern.pattern.replace("0", "0." + "#" * digits, 1))
    return _Formatter(locale, pattern)


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rounded(value: Decimal, digits: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    return abs(rounded) if rounded == 0 else rounded  # never "-0"


def format_number(value: Number | None, language: str | None = None, *, digits: int = 3) -> str:
    """A number grouped the locale's way, with at most `digits` decimals and no trailing
    zeros: 4063500 -> "4,063,500" / "4 063 500" / "4.063.500"; 0.7300 -> "0.73"."""
    if value is None or value == "":
        return DASH
    return _number_formatter(_language(language), digits)(_rounded(_decimal(value), digits))


def format_quantity(
    value: Number | None, unit: str | None = None, language: str | None = None
) -> str:
    """A quantity (at most three decimals, none when whole), then its unit if given:
    1.000 -> "1", 47925.000 t -> "47,925 t" / "47 925 t"."""
    if value is None or value == "":
        return DASH
    text = format_number(value, language, digits=3)
    return f"{text}{NBSP}{unit}" if unit else text


@lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """The currency's minor unit in ISO 4217: XOF 0, COP 2, USD 2."""
    return get_currency_precision(currency)


@lru_cache(maxsize=32)
def _money_pattern(locale: Locale) -> str:
    """The locale's currency pattern with the ISO code (¤¤) in place of the symbol, kept
    apart from the figure by a no-break space (CLDR's currency spacing: a code that
    touches the digits, as in English "¤#,##0.00", gets one)."""
    parts = []
    for part in locale.currency_formats["standard"].pattern.split(";"):
        part = part.replace("¤", "¤¤")
        part = re.sub(r"¤¤(?=[#0])", "¤¤" + NBSP, part)
        part = re.sub(r"(?<=[#0])¤¤", NBSP + "¤¤", part)
        parts.append(part)
    return ";".join(parts)


def format_money(amount: Number | None, currency: str, language: str | None = None) -> str:
    """An amount in `currency`, rounded half to even to its minor unit, with the ISO code
    where the locale puts its currency: "XOF 20,000,000", "20 000 000 XOF",
    "20.000.000,00 COP", "USD 1,250.50"."""
    if amount is None or amount == "":
        return DASH
    if not currency:
        return format_number(amount, language, digits=2)
    return _money_formatter(_language(language), currency)(
        _rounded(_decimal(amount), minor_units(currency))
    )


def format_percent(share: Number | None, language: str | None = None, *, digits: int = 1) -> str:
    """A share (0.125) as a percentage with at most `digits` decimals: "12.5%", "12,5 %",
    "70%"."""
    if share is None or share == "":
        return DASH
    formatter = _percent_formatter(_language(language), digits)
    return formatter(_rounded(_decimal(share), digits + 2))


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _django_format(value, name: str, language: str | None) -> str:
    if value is None or value == "":
        return DASH
    if language:
        with translation.override(language):
            return date_format(_local(value), name)
    return date_format(_local(value), name)


def format_date(value, language: str | None = None, *, long: bool = False) -> str:
    """A day in the locale's short form ("12/04/2026", "04/12/2026") or, with `long`, its
    written form ("Dec. 4, 2026", "4 décembre 2026")."""
    return _django_format(value, "DATE_FORMAT" if long else "SHORT_DATE_FORMAT", language)


def format_datetime(value, language: str | None = None, *, long: bool = False) -> str:
    """A moment in the platform's time zone, 24-hour clock: "12/04/2026 13:16",
    "04/12/2026 13:16"; with `long`, "Dec. 4, 2026, 13:16"."""
    return _django_format(value, "DATETIME_FORMAT" if long else "SHORT_DATETIME_FORMAT", language)


def format_period(start: datetime.date, months: int, language: str | None = None) -> str:
    """A calendar quarter ("2026 Q1", "2026 T1") or month ("Feb 2026", "févr. 2026")
    starting on `start`; year first for quarters, so that they read in order."""
    pattern = "y QQQ" if months == 3 else "MMM y"
    return babel_date(start, pattern, locale=locale_of(language))
