"""Admin for programmes (call, budget, rules, rubric, legalization checklist) and a
read-only view of the money that flows through them.

Commitments, tranches, payments, counterpart contributions and legalization checks move
only through `funding.services`: the admin shows them and never writes them.
"""

from babel.numbers import list_currencies
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, DecimalField, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationTabularInline

from core.dates import ADMIN_DATES
from core.money import ZERO, format_money, is_whole_in
from core.number_fields import ADMIN_NUMBERS

from .models import (
    CounterpartContribution,
    GrantCommitment,
    LegalizationCheck,
    LegalizationRequirement,
    Payment,
    Program,
    ProgramFunding,
    PurchaseAgreement,
    PurchaseAgreementVersion,
    RubricCriterion,
    Tranche,
    signed_payment,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)
# Payments minus reversals, for list annotations.
_SIGNED_PAYMENT = signed_payment("payments__")

CURRENCIES = frozenset(list_currencies())


def _clean_currency_code(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        raise ValidationError(
            _("“%(code)s” is not a known ISO 4217 currency code."),
            code="unknown_currency",
            params={"code": code},
        )
    return code


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to staff, written only by the services."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- programmes -----------------------------------------------------------------------


class ProgramAdminForm(forms.ModelForm):
    class Meta:
        model = Program
        # The admin passes the fields of its fieldsets; these are the same.
        fields = (
            "code",
            "name",
            "country",
            "currency",
            "opens_on",
            "closes_on",
            "eligible_regions",
            "eligible_value_chains",
            "max_grant_per_alliance",
            "max_grant_per_family",
            "max_grant_share",
            "min_counterpart_share",
            "discount_rate",
            "score_threshold",
            "required_appraisals",
            "tranche_count",
            "monitoring_period_months",
            "report_grace_days",
            "indicators",
            "reporting_currency",
            "reporting_rate",
            "reporting_rate_date",
            "two_factor_required",
        )

    def clean_currency(self) -> str:
        code = _clean_currency_code(self.cleaned_data.get("currency"))
        if self.instance.pk and code != self.instance.currency and self.instance.alliances.exists():
            raise ValidationError(
                _("The currency cannot change once the programme has alliances."),
                code="currency_in_use",
            )
        return code

    def clean_reporting_currency(self) -> str:
        return _clean_currency_code(self.cleaned_data.get("reporting_currency"))

    def clean(self):
        cleaned = super().clean()
        opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("The call cannot close before it opens."))
        currency = cleaned.get("currency")
        if currency:
            for name in ("max_grant_per_alliance", "max_grant_per_family"):
                amount = cleaned.get(name)
                if amount is not None and not is_whole_in(amount, currency):
                    self.add_error(name, _whole_amount_error(currency))
        return cleaned


def _whole_amount_error(currency: str) -> ValidationError:
    return ValidationError(
        _("Amounts in %(currency)s cannot have more decimals than its minor unit."),
        code="fractional_amount",
        params={"currency": currency},
    )


class ProgramFundingFormSet(forms.BaseInlineFormSet):
    """The budget never drops below what is already committed (§4)."""

    def clean(self):
        super().clean()
        program = self.instance
        currency = program.currency if program.currency in CURRENCIES else None
        total = ZERO
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            amount = form.cleaned_data.get("amount")
            if amount is None:
                continue
            if currency and not is_whole_in(amount, currency):
                form.add_error("amount", _whole_amount_error(currency))
            total += amount
        if program.pk:
            committed = program.committed
            if total < committed:
                raise ValidationError(
                    _(
                        "The budget (%(total)s) cannot be less than the amount already "
                        "committed to alliances (%(committed)s)."
                    ),
                    code="budget_below_committed",
                    params={
                        "total": format_money(total, program.currency),
                        "committed": format_money(committed, program.currency),
                    },
                )


class ProgramFundingInline(admin.TabularInline):
    model = ProgramFunding
    formset = ProgramFundingFormSet
    formfield_overrides = ADMIN_NUMBERS
    extra = 0
    fields = ("funder", "amount")
    autocomplete_fields = ("funder",)


class RubricCriterionInline(TranslationTabularInline):
    """Criterion names in English, French and Spanish side by side (funding/translation.py)."""

    model = RubricCriterion
    formfield_overrides = ADMIN_NUMBERS
    extra = 0
    fields = ("order", "code", "name", "category", "weight", "max_score")


