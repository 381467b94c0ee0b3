"""Forms of the monitoring pages: periodic reports, deliveries, baselines and targets, the
revolving fund. They parse and show input; the rules (who, when, which numbers are
acceptable) are in `monitoring.services`, `monitoring.report_evidence` and
`alliances.deliveries`, whose refusals come back as errors on these fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.models import Member
from core.dates import validate_typed_date
from core.money import minor_units
from core.number_fields import LocaleDecimalField, NumberTextInput
from funding.forms import DateInput

from .models import RevolvingFundEntry
from .services import Entry

# --- periodic reports -------------------------------------------------------------------

PARTS = ("value", "women", "youth")


def field_name(code: str, part: str = "value") -> str:
    """The input of one indicator's value or "of which" figure: `<code>-<part>`."""
    return f"{code}-{part}"


def error_field(key: str) -> str | None:
    """The form field that a service's error key (`code`, `code.women`) belongs to."""
    code, _dot, part = key.partition(".")
    return field_name(code, part or "value")


def plain_number(number: Decimal | None) -> str:
    """A stored figure as one would type it: 10.000 -> "10", 2.500 -> "2.5"."""
    if number is None:
        return ""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure_field(label, indicator, currency: str = "", size: int = 10) -> LocaleDecimalField:
    """The input of one figure of an indicator: up to three decimals (the stored
    precision), or the currency's minor units for money. Read the user's way; the service
    checks the rest (a number of zero or more, "of which" figures within the total)."""
    places = minor_units(currency) if indicator.is_money and currency else 3
    field = LocaleDecimalField(
        label=label,
        required=False,
        max_digits=15 + places,
        decimal_places=places,
        widget=NumberTextInput(attrs={"size": size}),
    )
    if indicator.is_money:
        field.for_currency(currency)
    return field


class ReportValuesForm(forms.Form):
    """The values of a report (one input per figure an indicator takes) and its
    narrative."""

    narrative = forms.CharField(
        label=_("Narrative: what happened in the period"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, indicators, cells=None, currency: str = "", **kwargs):
        self.indicators = [i for i in indicators if not i.is_computed]
        initial = kwargs.pop("initial", None) or {}
        for indicator in self.indicators:
            cell = (cells or {}).get(indicator.pk)
            if cell is not None:
                initial.setdefault(field_name(indicator.code), cell.value)
                initial.setdefault(field_name(indicator.code, "women"), cell.women)
                initial.setdefault(field_name(indicator.code, "youth"), cell.youth)
        super().__init__(*args, initial=initial, **kwargs)
        for indicator in self.indicators:
            unit = f" ({indicator.unit})" if indicator.unit else ""
            labels = {"value": f"{indicator.label}{unit}"}
            if indicator.by_sex:
                labels["women"] = _("%(name)s, of which women") % {"name": indicator.label}
            if indicator.by_youth:
                labels["youth"] = _("%(name)s, of which youth") % {"name": indicator.label}
            for part, label in labels.items():
                self.fields[field_name(indicator.code, part)] = figure_field(
                    label, indicator, currency
                )

    def entries(self) -> dict[str, Entry]:
        """What was typed, as the service takes it ({code: Entry})."""
        data = self.cleaned_data
        return {
            i.code: Entry(
                value=data.get(field_name(i.code)),
                women=data.get(field_name(i.code, "women")),
                youth=data.get(field_name(i.code, "youth")),
            )
            for i in self.indicators
        }

    def bound(self, indicator, part: str):
        name = field_name(indicator.code, part)
        return self[name] if name in self.fields else None


class ReviewForm(forms.Form):
    """Accept, with an optional comment."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason for returning the report"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason.")},
    )


class ReportEvidenceForm(forms.Form):
    title = forms.CharField(label=_("What the document shows"), max_length=200)
    file = forms.FileField(label=_("File (PDF, PNG, JPEG, XLSX or CSV, up to 10 MB)"))


# --- deliveries, baselines and targets, the revolving fund -------------------------------


class DeliveryForm(forms.Form):
    """What the PO side types for a delivery: recorded, or corrected after a dispute."""

    delivered_on = forms.DateField(
        label=_("Delivery date"), widget=DateInput(), validators=[validate_typed_date]
    )
    volume = LocaleDecimalField(label=_("Volume"), max_digits=14, decimal_places=3)
    unit_price = LocaleDecimalField(label=_("Unit price"), max_digits=18, decimal_places=2)
    quality_grade = forms.CharField(label=_("Quality grade"), max_length=40, required=False)

    def __init__(self, *args, unit: str = "", currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["volume"].label = _("Volume (%(unit)s)") % {"unit": unit}
        if currency:
            self.fields["unit_price"].label = _("Unit price (%(currency)s)") % {
                "currency": currency
            }
            self.fields["unit_price"].for_currency(currency)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "comment"}


class CorrectionForm(DeliveryForm):
    comment = forms.CharField(
        label=_("What was corrected"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason for the dispute"), widget=forms.Textarea(attrs={"rows": 2})
    )


class TargetsForm(forms.Form):
    """A baseline, one target per plan year and an end-of-plan target per indicator.

    `monitoring.services.targets_save` checks the numbers, and its field keys
    (`code.baseline`, `code.target.<year|end>`) map to `field_for`."""

    def __init__(self, *args, indicators, years: int, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.indicators = list(indicators)
        self.years = list(range(1, years + 1))
        self.field_for: dict[str, str] = {}
        for indicator in self.indicators:
            code = indicator.code
            self._add(f"{code}.baseline", f"{code}__baseline", indicator, _("baseline"))
            for year in self.years:
                self._add(
                    f"{code}.target.{year}",
                    f"{code}__y{year}",
                    indicator,
                    _("target for year %(year)s") % {"year": year},
                )
            self._add(f"{code}.target.end", f"{code}__end", indicator, _("end-of-plan target"))

    def _add(self, key: str, name: str, indicator, what) -> None:
        self.fields[name] = figure_field(
            f"{indicator.label}, {what}", indicator, self.currency, size=8
        )
        self.field_for[key] = name

    def grid(self) -> list[tuple]:
        """(indicator, baseline field, [year fields], end field) per indicator."""
        return [
            (
                i,
                self[f"{i.code}__baseline"],
                [self[f"{i.code}__y{y}"] for y in self.years],
                self[f"{i.code}__end"],
            )
            for i in self.indicators
        ]

    def baselines(self) -> dict:
        return {i.code: self.cleaned_data[f"{i.code}__baseline"] for i in self.indicators}

    def targets(self) -> dict:
        out: dict[str, dict] = {}
        for i in self.indicators:
            years = {y: self.cleaned_data[f"{i.code}__y{y}"] for y in self.years}
            years[None] = self.cleaned_data[f"{i.code}__end"]
            out[i.code] = years
        return out


class RevolvingFundEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RevolvingFundEntry.Kind.choices)
    occurred_on = forms.DateField(
        label=_("Date"), widget=DateInput(), validators=[validate_typed_date]
    )
    amount = LocaleDecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    member = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, organization, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = organization.members.active().order_by("name", "pk")
        if currency:
            self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}
            self.fields["amount"].for_currency(currency)
