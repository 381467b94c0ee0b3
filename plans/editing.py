"""Editing the open version of a plan: its texts, budget lines and cash flows.

Only the PO side edits, only a draft or returned plan, only a version not yet frozen
(`plans.services.can_edit_content`). A budget line's amount is quantity × unit cost in
the programme's currency, and its split by source must add up to it exactly.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import CONFLICT, INVALID, ActionRefused, can_view_alliance, roles_for_alliance
from core.money import format_money, is_whole_in, round_money

from . import finance
from .models import BudgetLine, BusinessPlan, CashFlowRow, PlanVersion
from .services import can_edit_content

VERSION_FIELDS = (
    "title",
    "summary",
    "market_description",
    "technical_description",
    "environmental_social",
    "horizon_years",
)


def _editable_version(plan: BusinessPlan, by) -> PlanVersion:
    if not can_view_alliance(by, plan.alliance):
        raise ActionRefused(_("You do not have access to this business plan."), code="not_found")
    locked = BusinessPlan.objects.for_step().get(pk=plan.pk)
    if not can_edit_content(by, locked):
        if not roles_for_alliance(by, plan.alliance) & {Role.PRODUCER, Role.TA_PROVIDER}:
            raise ActionRefused(
                _(
                    "Only the producer organization or its technical assistance provider edits "
                    "the plan."
                ),
                code="forbidden",
            )
        raise ActionRefused(
            _("This version is submitted and frozen: it can no longer be edited."), code=CONFLICT
        )
    return locked.current_version


def line_amount(quantity: Decimal, unit_cost: Decimal, currency: str) -> Decimal:
    return round_money(quantity * unit_cost, currency)


def budget_line_errors(
    *, currency: str, quantity: Decimal, unit_cost: Decimal, split: dict[str, Decimal]
) -> dict[str, list[str]]:
    """Field messages for a budget line (empty when it is right)."""
    errors: dict[str, list[str]] = {}
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_("Enter a quantity greater than zero.")]
    if unit_cost is None or unit_cost < 0:
        errors["unit_cost"] = [_("Enter a unit cost of zero or more.")]
    for source in finance.SOURCES:
        value = split.get(source) or Decimal(0)
        if value < 0:
            errors[source] = [_("Enter zero or more.")]
        elif not is_whole_in(value, currency):
            errors[source] = [
                _("%(currency)s amounts cannot be finer than its minor unit.")
                % {"currency": currency}
            ]
    if errors:
        return errors
    amount = line_amount(quantity, unit_cost, currency)
    total = sum((split.get(s) or Decimal(0) for s in finance.SOURCES), Decimal(0))
    if total != amount:
        errors["__all__"] = [
            _(
                "The split by source adds up to %(total)s, but the line costs %(amount)s "
                "(quantity × unit cost): a difference of %(diff)s."
            )
            % {
                "total": format_money(total, currency),
                "amount": format_money(amount, currency),
                "diff": format_money(abs(amount - total), currency),
            }
        ]
    return errors


def version_update(*, plan: BusinessPlan, by, data: dict) -> PlanVersion:
    with transaction.atomic():
        version = _editable_version(plan, by)
        for field in VERSION_FIELDS:
            if field in data:
                setattr(version, field, data[field])
        version.save(update_fields=[f for f in VERSION_FIELDS if f in data])
        # A shorter horizon drops the projection years beyond it.
        version.cash_flows.filter(year__gt=version.horizon_years).delete()
    return version


def budget_line_save(
    *,
    plan: BusinessPlan,
    by,
    category: str,
    description: str,
    quantity: Decimal,
    unit_cost: Decimal,
    split: dict[str, Decimal],
    line: BudgetLine | None = None,
) -> BudgetLine:
    currency = plan.alliance.program.currency
    with transaction.atomic():
        version = _editable_version(plan, by)
        errors = budget_line_errors(
            currency=currency, quantity=quantity, unit_cost=unit_cost, split=split
        )
        if errors:
            raise ActionRefused(
                [m for ms in errors.values() for m in ms], code=INVALID, fields=errors
            )
        if line is None:
            line = BudgetLine(version=version)
        elif line.version_id != version.pk:
            raise ActionRefused(_("This line belongs to another version."), code="not_found")
        line.category = category
        line.description = description
        line.quantity = quantity
        line.unit_cost = unit_cost
        line.amount = line_amount(quantity, unit_cost, currency)
        for source in finance.SOURCES:
            setattr(line, source, split.get(source) or Decimal(0))
        line.save()
    return line


def budget_line_delete(*, plan: BusinessPlan, by, line: BudgetLine) -> None:
    with transaction.atomic():
        version = _editable_version(plan, by)
        if line.version_id != version.pk:
            raise ActionRefused(_("This line belongs to another version."), code="not_found")
        line.delete()


def cash_flows_save(*, plan: BusinessPlan, by, years: list[dict]) -> list[CashFlowRow]:
    """Replace the projection with `years` (one dict per year 0..horizon)."""
    currency = plan.alliance.program.currency
    with transaction.atomic():
        version = _editable_version(plan, by)
        expected = list(range(version.horizon_years + 1))
        if sorted(y["year"] for y in years) != expected:
            raise ActionRefused(
                _("Give every year from 0 to %(n)s.") % {"n": version.horizon_years},
                code=INVALID,
            )
        fields = ("revenue_with", "costs_with", "revenue_without", "costs_without")
        errors = {}
        for y in years:
            for f in fields:
                value = y.get(f) or Decimal(0)
                if value < 0 or not is_whole_in(value, currency):
                    errors[f"{y['year']}-{f}"] = [
                        _("Enter zero or more, in whole %(currency)s minor units.")
                        % {"currency": currency}
                    ]
        if errors:
            raise ActionRefused(
                _("Some amounts of the projection are not valid."), code=INVALID, fields=errors
            )
        version.cash_flows.all().delete()
        return CashFlowRow.objects.bulk_create(
            CashFlowRow(version=version, year=y["year"], **{f: y.get(f) or 0 for f in fields})
            for y in sorted(years, key=lambda y: y["year"])
        )
