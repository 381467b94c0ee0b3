"""Read-side questions for pages: a user's "my tasks" queue and plan lists.

Each task is a query over what the user may see (`accounts.policy`), so the queue shows
only work the user may actually do.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.policy import plans_visible_to, user_scope
from accounts.worklist import Task
from alliances.models import Alliance, Delivery

from .models import AppraisalAssignment, BusinessPlan, PlanStatus


def _plans_where(user, role: str, statuses) -> QuerySet:
    """Plans in `statuses` on which the user holds `role` (object and region scope)."""
    s = user_scope(user)
    qs = plans_visible_to(user).filter(status__in=statuses)
    if role == Role.PRODUCER:
        return qs.filter(alliance__producer_organization_id__in=s.organization_ids)
    if role == Role.TA_PROVIDER:
        return qs.filter(alliance__producer_organization_id__in=s.ta_organization_ids)
    if role in s.staff:
        regions = s.staff[role]
        return qs if regions is None else qs.filter(alliance__region_id__in=regions)
    return qs.none()


PLAN_TASKS = [
    # key, role(s), statuses, label
    ("to_submit", (Role.PRODUCER, Role.TA_PROVIDER), [PlanStatus.DRAFT],
     _("Plans to complete and submit")),
    ("to_revise", (Role.PRODUCER, Role.TA_PROVIDER), [PlanStatus.REVISION_REQUESTED],
     _("Revisions to answer")),
    ("to_screen", (Role.PROGRAMME_OFFICER,), [PlanStatus.SUBMITTED, PlanStatus.SCREENING],
     _("Plans to screen")),
    ("to_appraise_assign", (Role.PROGRAMME_OFFICER,), [PlanStatus.APPRAISAL],
     _("Appraisals to organize")),
    ("to_sign", (Role.PROGRAMME_OFFICER,), [PlanStatus.APPROVED],
     _("Agreements to sign")),
    ("to_decide", (Role.COMMITTEE_MEMBER,), [PlanStatus.COMMITTEE], _("Decisions to take")),
    ("to_close", (Role.ME_OFFICER,), [PlanStatus.MONITORING], _("Alliances in monitoring")),
]  # fmt: skip


def plan_task_queryset(user, key: str) -> QuerySet:
    for task_key, roles, statuses, _label in PLAN_TASKS:
        if task_key == key:
            qs = BusinessPlan.objects.none()
            for role in roles:
                qs = qs | _plans_where(user, role, statuses)
            return qs.distinct()
    if key == "to_confirm_delivery":
        return (
            plans_visible_to(user)
            .filter(
                alliance__buyer_id__in=user_scope(user).buyer_ids,
                alliance__deliveries__status=Delivery.Status.RECORDED,
            )
            .distinct()
        )
    if key == "to_score":
        return (
            plans_visible_to(user)
            .filter(
                status=PlanStatus.APPRAISAL,
                versions__appraisals__appraiser=user,
                versions__appraisals__completed_at__isnull=True,
            )
            .distinct()
        )
    return BusinessPlan.objects.none()


def appraisals_to_score(user) -> QuerySet:
    return AppraisalAssignment.objects.filter(
        appraiser=user, completed_at__isnull=True, version__plan__status=PlanStatus.APPRAISAL
    ).select_related("version__plan__alliance__producer_organization")


def plan_tasks(user, s) -> list[Task]:
    """The plan-stage work waiting for the user (registered in `accounts.worklist`)."""
    tasks = []
    for key, roles, _statuses, label in PLAN_TASKS:
        if not set(roles) & s.roles:
            continue
        count = plan_task_queryset(user, key).count()
        tasks.append(Task(key, label, count, reverse("plan-list") + f"?task={key}"))
    if Role.APPRAISER in s.roles:
        tasks.append(
            Task(
                "to_score",
                _("Appraisals to score"),
                appraisals_to_score(user).count(),
                reverse("plan-list") + "?task=to_score",
            )
        )
    return tasks


def delivery_tasks(user, s) -> list[Task]:
    """Deliveries a buyer must confirm (registered in `accounts.worklist`)."""
    if not s.buyer_ids:
        return []
    return [
        Task(
            "to_confirm_delivery",
            _("Deliveries to confirm"),
            plan_task_queryset(user, "to_confirm_delivery").count(),
            reverse("plan-list") + "?task=to_confirm_delivery",
        )
    ]


def search_plans(qs: QuerySet, text: str) -> QuerySet:
    """Plans whose alliance code or name, producer organization or buyer holds `text`,
    ignoring case. The alliances are found table by table and put together (UNION ALL),
    so that PostgreSQL answers each part from its trigram index (alliances migration 0008)
    and the plans from their alliance's, instead of matching every joined row."""
    text = (text or "").strip()
    if not text:
        return qs
    alliances = Alliance.objects.order_by()
    matching = (
        alliances.filter(Q(code__icontains=text) | Q(name__icontains=text))
        .values("pk")
        .union(
            alliances.filter(producer_organization__name__icontains=text).values("pk"),
            alliances.filter(buyer__name__icontains=text).values("pk"),
            all=True,
        )
    )
    return qs.filter(alliance__in=matching)
