"""Home with the "my tasks" queue, plan lists, the plan page and version comparison."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import worklist
from accounts.models import Role
from accounts.policy import (
    CONTENT,
    appraisals_visible_to,
    can_read,
    is_staff_member,
    plan_documents_visible_to,
    plans_visible_to,
    programs_visible_to,
    regions_visible_to,
    roles_for_alliance,
    user_scope,
)
from accounts.steps import journal_visible_to
from alliances.models import ValueChain
from core import labels
from core.pagination import IdsFirstPaginator, rows_in_order

from .. import finance, selectors, workflow
from ..documents import can_upload
from ..forms import ApproveForm, CommentForm, PlanFilterForm, reason_form_class
from ..models import BusinessPlan, PlanStatus
from ..rules import plan_rule_breaches
from ..services import can_edit_content
from ..workflow import allowed_plan_transitions
from .common import plan_or_404

PAGE_SIZE = 25
TASK_ITEMS = 5  # the records of each task shown on the home page
SORTS = {
    "-updated": ("-updated_at", "-id"),
    "code": ("alliance__code",),
    "organization": ("alliance__producer_organization__name", "alliance__code"),
    "status": ("status", "alliance__code"),
}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's tasks, each with its first records leading to the form where each is
    done, the few figures the user watches, then the plans with the latest activity and a
    link to all of them (the plans page, with its filters and pages: home counts nothing
    it does not show). A fixed number of queries whatever the portfolio
    (tests/plans/test_home.py)."""
    latest = plans_visible_to(request.user).order_by("-updated_at", "-id")
    ids = list(latest.values_list("pk", flat=True)[: PAGE_SIZE + 1])
    return render(
        request,
        "plans/home.html",
        {
            "plans": rows_in_order(BusinessPlan.objects.with_list_data(), ids[:PAGE_SIZE]),
            "more_plans": len(ids) > PAGE_SIZE,
            "my_tasks": worklist.with_items(worklist.tasks_of_request(request), limit=TASK_ITEMS),
            "figures": worklist.figures_for(request.user),
            "task_items": TASK_ITEMS,
            "can_propose": bool({Role.PRODUCER, Role.TA_PROVIDER} & user_scope(request.user).roles),
        },
    )


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """Queues by state with filters, search, sort and pagination."""
    form = PlanFilterForm(
        request.GET or None,
        regions=regions_visible_to(request.user).order_by("name"),
        value_chains=ValueChain.objects.all(),
        programs=programs_visible_to(request.user).order_by("code"),
    )
    plans = plans_visible_to(request.user)
    task = ""
    if form.is_valid():
        data = form.cleaned_data
        task = data["task"]
        if task:
            plans = selectors.plan_task_queryset(request.user, task)
        plans = selectors.search_plans(plans, data["q"])
        if data["status"]:
            plans = plans.filter(status=data["status"])
        if data["program"]:
            plans = plans.filter(alliance__program=data["program"])
        if data["region"]:
            plans = plans.filter(alliance__region=data["region"])
        if data["value_chain"]:
            plans = plans.filter(alliance__value_chain=data["value_chain"])
        order = SORTS.get(data["sort"] or "-updated")
    else:
        order = SORTS["-updated"]
    # The page's ids from the filters and the sort alone, then those plans' rows.
    rows = BusinessPlan.objects.with_list_data().select_related("alliance__buyer")
    page = IdsFirstPaginator(plans.order_by(*order), PAGE_SIZE, rows=rows).get_page(
        request.GET.get("page")
    )
    return render(request, "plans/plan_list.html", {"form": form, "page": page, "task": task})


def analysis_of(version) -> tuple[finance.PlanAnalysis | None, str]:
    """The version's analysis, or None with a message when the projection is incomplete."""
    try:
        return version.analysis(), ""
    except finance.FinanceInputError:
        return None, _("The cash-flow projection must cover every year from 0 to the horizon.")


