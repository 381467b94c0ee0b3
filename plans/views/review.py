"""Review pages: workflow actions, screening, appraisal and the committee decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.confirmation import back_url, confirmation_page, needs_confirmation
from accounts.models import Role
from accounts.policy import (
    ALLOWED,
    ActionRefused,
    can_view_alliance,
    plan_documents_visible_to,
    require_roles,
    users_acting_for,
)

from .. import services, workflow
from ..forms import (
    ApproveForm,
    AssignAppraiserForm,
    CommentForm,
    NoConflictForm,
    ReasonForm,
    ScoringForm,
    ScreeningForm,
    reason_form_class,
)
from ..models import AppraisalAssignment, PlanStatus
from ..workflow import allowed_plan_transitions, check_plan_transition
from .common import enforce, plan_or_404, report_refusal
from .overview import analysis_context


def _confirm_plan_step(request, plan, step, form, back: str | None = None) -> HttpResponse:
    """The confirmation page of a plan's step that cannot be undone (nothing changes)."""
    default = reverse("plan-detail", args=[plan.pk])
    return confirmation_page(
        request,
        confirm=step.confirm,
        back=back or back_url(request, default),
        form=form,
        subject=f"{plan.alliance.code} · {plan.alliance.name}",
        currency=plan.alliance.program.currency,
    )


# Where a step leaves the person when the work goes on elsewhere than the plan's page:
# screening started, the checklist is what comes next.
LANDS_ON = {"start_screening": "plan-screening"}