class LegalizationRequirementInline(TranslationTabularInline):
    """Checklist items in English, French and Spanish side by side."""

    model = LegalizationRequirement
    extra = 0
    fields = ("order", "code", "label")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = ProgramAdminForm
    formfield_overrides = {**ADMIN_DATES, **ADMIN_NUMBERS}
    list_display = (
        "code",
        "name",
        "country",
        "currency",
        "opens_on",
        "closes_on",
        "budget_in_list",
        "available_in_list",
    )
    list_filter = ("country", "currency")
    search_fields = ("code", "name")
    date_hierarchy = "opens_on"
    filter_horizontal = ("eligible_regions", "eligible_value_chains", "indicators")
    inlines = (ProgramFundingInline, RubricCriterionInline, LegalizationRequirementInline)
    fieldsets = (
        (_("Identity"), {"fields": ("code", "name", "country", "currency")}),
        (
            _("Call"),
            {"fields": ("opens_on", "closes_on", "eligible_regions", "eligible_value_chains")},
        ),
        (
            _("Caps and rules"),
            {
                "fields": (
                    "max_grant_per_alliance",
                    "max_grant_per_family",
                    "max_grant_share",
                    "min_counterpart_share",
                    "discount_rate",
                )
            },
        ),
        (_("Appraisal"), {"fields": ("score_threshold", "required_appraisals")}),
        (
            _("Disbursement and monitoring"),
            {
                "fields": (
                    "tranche_count",
                    "monitoring_period_months",
                    "report_grace_days",
                    "indicators",
                )
            },
        ),
        (
            _("Reporting"),
            {"fields": ("reporting_currency", "reporting_rate", "reporting_rate_date")},
        ),
        (_("Security"), {"fields": ("two_factor_required",)}),
    )
    budget_fieldset = (
        _("Budget"),
        {"fields": ("total_budget_display", "committed_display", "available_display")},
    )

    def get_fieldsets(self, request, obj=None):
        # The budget figures exist once the programme does.
        if obj is None:
            return self.fieldsets
        return (*self.fieldsets, self.budget_fieldset)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.budget_fieldset[1]["fields"]

    def get_queryset(self, request):
        budget = (
            ProgramFunding.objects.filter(program=OuterRef("pk"))
            .values("program")
            .annotate(t=Sum("amount"))
            .values("t")
        )
        committed = (
            GrantCommitment.objects.filter(program=OuterRef("pk"))
            .values("program")
            .annotate(t=Sum(F("amount") - F("released_amount")))
            .values("t")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                _budget=Coalesce(Subquery(budget, output_field=MONEY), Value(ZERO)),
                _committed=Coalesce(Subquery(committed, output_field=MONEY), Value(ZERO)),
            )
        )

    @admin.display(description=_("total budget"), ordering="_budget")
    def budget_in_list(self, obj: Program) -> str:
        return format_money(obj._budget, obj.currency)

    @admin.display(description=_("available"))
    def available_in_list(self, obj: Program) -> str:
        return format_money(obj._budget - obj._committed, obj.currency)

    @admin.display(description=_("total budget"))
    def total_budget_display(self, obj: Program) -> str:
        return format_money(obj.total_budget, obj.currency)

    @admin.display(description=_("committed"))
    def committed_display(self, obj: Program) -> str:
        return format_money(obj.committed, obj.currency)

    @admin.display(description=_("available"))
    def available_display(self, obj: Program) -> str:
        return format_money(obj.available, obj.currency)


# --- the money (read-only) ------------------------------------------------------------


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ("number", "amount", "planned_date", "status", "verified_by", "authorized_by")


@admin.register(GrantCommitment)
class GrantCommitmentAdmin(ReadOnlyAdmin):
    list_display = (
        "plan",
        "program",
        "amount_display",
        "released_display",
        "paid_display",
        "committed_by",
        "committed_at",
    )
    list_filter = ("program",)
    search_fields = ("plan__alliance__code", "plan__alliance__name")
    list_select_related = ("plan__alliance", "program", "committed_by")
    date_hierarchy = "committed_at"
    inlines = (TrancheInline,)

    def get_queryset(self, request):
        paid = Sum(
            Case(
                When(
                    tranches__payments__kind=Payment.Kind.REVERSAL,
                    then=-F("tranches__payments__amount"),
                ),
                default=F("tranches__payments__amount"),
                output_field=MONEY,
            )
        )
        return super().get_queryset(request).annotate(_paid=Coalesce(paid, Value(ZERO)))

    @admin.display(description=_("committed amount"), ordering="amount")
    def amount_display(self, obj: GrantCommitment) -> str:
        return format_money(obj.amount, obj.program.currency)

    @admin.display(description=_("released amount"), ordering="released_amount")
    def released_display(self, obj: GrantCommitment) -> str:
        return format_money(obj.released_amount, obj.program.currency)

    @admin.display(description=_("paid (net of reversals)"), ordering="_paid")
    def paid_display(self, obj: GrantCommitment) -> str:
        return format_money(obj._paid, obj.program.currency)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fk_name = "tranche"
    fields = ("kind", "amount", "paid_on", "reference", "reverses", "reason", "recorded_by")


