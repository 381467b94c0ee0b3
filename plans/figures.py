"""The plans' figures of the home page (registered in `accounts.worklist`): how many
plans wait at each stage for a programme officer (its regions), what waits for the
committee and what it decided, and where the PO side's own plans stand; one query each,
whatever the portfolio."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.worklist import Figure
from core import labels
from core.formats import format_number

from .models import BusinessPlan, PlanStatus
from .selectors import plans_where

# The stages at which a plan waits for the ministry, in workflow order.
WAITING = (
    PlanStatus.SUBMITTED,
    PlanStatus.SCREENING,
    PlanStatus.APPRAISAL,
    PlanStatus.COMMITTEE,
    PlanStatus.APPROVED,
)

# A committee member's stages: waiting for the committee, then its decisions.
DECIDED_BY_COMMITTEE = (PlanStatus.COMMITTEE, PlanStatus.APPROVED, PlanStatus.REJECTED)


def _by_stage(user, roles, statuses) -> list[Figure]:
    counts = dict(
        plans_where(user, roles, statuses)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    shown = statuses if len(statuses) <= len(WAITING) else [s for s in statuses if s in counts]
    return [
        Figure(
            _("Plans at “%(stage)s”") % {"stage": labels.state_label(BusinessPlan, status)},
            format_number(counts.get(status, 0), digits=0),
            url=reverse("plan-list") + f"?status={status}",
        )
        for status in shown
    ]


def plan_figures(user, s) -> list[Figure]:
    figures = []
    if Role.PROGRAMME_OFFICER in s.staff:
        figures += _by_stage(user, (Role.PROGRAMME_OFFICER,), list(WAITING))
    if Role.COMMITTEE_MEMBER in s.staff:
        # What waits for the committee, and what it decided.
        figures += _by_stage(user, (Role.COMMITTEE_MEMBER,), list(DECIDED_BY_COMMITTEE))
    if s.roles & {Role.PRODUCER, Role.TA_PROVIDER}:
        figures += _by_stage(user, (Role.PRODUCER, Role.TA_PROVIDER), list(PlanStatus.values))
    return figures