@login_required
@require_POST
def plan_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one workflow action. A refusal shows its reason and changes nothing."""
    plan = plan_or_404(request, pk)
    transitions = workflow.transitions_named(name)
    if not transitions or transitions[0].system:
        raise Http404(_("Unknown action."))
    if name == "approve":
        form = ApproveForm(request.POST, prefix=name, currency=plan.alliance.program.currency)
    elif transitions[0].reason_required:
        form = reason_form_class(name)(request.POST, prefix=name)
    else:
        form = CommentForm(request.POST, prefix=name)
    if not form.is_valid():
        # Ask the policy first, so that a wrong role is a 403 and not a form error.
        enforce_access = check_plan_transition(request.user, plan, name, guards=False)
        if enforce_access.code in ("not_found", "forbidden"):
            enforce(enforce_access)
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request,
                    f"{form.fields[field].label}: {error}" if field in form.fields else error,
                )
        return redirect("plan-detail", pk=plan.pk)
    params = dict(form.cleaned_data)
    try:
        step = workflow.transition_for(name, plan.status)
        if step is not None and needs_confirmation(request, step.confirm):
            # Asked only of an action that would be taken: what would refuse it (a
            # guard, the wrong state) is said first, as when it is taken.
            check_plan_transition(request.user, plan, name, **params).raise_if_refused()
            return _confirm_plan_step(request, plan, step, form)
        services.PLAN_ACTIONS[name](plan=plan, by=request.user, **params)
    except ActionRefused as refusal:
        report_refusal(request, refusal)
        return redirect("plan-detail", pk=plan.pk)
    messages.success(
        request,
        _("Done: %(action)s. The plan is now at “%(status)s”.")
        % {"action": transitions[0].label, "status": plan.get_status_display()},
    )
    return redirect(LANDS_ON.get(name, "plan-detail"), pk=plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_screening(request: HttpRequest, pk: int) -> HttpResponse:
    """The screening checklist, with the field-visit note, and the automatic checks."""
    plan = plan_or_404(request, pk)
    enforce(
        require_roles(request.user, plan.alliance, {Role.PROGRAMME_OFFICER}, _("screen this plan"))
    )
    version = plan.current_version
    existing = {c.code: c for c in version.screening_checks.all()}
    initial = {}
    for code in services.MANUAL_SCREENING_CHECKS:
        if code in existing:
            initial[f"{code}__passed"] = "yes" if existing[code].passed else "no"
            initial[f"{code}__note"] = existing[code].note
    form = ScreeningForm(
        request.POST or None, initial=initial, items=services.MANUAL_SCREENING_CHECKS
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record(plan=plan, by=request.user, checks=form.checks())
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Screening checklist saved."))
            return redirect("plan-screening", pk=plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "automatic": services.automatic_screening_checks(plan),
        "editable": plan.status == PlanStatus.SCREENING,
        "recorded": list(existing.values()),
        "actions": [
            (t, ReasonForm(prefix=t.name) if t.reason_required else CommentForm(prefix=t.name))
            for t in allowed_plan_transitions(request.user, plan)
            if t.name in ("start_screening", "pass_screening", "fail_screening", "request_revision")
        ],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "plans/screening.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_appraisers(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign appraisers (at least the programme's required number)."""
    plan = plan_or_404(request, pk)
    enforce(
        require_roles(request.user, plan.alliance, {Role.PROGRAMME_OFFICER}, _("assign appraisers"))
    )
    version = plan.current_version
    assigned = version.appraisals.select_related("appraiser")
    candidates = (
        users_acting_for(plan.alliance, {Role.APPRAISER})
        .exclude(pk__in=[a.appraiser_id for a in assigned])
        .order_by("last_name", "username")
    )
    form = AssignAppraiserForm(request.POST or None, appraisers=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.appraisal_assign(
                plan=plan, appraiser=form.cleaned_data["appraiser"], by=request.user
            )
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Appraiser assigned."))
            return redirect("plan-appraisers", pk=plan.pk)
    return render(
        request,
        "plans/appraisers.html",
        {
            "plan": plan,
            "form": form,
            "assigned": assigned,
            "required": plan.alliance.program.required_appraisals,
            "open": plan.status == PlanStatus.APPRAISAL,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appraisal_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The appraiser's page: first the conflict-of-interest declaration, then scoring."""
    assignment = (
        AppraisalAssignment.objects.select_related(
            "version__plan__alliance__program", "version__plan__alliance__producer_organization"
        )
        .filter(pk=pk)
        .first()
    )
    if assignment is None or not can_view_alliance(request.user, assignment.version.plan.alliance):
        raise Http404(_("No such appraisal."))
    if assignment.appraiser_id != request.user.pk:
        raise PermissionDenied(_("This appraisal is assigned to someone else."))
    plan = assignment.version.plan
    criteria = plan.alliance.program.criteria.all()
    declared = assignment.no_conflict_declared_at is not None
    declaration = NoConflictForm(request.POST or None if not declared else None)
    scoring = None
    if declared:
        initial = {"recommendation": assignment.recommendation, "comment": assignment.comment}
        for s in assignment.scores.all():
            initial[f"score_{s.criterion_id}"] = s.score
            initial[f"comment_{s.criterion_id}"] = s.comment
        scoring = ScoringForm(request.POST or None, initial=initial, criteria=criteria)
    if request.method == "POST":
        form = scoring if declared else declaration
        if form.is_valid():
            try:
                if declared:
                    services.appraisal_submit(
                        assignment=assignment,
                        by=request.user,
                        scores=scoring.scores(),
                        recommendation=scoring.cleaned_data["recommendation"],
                        comment=scoring.cleaned_data["comment"],
                    )
                    messages.success(request, _("Appraisal submitted. Thank you."))
                    return redirect("home")
                services.appraisal_declare_no_conflict(assignment=assignment, by=request.user)
                messages.success(request, _("Declaration recorded: you can now score the plan."))
                return redirect("appraisal", pk=assignment.pk)
            except ActionRefused as refusal:
                report_refusal(request, refusal, form)
    context = {
        "assignment": assignment,
        "plan": plan,
        "version": assignment.version,
        "declaration": declaration,
        "scoring": scoring,
        "declared": declared,
        "lines": assignment.version.budget_lines.all(),
    }
    context.update(analysis_context(plan, assignment.version))
    bad = request.method == "POST" and ((scoring or declaration).errors)
    return render(request, "plans/appraisal.html", context, status=400 if bad else 200)


DECISIONS = ("approve", "reject", "request_revision")


def _decision_forms(request, plan, version, posted: str | None) -> dict:
    forms = {}
    allowed = {t.name for t in allowed_plan_transitions(request.user, plan)}
    for name in DECISIONS:
        if name not in allowed:
            continue
        data = request.POST if posted == name else None
        if name == "approve":
            requested = version.analysis().totals_by_source["grant"]
            forms[name] = ApproveForm(
                data,
                initial={"approved_grant": requested},
                prefix=name,
                currency=plan.alliance.program.currency,
            )
        else:
            forms[name] = ReasonForm(data, prefix=name)
    return forms


@login_required
@require_http_methods(["GET", "POST"])
def plan_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Scores per appraiser and criterion, weighted score, analysis, eligibility, documents,
    and the committee's three decisions, side by side."""
    plan = plan_or_404(request, pk)
    enforce(
        require_roles(
            request.user,
            plan.alliance,
            {Role.COMMITTEE_MEMBER, Role.PROGRAMME_OFFICER},
            _("see the committee dossier"),
        )
    )
    version = plan.current_version
    posted = request.POST.get("decision") if request.method == "POST" else None
    if posted is not None and posted not in DECISIONS:
        raise Http404(_("Unknown action."))
    forms = _decision_forms(request, plan, version, posted)
    status = 200
    if posted:
        if posted not in forms:
            # Not this user's decision, or no longer possible (a stale page).
            refusal = check_plan_transition(request.user, plan, posted, guards=False)
            enforce(refusal if refusal.code in ("not_found", "forbidden") else ALLOWED)
            messages.error(request, refusal.reason)
            return redirect("plan-detail", pk=plan.pk)
        form = forms[posted]
        if form.is_valid():
            try:
                step = workflow.transition_for(posted, plan.status)
                if step is not None and needs_confirmation(request, step.confirm):
                    check_plan_transition(
                        request.user, plan, posted, **form.cleaned_data
                    ).raise_if_refused()
                    back = reverse("plan-decision", args=[plan.pk])
                    return _confirm_plan_step(request, plan, step, form, back=back)
                services.PLAN_ACTIONS[posted](plan=plan, by=request.user, **form.cleaned_data)
            except ActionRefused as refusal:
                report_refusal(request, refusal, form)
                status = 409 if refusal.code in ("conflict", "wrong_state") else 400
            else:
                messages.success(
                    request,
                    _("Decision recorded: the plan is now at “%(status)s”.")
                    % {"status": plan.get_status_display()},
                )
                return redirect("plan-detail", pk=plan.pk)
        else:
            status = 400
    criteria = list(plan.alliance.program.criteria.all())
    appraisals = list(
        version.appraisals.select_related("appraiser").prefetch_related("scores__criterion")
    )
    grid = []
    for criterion in criteria:
        row = [
            next((s for s in a.scores.all() if s.criterion_id == criterion.pk), None)
            for a in appraisals
        ]
        grid.append((criterion, row))
    context = {
        "plan": plan,
        "version": version,
        "criteria": criteria,
        "appraisals": appraisals,
        "grid": grid,
        "totals": [(a, workflow.appraisal_score(a)) for a in appraisals],
        "score": workflow.plan_score(appraisals),
        "threshold": plan.alliance.program.score_threshold,
        "screening_checks": version.screening_checks.all(),
        "documents": plan_documents_visible_to(request.user, plan),
        "lines": version.budget_lines.all(),
        "forms": forms,
    }
    context.update(analysis_context(plan, version))
    return render(request, "plans/decision.html", context, status=status)
