"""Money helpers: amounts are Decimal in a programme's ISO 4217 currency.

Rounding happens once, where a rule says so, to the currency's minor unit (XOF has
none, USD and COP two), half to even unless the programme says otherwise.
"""

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_currency, get_currency_precision
from django.db import models
from django.utils.translation import get_language, to_locale

ZERO = Decimal("0")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    """A money column: 18 digits, 2 decimals; the currency is the programme's."""
    kwargs.setdefault("max_digits", 18)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    return Decimal(amount).quantize(quantum(currency), rounding=rounding)


def is_whole_in(amount: Decimal, currency: str) -> bool:
    """True when `amount` needs no rounding in `currency` (no fraction of a minor unit)."""
    return Decimal(amount) == round_money(amount, currency)


def format_money(amount: Decimal | None, currency: str, language: str | None = None) -> str:
    """The amount with its currency, in the user's locale (`1 000 000 FCFA`, `$1,000.00`)."""
    if amount is None:
        return "—"
    locale = to_locale(language or get_language() or "en")
    return format_currency(round_money(amount, currency), currency, locale=locale)
