"""The `formats` template library: every figure and date of a page goes through
core/formats.py, in the active language.

    {% load formats %}
    {{ amount|money:currency }}     XOF 20,000,000 · 20 000 000 XOF
    {{ value|number }}              4,063,500 · 0.73 (at most 3 decimals, no trailing zeros)
    {{ value|number:1 }}            at most one decimal
    {{ volume|quantity:unit }}      47,925 t
    {{ share|percent }}             12.5% · 12,5 %
    {{ day|short_date }}            12/04/2026 · 04/12/2026
    {{ day|long_date }}             Dec. 4, 2026 · 4 décembre 2026
    {{ moment|short_datetime }}     12/04/2026 13:16
    {{ moment|long_datetime }}      Dec. 4, 2026, 13:16
"""

from __future__ import annotations

from django import template

from core import formats

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    return formats.format_money(amount, currency)


@register.filter
def number(value, digits: int = 3) -> str:
    return formats.format_number(value, digits=int(digits))


@register.filter
def quantity(value, unit: str | None = None) -> str:
    return formats.format_quantity(value, unit or None)


@register.filter
def percent(share) -> str:
    return formats.format_percent(share)


@register.filter
def short_date(value) -> str:
    return formats.format_date(value)


@register.filter
def long_date(value) -> str:
    return formats.format_date(value, long=True)


@register.filter
def short_datetime(value) -> str:
    return formats.format_datetime(value)


@register.filter
def long_datetime(value) -> str:
    return formats.format_datetime(value, long=True)