def analysis_context(plan, version) -> dict:
    analysis, problem = analysis_of(version)
    beneficiaries = workflow.beneficiaries(version)
    breaches = []
    if analysis is not None:
        breaches = plan_rule_breaches(
            program=plan.alliance.program, analysis=analysis, families=beneficiaries["families"]
        )
    return {
        "analysis": analysis,
        "analysis_problem": problem,
        "beneficiaries": beneficiaries,
        "breaches": breaches,
        "content_problems": workflow.plan_content_problems(version, plan.alliance.program)
        if not version.is_frozen
        else [],
        "currency": plan.alliance.program.currency,
        "sources": finance.SOURCES,
    }


def action_forms(user, plan) -> list[tuple]:
    """(transition, form) for each action the user may take now (the policy decides)."""
    forms = []
    for t in allowed_plan_transitions(user, plan):
        if t.name == "approve":
            requested = plan.current_version.analysis().totals_by_source["grant"]
            form = ApproveForm(
                initial={"approved_grant": requested},
                prefix=t.name,
                currency=plan.alliance.program.currency,
            )
        elif t.reason_required:
            form = reason_form_class(t.name)(prefix=t.name)
        else:
            form = CommentForm(prefix=t.name)
        forms.append((t, form))
    return forms


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    versions = list(plan.versions.order_by("number"))
    number = request.GET.get("version")
    version = versions[-1]
    if number:
        version = next((v for v in versions if str(v.number) == number), None)
        if version is None:
            raise Http404(_("No such version."))
    held = roles_for_alliance(request.user, plan.alliance)
    staff = is_staff_member(request.user) or request.user.is_superuser
    # What of the plan this user reads (§9a): a buyer, the summary and market only.
    reads_content = can_read(request.user, plan.alliance, CONTENT)
    timeline = labels.label_logs(
        journal_visible_to(request.user, plan.alliance).select_related("actor").order_by("at", "id")
    )
    context = {
        "plan": plan,
        "alliance": plan.alliance,
        "version": version,
        "versions": versions,
        "is_current": version == versions[-1],
        "reads_content": reads_content,
        "lines": version.budget_lines.all() if reads_content else [],
        "cash_flows": version.cash_flows.all() if reads_content else [],
        "documents": plan_documents_visible_to(request.user, plan).select_related("uploaded_by"),
        "timeline": timeline,
        "decisions": version.decisions.select_related("decided_by") if reads_content else [],
        "screening_checks": version.screening_checks.all() if staff and reads_content else [],
        "appraisals": appraisals_visible_to(request.user)
        .filter(version=version)
        .select_related("appraiser")
        .prefetch_related(Prefetch("scores")),
        "actions": action_forms(request.user, plan) if version == versions[-1] else [],
        "can_edit": can_edit_content(request.user, plan),
        "can_upload": can_upload(request.user, plan),
        "is_officer": Role.PROGRAMME_OFFICER in held,
        "is_committee": Role.COMMITTEE_MEMBER in held,
        "statuses": PlanStatus,
    }
    if reads_content:
        context.update(analysis_context(plan, version))
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_GET
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side: texts, budget lines and the analysis."""
    plan = plan_or_404(request, pk)
    versions = list(plan.versions.order_by("number"))
    if len(versions) < 2:
        raise Http404(_("This plan has a single version."))

    def pick(param, default):
        value = request.GET.get(param)
        found = next((v for v in versions if str(v.number) == value), None)
        if value and found is None:
            raise Http404(_("No such version."))
        return found or default

    left, right = pick("a", versions[-2]), pick("b", versions[-1])
    fields = [
        (f.verbose_name, getattr(left, f.name), getattr(right, f.name))
        for f in left._meta.get_fields()
        if f.name
        in (
            "title",
            "summary",
            "market_description",
            "technical_description",
            "environmental_social",
            "horizon_years",
        )
    ]
    return render(
        request,
        "plans/plan_compare.html",
        {
            "plan": plan,
            "versions": versions,
            "left": left,
            "right": right,
            "fields": fields,
            "left_lines": left.budget_lines.all(),
            "right_lines": right.budget_lines.all(),
            "left_analysis": analysis_of(left)[0],
            "right_analysis": analysis_of(right)[0],
            "currency": plan.alliance.program.currency,
        },
    )
