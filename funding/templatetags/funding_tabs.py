"""The plan header's "Agreement", "Disbursement", "Deliveries" and "Indicators" tabs,
shown from approval (monitoring ones from signing) on to the people who may open those
pages (the same role sets as the pages themselves)."""

from django import template

from accounts.models import Role
from accounts.policy import roles_for_alliance
from plans.models import PlanStatus

from ..views.agreements import AGREEMENT_ROLES
from ..views.disbursement import PAGE_ROLES

register = template.Library()

AFTER_APPROVAL = frozenset(
    {
        PlanStatus.APPROVED,
        PlanStatus.ACTIVE,
        PlanStatus.MONITORING,
        PlanStatus.COMPLETED,
        PlanStatus.SUSPENDED,
        PlanStatus.CANCELLED,
    }
)


@register.inclusion_tag("funding/_plan_tabs.html", takes_context=True)
def plan_money_tabs(context, plan, tab=""):
    request = context.get("request")
    held = roles_for_alliance(request.user, plan.alliance) if request else frozenset()
    shown = plan.status in AFTER_APPROVAL
    signed = shown and plan.status != PlanStatus.APPROVED
    return {
        "plan": plan,
        "tab": tab,
        "agreement": shown and bool(held & AGREEMENT_ROLES),
        "disbursement": shown and bool(held & PAGE_ROLES),
        # Monitoring starts at signing: deliveries for all parties, indicators for all
        # but the buyer (§8).
        "deliveries": signed and bool(held),
        "indicators": signed and bool(held - {Role.BUYER}),
    }
