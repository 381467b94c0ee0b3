"""The form fields of every number a person types: amounts, quantities, counts, years.

They read what was typed with `core.numbers.parse_decimal` in the active language and
show a stored value with `core.numbers.format_input`. The input is a text box with a
numeric keyboard (`inputmode`), never `type="number"`: a browser would read "1 200,5" or
"1,2,3" its own way (or refuse them) before the server sees what was typed. After an
error the box shows the text as typed.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .numbers import NumberRefused, format_input, parse_decimal


class NumberTextInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs=None, *, inputmode: str = "decimal"):
        super().__init__({"inputmode": inputmode, "autocomplete": "off", **(attrs or {})})


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


class LocaleDecimalField(forms.DecimalField):
    """A decimal typed the user's way. `shown_places`: the decimals a stored value is shown
    with (a currency's minor units, see `for_currency`); None shows no trailing zeros.
    Negatives are refused unless `allow_negative` or a negative `min_value`."""

    widget = NumberTextInput

    def __init__(
        self, *, shown_places: int | None = None, allow_negative: bool | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.shown_places = shown_places
        if allow_negative is None:
            allow_negative = self.min_value is not None and self.min_value < 0
        self.allow_negative = allow_negative

    def for_currency(self, currency: str) -> None:
        """Show stored amounts with the currency's minor units (XOF none, USD two)."""
        if currency:
            self.shown_places = get_currency_precision(currency)

    def to_python(self, value):
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return parse_decimal(
                    value, allow_negative=self.allow_negative, decimal_places=self.decimal_places
                )
            except NumberRefused as refusal:
                raise ValidationError(refusal.message, code=refusal.code) from None
        return super().to_python(value)

    def prepare_value(self, value):
        if _is_number(value):
            return format_input(Decimal(str(value)), places=self.shown_places)
        return value


class LocaleIntegerField(forms.IntegerField):
    """A whole number typed the user's way ("1,200" in English, "1 200" in French)."""

    widget = NumberTextInput
    grouping = True

    def __init__(self, *, allow_negative: bool | None = None, **kwargs):
        kwargs.setdefault("widget", NumberTextInput(inputmode="numeric"))
        super().__init__(**kwargs)
        if allow_negative is None:
            allow_negative = self.min_value is not None and self.min_value < 0
        self.allow_negative = allow_negative

    def to_python(self, value):
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                number = parse_decimal(
                    value,
                    allow_negative=self.allow_negative,
                    decimal_places=0,
                    grouping=self.grouping,
                )
            except NumberRefused as refusal:
                raise ValidationError(refusal.message, code=refusal.code) from None
            if number != number.to_integral_value():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            return int(number)
        return super().to_python(value)

    def prepare_value(self, value):
        if _is_number(value):
            number = Decimal(str(value))
            if number.is_finite() and number == number.to_integral_value():
                return format_input(int(number), grouping=self.grouping)
        return value


class YearField(LocaleIntegerField):
    """A year: digits only, shown without grouping ("1984", never "1,984")."""

    grouping = False


# The admin's decimal fields (money, quantities, shares, indicator values) are typed the
# user's way too: `formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}`. The model field
# still gives its digits, decimals, label, help text and whether a value is required, and
# its validators (a share from 0 to 1) run when the admin validates the object. Negatives
# are refused: every decimal the admin edits is zero or more.
ADMIN_NUMBERS = {models.DecimalField: {"form_class": LocaleDecimalField}}
