"""Numbers as a person types them and reads them in a form: one rule for every page.

A typed number is read the way the active language writes numbers, with the signs of its
CLDR locale (Babel): English 1,234,567.89; French 1 234 567,89 (a plain, no-break or
narrow no-break space between groups); Spanish 1.234.567,89. Digits without grouping
("197000", "1200,5" in French) are fine. What cannot be read without guessing is refused
with a message that shows how to write numbers in the language, never stored as another
number:

- Signs of another convention: "1200.5" or "1,5" in French, "1 200" in English, "1,2,3",
  groups of other than three digits ("1,00,000"), a decimal sign with nothing after it,
  a plus sign, exponents, digits of other scripts.
- A minus sign, unless the field takes negatives.
- A decimal part of exactly three digits after one to three digits with no grouping
  ("850.000" in English, "850,000" in French and Spanish) is how the other convention
  writes thousands. It is read as decimals where the field takes three decimals or more
  (a quantity), and refused as ambiguous where it takes fewer (money, whole numbers),
  where a reader meaning 850,000 would otherwise get a "too many decimals" message, or
  850 in a field that cut decimals.

`format_input` writes a stored value back the same way, so what a form shows reads again
as the same number.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
)
from babel.numbers import parse_decimal as babel_parse_decimal
from django.utils import translation
from django.utils.translation import gettext as _

from core.formats import locale_of

# Spaces French writes between groups; any of them is read as the locale's own.
SPACES = frozenset({" ", "\u00a0", "\u202f"})
MINUS_SIGNS = ("-", "\u2212")
MAX_LENGTH = 64  # longer text is no number a form takes
EXAMPLE = Decimal("1234567.89")


class NumberRefused(ValueError):
    """The text is not read as a number; `message` says how to write one."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def example(language: str | None = None, *, decimal_places: int | None = 2) -> str:
    """How the language writes a large number: "1,234,567.89", "1 234 567" ..."""
    places = 2 if decimal_places is None else min(decimal_places, 2)
    return format_input(EXAMPLE if places else Decimal(1234567), language, places=places)


def _refuse_format(decimal_places: int | None, grouping: bool) -> NumberRefused:
    if not grouping:
        return NumberRefused(_("Write this number with digits only."), "invalid_number")
    return NumberRefused(
        _("Write numbers like %(example)s.") % {"example": example(decimal_places=decimal_places)},
        "invalid_number",
    )


def parse_decimal(
    text: str,
    language: str | None = None,
    *,
    allow_negative: bool = False,
    decimal_places: int | None = None,
    grouping: bool = True,
) -> Decimal:
    """The number `text` writes in `language` (default: the active language).

    `decimal_places` is how many decimals the field takes (None: any); it decides whether
    "850.000" is a quantity or an ambiguous amount. `grouping=False` takes digits only (a
    year). Raises `NumberRefused`, whose message a form shows next to the field, in
    `language`."""
    if language:
        with translation.override(language):
            return _parse(text, allow_negative, decimal_places, grouping)
    return _parse(text, allow_negative, decimal_places, grouping)


def _parse(text: str, allow_negative: bool, decimal_places: int | None, grouping: bool) -> Decimal:
    """`parse_decimal` in the active language."""
    locale = locale_of()
    text = str(text).strip()
    if not text or len(text) > MAX_LENGTH:
        raise _refuse_format(decimal_places, grouping)
    negative = text.startswith(MINUS_SIGNS)
    if negative:
        if not allow_negative:
            raise NumberRefused(_("Enter zero or more."), "negative")
        text = text[1:]
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    groups = SPACES if group in SPACES else {group}
    if grouping:
        pattern = (
            rf"(?P<int>[0-9]{{1,3}}(?:[{re.escape(''.join(sorted(groups)))}][0-9]{{3}})+|[0-9]+)?"
            rf"(?:{re.escape(decimal)}(?P<frac>[0-9]+))?"
        )
    else:
        pattern = r"(?P<int>[0-9]+)(?P<frac>)"
    match = re.fullmatch(pattern, text)
    if match is None or not (match["int"] or match["frac"]):
        raise _refuse_format(decimal_places, grouping)
    whole, fraction = match["int"] or "", match["frac"] or ""
    if (
        len(fraction) == 3
        and whole.isdigit()  # no grouping sign
        and len(whole) <= 3
        and not whole.startswith("0")
        and decimal_places is not None
        and decimal_places < 3
    ):
        raise NumberRefused(
            _("“%(text)s” could mean two different numbers. Write numbers like %(example)s.")
            % {"text": text, "example": example(decimal_places=decimal_places)},
            "ambiguous_number",
        )
    canonical = whole
    for sign in groups:
        canonical = canonical.replace(sign, group)
    if fraction:
        canonical = f"{canonical}{decimal}{fraction}"
    try:
        number = babel_parse_decimal(canonical, locale=locale, strict=True)
    except NumberFormatError:
        raise _refuse_format(decimal_places, grouping) from None
    return -number if negative else number


def format_input(
    value: Decimal | int,
    language: str | None = None,
    *,
    places: int | None = None,
    grouping: bool = True,
) -> str:
    """`value` as a form shows it for editing: the language's signs, with grouping unless
    `grouping=False`; `places` decimals at least (a currency's minor units), none of the
    value's own decimals dropped; without `places`, no trailing zeros (2.500 -> "2.5")."""
    number = Decimal(value)
    if not number.is_finite():
        return str(number)
    exponent = number.normalize().as_tuple().exponent
    shown = max(0, -exponent) if isinstance(exponent, int) else 0
    if places is not None:
        shown = max(places, shown)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * shown if shown else "")
    return format_decimal(number, format=pattern, locale=locale_of(language))
