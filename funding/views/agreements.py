"""Purchase agreement pages (§7): the agreement of an alliance with its versions, the
draft or amendment form, the buyer's list, the PDF for signature, and the legalization
checklist that comes before signing (§3). The services decide; the pages show."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.confirmation import confirmation_page, needs_confirmation
from accounts.models import Role
from accounts.policy import (
    FORBIDDEN,
    NOT_FOUND,
    ActionRefused,
    agreements_visible_to,
    require_roles,
    roles_for_alliance,
)
from core import labels
from core.pagination import IdsFirstPaginator
from plans.models import PlanStatus
from plans.selectors import alliances_matching
from plans.views.common import enforce, plan_or_404, report_refusal
from plans.workflow import check_plan_transition

from .. import agreements as services
from ..agreement_pdf import agreement_pdf_response
from ..forms import AgreementForm, ChecklistItemForm, CommentForm, ReasonForm
from ..models import PurchaseAgreement
from ..services import legalization_check_record

# Everyone with a stake in the alliance reads its agreement; appraisers have none here.
AGREEMENT_ROLES = frozenset(
    {
        Role.PRODUCER,
        Role.TA_PROVIDER,
        Role.BUYER,
        Role.PROGRAMME_OFFICER,
        Role.FINANCE_OFFICER,
        Role.ME_OFFICER,
        Role.COMMITTEE_MEMBER,
        Role.FUNDER,
    }
)

# The checklist is the ministry's and the producer side's business, not the buyer's.
CHECKLIST_ROLES = AGREEMENT_ROLES - {Role.BUYER}

ACTION_BUTTONS = {
    "send": gettext_lazy("Send to the buyer"),
    "confirm": gettext_lazy("Confirm the agreement"),
    "decline": gettext_lazy("Decline the agreement"),
}
DONE = {
    "send": gettext_lazy("The agreement is sent to the buyer."),
    "confirm": gettext_lazy("You confirmed the agreement."),
    "decline": gettext_lazy("You declined the agreement."),
}
PAGE_SIZE = 25


def _agreement_plan(request, pk, roles=AGREEMENT_ROLES, label=None):
    plan = plan_or_404(request, pk)
    label = label or _("see the purchase agreement")
    enforce(require_roles(request.user, plan.alliance, roles, label))
    return plan


def _header_flags(request, plan) -> dict:
    held = roles_for_alliance(request.user, plan.alliance)
    return {
        "is_officer": Role.PROGRAMME_OFFICER in held,
        "is_committee": Role.COMMITTEE_MEMBER in held,
        "can_see_checklist": bool(held & CHECKLIST_ROLES),
    }


def _action_forms(request, agreement, bound: dict) -> list:
    """(action, label, form) for each action the user may take on the agreement now."""
    if agreement is None:
        return []
    forms = []
    for action in services.AGREEMENT_ACTIONS:
        if services.agreement_decision(request.user, agreement, action):
            form_class = ReasonForm if action == "decline" else CommentForm
            form = bound.get(action) or form_class(prefix=action)
            if action == "decline":
                form.fields["comment"].label = _("Reason for declining")
            forms.append((action, ACTION_BUTTONS[action], form))
    return forms


def _agreement_context(request, plan, bound=None) -> dict:
    agreement = (
        PurchaseAgreement.objects.filter(alliance=plan.alliance).select_related("alliance").first()
    )
    versions = []
    shown = None
    if agreement is not None:
        versions = list(
            agreement.versions.select_related("product", "created_by").order_by("number")
        )
        number = request.GET.get("version")
        shown = versions[-1] if versions else None
        if number:
            shown = next((v for v in versions if str(v.number) == number), None)
            if shown is None:
                raise Http404(_("No such version."))
    context = {
        "plan": plan,
        "tab": "agreement",
        "agreement": agreement,
        "versions": versions,
        "shown": shown,
        "is_current": bool(versions) and shown == versions[-1],
        "currency": plan.alliance.program.currency,
        "actions": _action_forms(request, agreement, bound or {}),
        "can_draft": bool(services.agreement_draft_decision(request.user, plan.alliance)),
        "market": plan.current_version.market_description,
    }
    context.update(_header_flags(request, plan))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement's current terms, its versions, and send / confirm / decline."""
    plan = _agreement_plan(request, pk)
    if request.method == "GET":
        return render(request, "funding/agreement.html", _agreement_context(request, plan))
    action = request.POST.get("action", "")
    if action not in services.AGREEMENT_ACTIONS:
        raise Http404(_("Unknown action."))
    agreement = PurchaseAgreement.objects.filter(alliance=plan.alliance).first()
    if agreement is None:
        raise Http404(_("There is no agreement yet."))
    decision = services.agreement_decision(request.user, agreement, action)
    if decision.code in (NOT_FOUND, FORBIDDEN):
        enforce(decision)
    form_class = ReasonForm if action == "decline" else CommentForm
    form = form_class(request.POST, prefix=action)
    if action == "decline":
        form.fields["comment"].label = _("Reason for declining")
    status = 400
    if form.is_valid():
        service = getattr(services, f"agreement_{action}")
        confirm = services.AGREEMENT_STEPS[action].confirm
        if decision and needs_confirmation(request, confirm):
            return confirmation_page(
                request,
                confirm=confirm,
                back=reverse("plan-agreement", args=[plan.pk]),
                form=form,
                subject=f"{plan.alliance.code} · {plan.alliance.name}",
            )
        try:
            service(agreement=agreement, by=request.user, comment=form.cleaned_data["comment"])
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
            status = 400 if refusal.fields else 409
        else:
            messages.success(request, DONE[action])
            return redirect("plan-agreement", pk=plan.pk)
    context = _agreement_context(request, plan, {action: form})
    return render(request, "funding/agreement.html", context, status=status)


