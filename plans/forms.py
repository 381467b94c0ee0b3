"""Forms of the plan pages. They parse and show input; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from alliances.models import Buyer, Product
from core import labels
from core.number_fields import LocaleDecimalField, LocaleIntegerField

from . import finance, proposals
from .editing import budget_line_errors
from .models import AppraisalAssignment, BudgetLine, BusinessPlan, PlanDocument, PlanVersion

# The programme is funding's (an app above): named by string.
Program = apps.get_model("funding", "Program")

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal(0)}
SOURCE_LABELS = {
    "grant": _("Grant"),
    "producer_cash": _("Producer cash"),
    "producer_in_kind": _("Producer in kind"),
    "buyer": _("Buyer"),
    "credit": _("Credit"),
    "other": _("Other"),
}


def _chosen(form, name: str, queryset):
    """The object field `name` names, from the data (bound) or the initial values, if
    `queryset` holds it; else None."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    if hasattr(value, "pk"):
        value = value.pk
    try:
        return queryset.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


class ProposeChoiceForm(forms.Form):
    """A proposal's first question: which organization proposes, to which programme. Only
    the programmes of the organization's country with an open call are offered; any other
    is refused on the field."""

    def __init__(self, *args, organizations, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["organization"] = forms.ModelChoiceField(
            organizations, label=_("Producer organization")
        )
        self.organization = _chosen(self, "organization", organizations)
        if self.organization is None and not self.is_bound and len(organizations) == 1:
            self.organization = organizations[0]
            self.initial.setdefault("organization", self.organization.pk)
        programs = proposals.programs_open_to(
            [self.organization] if self.organization else list(organizations), today
        )
        self.fields["program"] = forms.ModelChoiceField(
            programs,
            label=_("Programme"),
            error_messages={
                "invalid_choice": _(
                    "Choose a programme of the organization's country whose call is open."
                )
            },
        )
        self.program = _chosen(self, "program", programs)
        if self.program is None and not self.is_bound and len(programs) == 1:
            self.program = programs[0]
            self.initial.setdefault("program", self.program.pk)

    def clean(self):
        cleaned = super().clean()
        organization, program = cleaned.get("organization"), cleaned.get("program")
        if organization is not None and program is not None:
            self.add_problems(
                proposals.proposal_problems(
                    organization=organization,
                    program=program,
                    buyer=cleaned.get("buyer"),
                    product=cleaned.get("product"),
                    today=self.today,
                )
            )
        return cleaned

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for field, messages in problems.items():
            for message in messages:
                if field in self.fields and not self.has_error(field):
                    self.add_error(field, message)


class ProposeForm(ProposeChoiceForm):
    """The whole proposal, once the organization and the programme are chosen (they come
    back as hidden fields): the buyers of the programme's country, the products of its
    value chains, the names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("organization", "program"):
            self.fields[name].widget = forms.HiddenInput()
        program = self.program
        self.fields["buyer"] = forms.ModelChoiceField(
            proposals.buyers_for(program) if program else Buyer.objects.none(),
            label=_("Buyer"),
            error_messages={"invalid_choice": _("Choose a buyer of the programme's country.")},
        )
        self.fields["product"] = forms.ModelChoiceField(
            proposals.products_for(program) if program else Product.objects.none(),
            label=_("Product"),
            error_messages={
                "invalid_choice": _("Choose a product of the programme's value chains.")
            },
        )
        self.fields["name"] = forms.CharField(label=_("Name of the alliance"), max_length=200)
        self.fields["title"] = forms.CharField(
            label=_("Title of the business plan"), max_length=200
        )

    @property
    def chosen_wrong(self) -> bool:
        """The organization or the programme must be chosen again (the lists of buyers
        and products follow from them)."""
        return self.has_error("organization") or self.has_error("program")


class VersionForm(forms.ModelForm):
    class Meta:
        model = PlanVersion
        fields = [
            "title",
            "summary",
            "market_description",
            "technical_description",
            "environmental_social",
            "horizon_years",
        ]
        field_classes = {"horizon_years": LocaleIntegerField}
        widgets = {
            f: forms.Textarea(attrs={"rows": 4})
            for f in (
                "summary",
                "market_description",
                "technical_description",
                "environmental_social",
            )
        }


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=BudgetLine.Category.choices)
    description = forms.CharField(label=_("Description"), max_length=255)
    quantity = LocaleDecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit_cost = LocaleDecimalField(label=_("Unit cost"), **MONEY)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        for source in finance.SOURCES:
            self.fields[source] = LocaleDecimalField(
                label=SOURCE_LABELS[source], required=False, initial=Decimal(0), **MONEY
            )
        for name in ("unit_cost", *finance.SOURCES):
            self.fields[name].for_currency(currency)

    @classmethod
    def initial_from(cls, line: BudgetLine) -> dict:
        data = {f: getattr(line, f) for f in ("category", "description", "quantity", "unit_cost")}
        data.update({s: getattr(line, s) for s in finance.SOURCES})
        return data

    def split(self) -> dict[str, Decimal]:
        return {s: self.cleaned_data.get(s) or Decimal(0) for s in finance.SOURCES}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = budget_line_errors(
            currency=self.currency,
            quantity=cleaned["quantity"],
            unit_cost=cleaned["unit_cost"],
            split=self.split(),
        )
        for field, messages in errors.items():
            for message in messages:
                self.add_error(None if field == "__all__" else field, message)
        return cleaned


class CashFlowForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    revenue_with = LocaleDecimalField(label=_("Revenue with the project"), **MONEY)
    costs_with = LocaleDecimalField(label=_("Operating costs with the project"), **MONEY)
    revenue_without = LocaleDecimalField(label=_("Revenue without the project"), **MONEY)
    costs_without = LocaleDecimalField(label=_("Operating costs without the project"), **MONEY)

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("revenue_with", "costs_with", "revenue_without", "costs_without"):
            self.fields[name].for_currency(currency)


CashFlowFormSet = forms.formset_factory(CashFlowForm, extra=0)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF, PNG, JPEG, XLSX or CSV, up to 10 MB)"))


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    comment = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ClosingNoteForm(forms.Form):
    """`complete` ends the alliance's life: the M&E officer writes what it achieved."""

    comment = forms.CharField(
        label=_("Closing note"),
        help_text=_("What the alliance achieved, what continues, lessons learned."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def reason_form_class(name: str) -> type[forms.Form]:
    """The form of a transition that needs a reason (the closing note for `complete`)."""
    return ClosingNoteForm if name == "complete" else ReasonForm


class ApproveForm(forms.Form):
    approved_grant = LocaleDecimalField(label=_("Approved grant"), **MONEY)
    conditions = forms.CharField(
        label=_("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_grant"].for_currency(currency)


class ScreeningForm(forms.Form):
    def __init__(self, *args, items: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in items.items():
            self.fields[f"{code}__passed"] = forms.TypedChoiceField(
                label=label,
                choices=[("yes", _("Met")), ("no", _("Not met"))],
                widget=forms.RadioSelect,
                coerce=lambda v: v == "yes",
            )
            self.fields[f"{code}__note"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.items = items

    def checks(self) -> dict[str, tuple[bool, str]]:
        return {
            code: (self.cleaned_data[f"{code}__passed"], self.cleaned_data[f"{code}__note"])
            for code in self.items
        }

    def rows(self):
        for code, label in self.items.items():
            yield label, self[f"{code}__passed"], self[f"{code}__note"]


class AssignAppraiserForm(forms.Form):
    def __init__(self, *args, appraisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraiser"] = forms.ModelChoiceField(appraisers, label=_("Appraiser"))


class NoConflictForm(forms.Form):
    declaration = forms.BooleanField(
        label=_(
            "I declare that I have no conflict of interest with this producer organization, "
            "its buyer or its technical assistance provider."
        )
    )


class ScoringForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=AppraisalAssignment.Recommendation.choices
    )
    comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = LocaleDecimalField(
                label=c.name,
                min_value=0,
                max_value=c.max_score,
                max_digits=5,
                decimal_places=2,
                help_text=_("From 0 to %(max)s; weight %(weight)s")
                % {"max": c.max_score, "weight": c.weight},
            )
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": c.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields(
            [
                *[f for c in self.criteria for f in (f"score_{c.pk}", f"comment_{c.pk}")],
                "recommendation",
                "comment",
            ]
        )

    def scores(self) -> dict[int, tuple]:
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }

    def rows(self):
        for c in self.criteria:
            yield c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    program = forms.ModelChoiceField(Program.objects.all(), label=_("Programme"), required=False)
    region = forms.IntegerField(required=False, widget=forms.HiddenInput)
    value_chain = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-updated", _("Last activity")),
            ("code", _("Code")),
            ("organization", _("Organization")),
            ("status", _("Status")),
        ],
    )
    task = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, regions, value_chains, programs=None, **kwargs):

        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["program"].queryset = programs
        self.fields["status"].choices = [("", _("All")), *labels.state_choices(BusinessPlan)]
        self.fields["region"] = forms.ModelChoiceField(regions, label=_("Region"), required=False)
        self.fields["value_chain"] = forms.ModelChoiceField(
            value_chains, label=_("Value chain"), required=False
        )
