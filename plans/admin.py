"""Admin for business plans and what the workflow records about them.

A plan is created by `plans.services.alliance_propose` and moved only by the
transition services, so the admin shows plans, decisions, appraisals and the
transition log without writing them. The one thing edited here is the content of an
open (not yet frozen) plan version.
"""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import labels
from core.money import format_money, round_money
from core.number_fields import ADMIN_NUMBERS

from . import finance
from .models import (
    AppraisalAssignment,
    BudgetLine,
    BusinessPlan,
    CashFlowRow,
    CommitteeDecision,
    CriterionScore,
    PlanVersion,
    ScreeningCheck,
    TransitionLog,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows written by the workflow: seen here, never added, edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- business plans -------------------------------------------------------------------


class PlanVersionInline(ViewOnlyInline):
    model = PlanVersion
    fields = ("number", "title", "frozen_at", "created_by", "created_at")
    show_change_link = True


class LogInWords:
    """A transition-log row's step and states in words (core/labels.py), not codes."""

    @admin.display(description=_("action"), ordering="transition")
    def step(self, obj: TransitionLog) -> str:
        return labels.log_step(obj)

    @admin.display(description=_("From – to"))
    def states(self, obj: TransitionLog) -> str:
        return labels.log_states(obj)


class TransitionLogInline(LogInWords, GenericTabularInline, ViewOnlyInline):
    model = TransitionLog
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("at", "step", "states", "actor", "comment")
    ordering = ("at", "id")


@admin.register(BusinessPlan)
class BusinessPlanAdmin(ViewOnlyAdmin):
    list_display = (
        "alliance",
        "program",
        "producer_organization",
        "status",
        "grant_display",
        "updated_at",
    )
    list_filter = ("status", "alliance__program", "alliance__region", "alliance__value_chain")
    search_fields = ("alliance__code", "alliance__name", "alliance__producer_organization__name")
    list_select_related = (
        "alliance__program",
        "alliance__producer_organization",
    )
    date_hierarchy = "updated_at"
    fields = (
        "alliance",
        "status",
        "suspended_from",
        "grant_display",
        "approval_conditions",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (PlanVersionInline, TransitionLogInline)

    @admin.display(description=_("programme"), ordering="alliance__program__code")
    def program(self, obj: BusinessPlan) -> str:
        return str(obj.alliance.program)

    @admin.display(
        description=_("producer organization"),
        ordering="alliance__producer_organization__name",
    )
    def producer_organization(self, obj: BusinessPlan) -> str:
        return str(obj.alliance.producer_organization)

    @admin.display(description=_("approved grant"), ordering="approved_grant")
    def grant_display(self, obj: BusinessPlan) -> str:
        return format_money(obj.approved_grant, obj.alliance.program.currency)


# --- plan versions and their content --------------------------------------------------


def _version_currency(version: PlanVersion | None) -> str | None:
    if version is None or version.plan_id is None:
        return None
    return version.plan.alliance.program.currency


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ("category", "description", "quantity", "unit_cost", "amount", *BudgetLine.SOURCES)

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount")
        quantity, unit_cost = cleaned.get("quantity"), cleaned.get("unit_cost")
        currency = _version_currency(getattr(self.instance, "version", None))
        if amount is None:
            return cleaned
        if quantity is not None and unit_cost is not None and currency:
            expected = round_money(quantity * unit_cost, currency)
            if amount != expected:
                self.add_error(
                    "amount",
                    ValidationError(
                        _("The amount must be quantity × unit cost: %(expected)s."),
                        code="amount_mismatch",
                        params={"expected": format_money(expected, currency)},
                    ),
                )
        sources = [cleaned.get(name) for name in BudgetLine.SOURCES]
        if all(value is not None for value in sources) and sum(sources) != amount:
            raise ValidationError(
                _("The split by source (%(split)s) must add up to the amount (%(amount)s)."),
                code="split_mismatch",
                params={"split": sum(sources), "amount": amount},
            )
        return cleaned


class FrozenAwareInline(admin.TabularInline):
    """Editable while the version is open; read-only once it is frozen."""

    extra = 0
    formfield_overrides = ADMIN_NUMBERS

    def _frozen(self, obj) -> bool:
        return obj is not None and obj.frozen_at is not None

    def get_readonly_fields(self, request, obj=None):
        if self._frozen(obj):
            return self.fields
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class BudgetLineInline(FrozenAwareInline):
    model = BudgetLine
    form = BudgetLineForm
    fields = BudgetLineForm.Meta.fields


class CashFlowRowForm(forms.ModelForm):
    class Meta:
        model = CashFlowRow
        fields = ("year", "revenue_with", "costs_with", "revenue_without", "costs_without")

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        version = getattr(self.instance, "version", None)
        if version is not None and year > version.horizon_years:
            raise ValidationError(
                _("The plan's horizon is %(horizon)s years."),
                code="beyond_horizon",
                params={"horizon": version.horizon_years},
            )
        return year


class CashFlowRowInline(FrozenAwareInline):
    model = CashFlowRow
    form = CashFlowRowForm
    fields = CashFlowRowForm.Meta.fields


class ScreeningCheckInline(ViewOnlyInline):
    model = ScreeningCheck
    # `code` shows the item's label in the reader's language (`ScreeningItem`).
    fields = ("code", "passed", "automatic", "note", "checked_by", "checked_at")


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    """Versions are opened by the workflow; an open version's content can be corrected,
    a frozen (submitted) one is a record."""

    list_display = ("plan", "number", "title", "frozen_at", "created_by", "created_at")
    list_filter = (("frozen_at", admin.EmptyFieldListFilter), "plan__alliance__program")
    search_fields = ("title", "plan__alliance__code", "plan__alliance__name")
    list_select_related = ("plan__alliance", "created_by")
    fields = (
        "plan",
        "number",
        "title",
        "summary",
        "market_description",
        "technical_description",
        "environmental_social",
        "horizon_years",
        "beneficiary_families",
        "women_members",
        "youth_members",
        "total_investment",
        "frozen_at",
        "created_by",
        "created_at",
    )
    readonly_fields = (
        "plan",
        "number",
        "beneficiary_families",
        "women_members",
        "youth_members",
        "total_investment",
        "frozen_at",
        "created_by",
        "created_at",
    )
    inlines = (BudgetLineInline, CashFlowRowInline, ScreeningCheckInline)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.frozen_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("total investment"))
    def total_investment(self, obj: PlanVersion) -> str:
        total = finance.total_investment(obj.budget_splits())
        return format_money(total, obj.plan.alliance.program.currency)


# --- screening, appraisal, decisions, log (read-only) ---------------------------------


@admin.register(ScreeningCheck)
class ScreeningCheckAdmin(ViewOnlyAdmin):
    list_display = ("version", "code", "passed", "automatic", "checked_by", "checked_at")
    list_filter = ("passed", "automatic", "code")
    search_fields = ("code", "version__plan__alliance__code")
    list_select_related = ("version", "checked_by")


class CriterionScoreInline(ViewOnlyInline):
    model = CriterionScore
    fields = ("criterion", "score", "comment")


@admin.register(AppraisalAssignment)
class AppraisalAssignmentAdmin(ViewOnlyAdmin):
    list_display = (
        "version",
        "appraiser",
        "assigned_by",
        "assigned_at",
        "no_conflict_declared_at",
        "recommendation",
        "completed_at",
    )
    list_filter = (
        "recommendation",
        ("completed_at", admin.EmptyFieldListFilter),
        "version__plan__alliance__program",
    )
    search_fields = (
        "version__plan__alliance__code",
        "appraiser__username",
        "appraiser__last_name",
    )
    list_select_related = ("version", "appraiser", "assigned_by")
    inlines = (CriterionScoreInline,)


@admin.register(CommitteeDecision)
class CommitteeDecisionAdmin(ViewOnlyAdmin):
    list_display = ("version", "outcome", "grant_display", "decided_by", "decided_at")
    list_filter = ("outcome", "version__plan__alliance__program")
    search_fields = ("version__plan__alliance__code", "reason", "conditions")
    list_select_related = ("version__plan__alliance__program", "decided_by")
    date_hierarchy = "decided_at"

    @admin.display(description=_("approved grant"), ordering="approved_grant")
    def grant_display(self, obj: CommitteeDecision) -> str:
        return format_money(obj.approved_grant, obj.version.plan.alliance.program.currency)


@admin.register(TransitionLog)
class TransitionLogAdmin(LogInWords, ViewOnlyAdmin):
    """Append-only: written by the workflow, never changed."""

    list_display = ("at", "alliance", "step", "states", "actor", "comment")
    list_filter = ("transition", "to_state", "content_type", "alliance__program")
    search_fields = ("alliance__code", "alliance__name", "comment", "actor__username")
    list_select_related = ("alliance", "actor", "content_type")
    date_hierarchy = "at"
