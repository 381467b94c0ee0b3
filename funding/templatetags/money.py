"""Money and shares in the user's locale: `{{ amount|money:currency }}`, `{{ share|percent }}`."""

from decimal import Decimal

from babel.numbers import format_decimal, format_percent
from django import template
from django.utils.translation import get_language, to_locale

from funding.money import format_money

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(amount, currency: str) -> str:
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(amount), currency)


@register.filter
def percent(share) -> str:
    if share is None:
        return "—"
    return format_percent(Decimal(share), format="#,##0.0%", locale=_locale())


@register.filter
def number(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * int(digits) if int(digits) else "")
    return format_decimal(Decimal(value), format=pattern, locale=_locale())