@admin.register(Tranche)
class TrancheAdmin(ReadOnlyAdmin):
    list_display = (
        "commitment_plan",
        "number",
        "amount_display",
        "paid_display",
        "planned_date",
        "status",
    )
    list_filter = ("status", "commitment__program")
    search_fields = ("commitment__plan__alliance__code", "commitment__plan__alliance__name")
    list_select_related = ("commitment__plan__alliance", "commitment__program")
    date_hierarchy = "planned_date"
    inlines = (PaymentInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_paid=Coalesce(Sum(_SIGNED_PAYMENT), Value(ZERO)))
        )

    @admin.display(description=_("business plan"), ordering="commitment__plan__alliance__code")
    def commitment_plan(self, obj: Tranche) -> str:
        return str(obj.commitment.plan.alliance)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Tranche) -> str:
        return format_money(obj.amount, obj.commitment.program.currency)

    @admin.display(description=_("paid (net of reversals)"), ordering="_paid")
    def paid_display(self, obj: Tranche) -> str:
        return format_money(obj._paid, obj.commitment.program.currency)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """A payment is never edited nor deleted: a correction is a reversal (§4)."""

    list_display = (
        "reference",
        "kind",
        "tranche",
        "amount_display",
        "paid_on",
        "reverses",
        "recorded_by",
        "recorded_at",
    )
    list_filter = ("kind", "tranche__commitment__program")
    search_fields = ("reference", "tranche__commitment__plan__alliance__code")
    list_select_related = (
        "tranche__commitment__plan__alliance",
        "tranche__commitment__program",
        "reverses",
        "recorded_by",
    )
    date_hierarchy = "paid_on"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        amount = -obj.amount if obj.kind == Payment.Kind.REVERSAL else obj.amount
        return format_money(amount, obj.tranche.commitment.program.currency)


@admin.register(CounterpartContribution)
class CounterpartContributionAdmin(ReadOnlyAdmin):
    list_display = (
        "plan",
        "kind",
        "amount_display",
        "contributed_on",
        "status",
        "recorded_by",
        "verified_by",
    )
    list_filter = ("kind", "status", "plan__alliance__program")
    search_fields = ("plan__alliance__code", "plan__alliance__name", "description")
    list_select_related = ("plan__alliance__program", "recorded_by", "verified_by")
    date_hierarchy = "contributed_on"

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: CounterpartContribution) -> str:
        return format_money(obj.amount, obj.plan.alliance.program.currency)


@admin.register(LegalizationCheck)
class LegalizationCheckAdmin(ReadOnlyAdmin):
    list_display = ("alliance", "requirement", "note", "done_by", "done_at")
    list_filter = ("requirement__program",)
    search_fields = (
        "alliance__code",
        "alliance__name",
        "requirement__label_en",
        "requirement__label_fr",
        "requirement__label_es",
    )
    list_select_related = ("alliance", "requirement", "done_by")


# --- purchase agreements (written by funding.agreements; read-only here) ---------------


class PurchaseAgreementVersionInline(admin.StackedInline):
    """Versions are written by `agreement_draft`; a confirmed version is a record."""

    model = PurchaseAgreementVersion
    extra = 0
    can_delete = False
    fields = (
        "number",
        "product",
        "unit",
        "annual_volume",
        "quality_specification",
        "price_type",
        "unit_price",
        "market_reference",
        "delivery_schedule",
        "payment_terms",
        "duration_months",
        "buyer_support",
        "created_by",
        "created_at",
        "confirmed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PurchaseAgreement)
class PurchaseAgreementAdmin(admin.ModelAdmin):
    list_display = ("alliance", "status", "version_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("alliance__code", "alliance__name", "alliance__buyer__name")
    list_select_related = ("alliance",)
    fields = ("alliance", "status", "decline_reason", "created_at", "updated_at")
    readonly_fields = fields
    inlines = (PurchaseAgreementVersionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_version_count=Count("versions"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("versions"), ordering="_version_count")
    def version_count(self, obj: PurchaseAgreement) -> int:
        return obj._version_count
