"""Forms of the monitoring pages: periodic reports, deliveries, baselines and targets, the
revolving fund. They parse and show input; the rules (who, when, which numbers are
acceptable) are in `monitoring.services`, `monitoring.report_evidence` and
`alliances.deliveries`, whose refusals come back as errors on these fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.models import Member
from config.dates import validate_typed_date
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


class ReportValuesForm(forms.Form):
    """The values of a report (one input per figure an indicator takes) and its
    narrative. Inputs are text so that what was typed is kept and checked by the service
    (a number of zero or more, "of which" figures within the total)."""

    narrative = forms.CharField(
        label=_("Narrative: what happened in the period"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, indicators, cells=None, **kwargs):
        self.indicators = [i for i in indicators if not i.is_computed]
        initial = kwargs.pop("initial", None) or {}
        for indicator in self.indicators:
            cell = (cells or {}).get(indicator.pk)
            if cell is not None:
                initial.setdefault(field_name(indicator.code), plain_number(cell.value))
                initial.setdefault(field_name(indicator.code, "women"), plain_number(cell.women))
                initial.setdefault(field_name(indicator.code, "youth"), plain_number(cell.youth))
        super().__init__(*args, initial=initial, **kwargs)
        for indicator in self.indicators:
            unit = f" ({indicator.unit})" if indicator.unit else ""
            self.fields[field_name(indicator.code)] = self._number(f"{indicator.label}{unit}")
            if indicator.by_sex:
                self.fields[field_name(indicator.code, "women")] = self._number(
                    _("%(name)s, of which women") % {"name": indicator.label}
                )
            if indicator.by_youth:
                self.fields[field_name(indicator.code, "youth")] = self._number(
                    _("%(name)s, of which youth") % {"name": indicator.label}
                )

    @staticmethod
    def _number(label) -> forms.CharField:
        return forms.CharField(
            label=label,
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
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


def _decimal_widget(step: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": step, "min": "0", "inputmode": "decimal"})


class DeliveryForm(forms.Form):
    """What the PO side types for a delivery: recorded, or corrected after a dispute."""

    delivered_on = forms.DateField(
        label=_("Delivery date"), widget=DateInput(), validators=[validate_typed_date]
    )
    volume = forms.DecimalField(
        label=_("Volume"), max_digits=14, decimal_places=3, widget=_decimal_widget("0.001")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=18, decimal_places=2, widget=_decimal_widget("0.01")
    )
    quality_grade = forms.CharField(label=_("Quality grade"), max_length=40, required=False)

    def __init__(self, *args, unit: str = "", currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if unit:
            self.fields["volume"].label = _("Volume (%(unit)s)") % {"unit": unit}
        if currency:
            self.fields["unit_price"].label = _("Unit price (%(currency)s)") % {
                "currency": currency
            }

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

    Values are kept as typed: `monitoring.services.targets_save` parses and checks them,
    and its field keys (`code.baseline`, `code.target.<year|end>`) map to `field_for`."""

    def __init__(self, *args, indicators, years: int, **kwargs):
        super().__init__(*args, **kwargs)
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
        self.fields[name] = forms.CharField(
            label=f"{indicator.label}, {what}",
            required=False,
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
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
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, widget=_decimal_widget("0.01")
    )
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
