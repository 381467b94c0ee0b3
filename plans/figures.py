"""The plans' figures of the home page (registered in `accounts.worklist`): how many
plans wait at each stage for a programme officer (its regions), what waits for the
committee and what it decided, and where the PO side's own plans stand; one query each,
whatever the portfolio, kept per user between steps."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.worklist import Figure, keeps, kept
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


# Kept per user (`accounts.worklist.kept`), forgotten at every step and proposal
# concerning the user: counted over every plan of the user's regions, at each home page.
STAGE_COUNTS = keeps("plan_stage_counts")


def _counts(user, roles, statuses) -> dict[str, int]:
    return dict(
        plans_where(user, roles, statuses)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def _by_stage(counts: dict[str, int], statuses) -> list[Figure]:
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
    groups = {}  # name: (the roles it is counted for, the stages)
    if Role.PROGRAMME_OFFICER in s.staff:
        groups["officer"] = ((Role.PROGRAMME_OFFICER,), list(WAITING))
    if Role.COMMITTEE_MEMBER in s.staff:
        # What waits for the committee, and what it decided.
        groups["committee"] = ((Role.COMMITTEE_MEMBER,), list(DECIDED_BY_COMMITTEE))
    if s.roles & {Role.PRODUCER, Role.TA_PROVIDER}:
        groups["po_side"] = ((Role.PRODUCER, Role.TA_PROVIDER), list(PlanStatus.values))
    if not groups:
        return []
    counts = kept(
        user,
        STAGE_COUNTS,
        lambda: {name: _counts(user, *group) for name, group in groups.items()},
        fits=lambda kept_counts: sorted(kept_counts) == sorted(groups),
    )
    return [
        figure
        for name, (_roles, statuses) in groups.items()
        for figure in _by_stage(counts[name], statuses)
    ]
