"""Money helpers: amounts are Decimal in a programme's ISO 4217 currency.

Rounding happens once, where a rule says so, to the currency's minor unit (XOF has
none, USD and COP two), half to even unless the programme says otherwise. How an amount
is written for a person is core/formats.py's `format_money`, re-exported here.
"""

from decimal import ROUND_HALF_EVEN, Decimal

from django.db import models

from core.formats import format_money, minor_units

__all__ = [
    "ZERO",
    "format_money",
    "is_whole_in",
    "minor_units",
    "money_field",
    "quantum",
    "round_money",
]

ZERO = Decimal("0")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    """A money column: 18 digits, 2 decimals; the currency is the programme's."""
    kwargs.setdefault("max_digits", 18)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    return Decimal(amount).quantize(quantum(currency), rounding=rounding)


def is_whole_in(amount: Decimal, currency: str) -> bool:
    """True when `amount` needs no rounding in `currency` (no fraction of a minor unit)."""
    return Decimal(amount) == round_money(amount, currency)