def _initial_terms(plan, agreement) -> dict:
    """The current version's terms; for a first draft, what the alliance already says."""
    current = agreement.current_version if agreement else None
    if current is not None:
        return {f: getattr(current, f) for f in services.TERM_FIELDS}
    alliance = plan.alliance
    return {
        "product": alliance.product_id,
        "unit": alliance.product.unit,
        "quality_specification": "",
        "duration_months": plan.current_version.horizon_years * 12,
    }


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft the agreement, edit the draft, or amend a sent one (a new version)."""
    plan = plan_or_404(request, pk)
    enforce(services.agreement_draft_decision(request.user, plan.alliance))
    agreement = PurchaseAgreement.objects.filter(alliance=plan.alliance).first()
    form = AgreementForm(
        request.POST or None,
        alliance=plan.alliance,
        initial=_initial_terms(plan, agreement),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_draft(alliance=plan.alliance, by=request.user, **form.terms())
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Agreement saved as a draft: send it to the buyer."))
            return redirect("plan-agreement", pk=plan.pk)
    amending = agreement is not None and agreement.status != PurchaseAgreement.Status.DRAFT
    context = {
        "plan": plan,
        "tab": "agreement",
        "form": form,
        "agreement": agreement,
        "amending": amending,
        "market": plan.current_version.market_description,
    }
    context.update(_header_flags(request, plan))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "funding/agreement_form.html", context, status=status)


@login_required
@require_GET
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement as a one-page PDF for signature (the version asked, else the current)."""
    plan = _agreement_plan(request, pk)
    agreement = (
        PurchaseAgreement.objects.filter(alliance=plan.alliance)
        .select_related("alliance__producer_organization", "alliance__buyer", "alliance__program")
        .first()
    )
    if agreement is None:
        raise Http404(_("There is no agreement yet."))
    versions = agreement.versions.select_related("product")
    number = request.GET.get("version")
    version = (
        versions.filter(number=number).first()
        if number and number.isdigit()
        else versions.order_by("-number").first()
    )
    if version is None:
        raise Http404(_("No such version."))
    return agreement_pdf_response(agreement, version)


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The agreements the user is party to or follows: for a buyer, those with it."""
    agreements = agreements_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in PurchaseAgreement.Status.values:
        agreements = agreements.filter(status=status)
    else:
        status = ""
    text = request.GET.get("q", "").strip()
    if text:
        agreements = agreements.filter(alliance__in=alliances_matching(text))
    # The page's ids from the scope, filters and order alone, then those rows (issue 17).
    rows = PurchaseAgreement.objects.select_related(
        "alliance__producer_organization", "alliance__buyer", "alliance__plan", "alliance__product"
    )
    page = IdsFirstPaginator(agreements.order_by("-updated_at", "-id"), PAGE_SIZE, rows=rows)
    page = page.get_page(request.GET.get("page"))
    return render(
        request,
        "funding/agreement_list.html",
        {
            "page": page,
            "status": status,
            "statuses": labels.state_choices(PurchaseAgreement),
            "q": text,
        },
    )


# --- the legalization checklist, then signing --------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def legalization(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's checklist for this alliance (who ticked what, when), then signing."""
    plan = _agreement_plan(request, pk, CHECKLIST_ROLES, _("see the legalization checklist"))
    alliance = plan.alliance
    held = roles_for_alliance(request.user, alliance)
    can_tick = Role.PROGRAMME_OFFICER in held and plan.status == PlanStatus.APPROVED
    requirements = list(alliance.program.legalization_requirements.all())
    checks = {c.requirement_id: c for c in alliance.legalization_checks.select_related("done_by")}
    bound_id, bound_form, status = None, None, 200
    if request.method == "POST":
        requirement = next(
            (r for r in requirements if str(r.pk) == request.POST.get("requirement")), None
        )
        if requirement is None:
            raise Http404(_("No such checklist item."))
        if Role.PROGRAMME_OFFICER not in held:
            enforce(
                require_roles(
                    request.user,
                    alliance,
                    {Role.PROGRAMME_OFFICER},
                    _("complete the legalization checklist"),
                )
            )
        form = ChecklistItemForm(request.POST, prefix=f"item-{requirement.pk}")
        if form.is_valid():
            try:
                legalization_check_record(
                    alliance=alliance,
                    requirement=requirement,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ActionRefused as refusal:
                report_refusal(request, refusal, form)
                status = 409
            else:
                messages.success(
                    request, _("Done: %(item)s.") % {"item": requirement.label.rstrip(".")}
                )
                return redirect("plan-legalization", pk=plan.pk)
        else:
            status = 400
        bound_id, bound_form = requirement.pk, form
    items = []
    for r in requirements:
        form = None
        if r.pk not in checks and can_tick:
            form = bound_form if r.pk == bound_id else ChecklistItemForm(prefix=f"item-{r.pk}")
        items.append((r, checks.get(r.pk), form))
    signing = check_plan_transition(request.user, plan, "sign_agreement", comment="")
    context = {
        "plan": plan,
        "tab": "agreement",
        "items": items,
        "done": sum(1 for r in requirements if r.pk in checks),
        "total": len(requirements),
        "can_sign": bool(signing),
        # Why signing must wait, for the officer who would sign.
        "sign_problems": signing.reasons
        if not signing and signing.code == "conflict" and Role.PROGRAMME_OFFICER in held
        else (),
        "sign_form": CommentForm(prefix="sign_agreement"),
    }
    context.update(_header_flags(request, plan))
    return render(request, "funding/agreement_legalization.html", context, status=status)
