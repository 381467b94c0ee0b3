"""Read-side questions for pages: a user's "my tasks" queue and plan lists.

Each task starts from the plan scope selector (`plans_visible_to`) and keeps the plans on
which the user holds the role that acts (`accounts.worklist.acting_as`), so the queue
shows only work the user may actually do; each record leads to the form where it is done.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.policy import appraisals_visible_to, plans_visible_to, user_scope
from accounts.worklist import Task, TaskItem, acting_as, alliance_subject
from alliances.models import Alliance

from .models import BusinessPlan, PlanStatus, TransitionLog
from .workflow import PLAN_STEPS

PLAN = "plans.BusinessPlan"
APPRAISAL = "plans.AppraisalAssignment"

# key, roles, statuses, label, the page where it is done, the plan's steps it stands for.
PLAN_TASKS = [
    ("to_submit", (Role.PRODUCER, Role.TA_PROVIDER), [PlanStatus.DRAFT],
     _("Plans to complete and submit"), "plan-edit", ("submit",)),
    ("to_revise", (Role.PRODUCER, Role.TA_PROVIDER), [PlanStatus.REVISION_REQUESTED],
     _("Revisions to answer"), "plan-edit", ("resubmit",)),
    ("to_screen", (Role.PROGRAMME_OFFICER,), [PlanStatus.SUBMITTED, PlanStatus.SCREENING],
     _("Plans to screen"), "plan-screening",
     ("start_screening", "pass_screening", "fail_screening", "request_revision")),
    ("to_appraise_assign", (Role.PROGRAMME_OFFICER,), [PlanStatus.APPRAISAL],
     _("Appraisals to organize"), "plan-appraisers", ("complete_appraisal", "request_revision")),
    ("to_sign", (Role.PROGRAMME_OFFICER,), [PlanStatus.APPROVED],
     _("Agreements to sign"), "plan-legalization", ("sign_agreement",)),
    ("to_decide", (Role.COMMITTEE_MEMBER,), [PlanStatus.COMMITTEE], _("Decisions to take"),
     "plan-decision", ("approve", "reject", "request_revision")),
    ("to_close", (Role.ME_OFFICER,), [PlanStatus.MONITORING], _("Alliances in monitoring"),
     "plan-detail", ("complete",)),
]  # fmt: skip


def plans_where(user, roles, statuses) -> QuerySet:
    """Plans in `statuses` on which the user holds one of `roles` (object and region
    scope), within what the user may see."""
    return plans_visible_to(user).filter(acting_as(user, roles), status__in=statuses)


def revision_reason() -> Subquery:
    """The reason given with the plan's latest revision request (for the outer plan)."""
    latest = TransitionLog.objects.filter(
        alliance=OuterRef("alliance"), transition=PLAN_STEPS.journal_name("request_revision")
    ).order_by("-at", "-id")
    return Subquery(latest.values("comment")[:1])


def plan_task_queryset(user, key: str) -> QuerySet:
    """The plans of task `key` (the plan list's `?task=` filter)."""
    for task_key, roles, statuses, *_rest in PLAN_TASKS:
        if task_key == key:
            return plans_where(user, roles, statuses)
    if key == "to_score":
        return plans_visible_to(user).filter(
            pk__in=appraisals_to_score(user).values("version__plan_id")
        )
    if key == "to_confirm_delivery":
        return (
            plans_visible_to(user)
            .filter(
                alliance__deliveries__status="recorded",
                alliance__buyer_id__in=user_scope(user).buyer_ids,
            )
            .distinct()
        )
    return BusinessPlan.objects.none()


def appraisals_to_score(user) -> QuerySet:
    """The appraisals assigned to the user and not completed, on plans at appraisal."""
    return (
        appraisals_visible_to(user)
        .filter(
            appraiser=user, completed_at__isnull=True, version__plan__status=PlanStatus.APPRAISAL
        )
        .select_related("version__plan__alliance__producer_organization")
        .order_by("assigned_at", "pk")
    )


def _plan_item(url_name: str):
    def item(plan) -> TaskItem:
        # The reason of the latest revision request, on the PO side's revision task.
        note = getattr(plan, "revision_reason", None) or ""
        return TaskItem(alliance_subject(plan.alliance), reverse(url_name, args=[plan.pk]), note)

    return item


def _appraisal_item(assignment) -> TaskItem:
    declared = assignment.no_conflict_declared_at is not None
    return TaskItem(
        alliance_subject(assignment.version.plan.alliance),
        reverse("appraisal", args=[assignment.pk]),
        _("declaration made, scores pending")
        if declared
        else _("declaration of no conflict of interest pending"),
    )


def plan_tasks(user, s) -> list[Task]:
    """The plan-stage work waiting for the user (registered in `accounts.worklist`)."""
    tasks = []
    for key, roles, statuses, label, url_name, steps in PLAN_TASKS:
        if not set(roles) & s.roles:
            continue
        # An item names the alliance by its code and organization (`alliance_subject`):
        # those two joins, not the list's five.
        records = (
            plans_where(user, roles, statuses)
            .select_related("alliance__producer_organization")
            .order_by("updated_at", "pk")
        )
        if key == "to_revise":
            records = records.annotate(revision_reason=revision_reason())
        tasks.append(
            Task(
                key,
                label,
                reverse("plan-list") + f"?task={key}",
                records=records,
                item=_plan_item(url_name),
                covers=tuple((PLAN, step) for step in steps),
            )
        )
    if Role.APPRAISER in s.roles:
        tasks.append(
            Task(
                "to_score",
                _("Appraisals to score"),
                reverse("plan-list") + "?task=to_score",
                records=appraisals_to_score(user),
                item=_appraisal_item,
                covers=((APPRAISAL, "score"),),
            )
        )
    return tasks


def search_plans(qs: QuerySet, text: str) -> QuerySet:
    """Plans whose alliance code or name, producer organization or buyer holds `text`,
    ignoring case. The alliances are found table by table and put together (UNION ALL),
    so that PostgreSQL answers each part from its trigram index (alliances migration 0008)
    and the plans from their alliance's, instead of matching every joined row."""
    text = (text or "").strip()
    if not text:
        return qs
    return qs.filter(alliance__in=alliances_matching(text))


def alliances_matching(text: str) -> QuerySet:
    """The ids of the alliances whose code or name, producer organization or buyer holds
    `text` (stripped, not empty), ignoring case: a subquery for `alliance__in`, the search
    box of every list of alliances' records (plans, tranches, agreements, reports)."""
    alliances = Alliance.objects.order_by()
    return (
        alliances.filter(Q(code__icontains=text) | Q(name__icontains=text))
        .values("pk")
        .union(
            alliances.filter(producer_organization__name__icontains=text).values("pk"),
            alliances.filter(buyer__name__icontains=text).values("pk"),
            all=True,
        )
    )
