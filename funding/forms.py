"""Forms of the agreement and disbursement pages. They parse and show input; the rules
(who, when, how much) are in `funding.services` and `funding.agreements`."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from alliances.models import Product
from core.dates import EARLIEST_DATE, latest_date, validate_typed_date
from core.number_fields import LocaleDecimalField, LocaleIntegerField
from funding.agreements import TERM_FIELDS

from .models import CounterpartContribution, PurchaseAgreementVersion

MONEY = {"max_digits": 18, "decimal_places": 2}
FILE_LABEL = _("File (PDF, PNG, JPEG, XLSX or CSV, up to 10 MB)")


class DateInput(forms.DateInput):
    """A date picker bounded by the window of typed dates (`core.dates`), as a hint;
    the fields' validator and the services enforce it."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def get_context(self, name, value, attrs):
        window = {"min": EARLIEST_DATE.isoformat(), "max": latest_date().isoformat()}
        return super().get_context(name, value, {**window, **(attrs or {})})


class AgreementForm(forms.ModelForm):
    """The terms of a purchase agreement (a draft, or an amendment)."""

    class Meta:
        model = PurchaseAgreementVersion
        fields = list(TERM_FIELDS)
        field_classes = {
            "annual_volume": LocaleDecimalField,
            "unit_price": LocaleDecimalField,
            "duration_months": LocaleIntegerField,
        }
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in (
                "quality_specification",
                "delivery_schedule",
                "payment_terms",
                "buyer_support",
            )
        }

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            value_chain_id=alliance.value_chain_id
        )
        # Field-bound messages before the database's own checks of the same rules.
        for name, floor in (
            ("annual_volume", Decimal("0.001")),
            ("unit_price", Decimal(0)),
            ("duration_months", 1),
        ):
            self.fields[name].validators.append(MinValueValidator(floor))
        self.fields["unit_price"].for_currency(alliance.program.currency)
        self.fields["unit_price"].help_text = _("In %(currency)s.") % {
            "currency": alliance.program.currency
        }

    def validate_unique(self):
        """The service numbers versions; the form only parses terms."""

    def terms(self) -> dict:
        return {f: self.cleaned_data[f] for f in TERM_FIELDS}


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    comment = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ChecklistItemForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("What the document shows"), max_length=200)
    file = forms.FileField(label=FILE_LABEL)


class PayForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Payment date"), widget=DateInput(), validators=[validate_typed_date]
    )
    amount = LocaleDecimalField(label=_("Amount paid"), **MONEY)
    reference = forms.CharField(label=_("Bank or treasury reference"), max_length=100)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].for_currency(currency)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the reversal"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ContributionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CounterpartContribution.Kind.choices)
    amount = LocaleDecimalField(label=_("Amount"), **MONEY)
    contributed_on = forms.DateField(
        label=_("Date"), widget=DateInput(), validators=[validate_typed_date]
    )
    description = forms.CharField(label=_("What was contributed"), max_length=255)
    file = forms.FileField(label=_("Evidence (PDF, PNG, JPEG, XLSX or CSV, up to 10 MB)"))
