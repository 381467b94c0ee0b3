"""The business-plan editor: proposal, texts, budget lines, cash flows, documents."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.policy import (
    CONTENT,
    ActionRefused,
    can_read,
    plan_documents_visible_to,
    roles_for_alliance,
    user_scope,
)
from alliances.models import ProducerOrganization
from core.errors import NotFound

from .. import finance, proposals, workflow
from ..documents import UPLOADERS, document_upload, document_upload_decision
from ..editing import (
    budget_line_delete,
    budget_line_save,
    cash_flows_save,
    version_update,
)
from ..forms import (
    BudgetLineForm,
    CashFlowFormSet,
    DocumentForm,
    ProposeChoiceForm,
    ProposeForm,
    VersionForm,
)
from ..models import BudgetLine
from ..rules import plan_rule_breaches
from ..services import alliance_propose, can_edit_content
from .common import enforce, plan_or_404, report_refusal
from .overview import analysis_context

logger = logging.getLogger(__name__)


def _editable_or_refuse(request, plan) -> None:
    if not can_edit_content(request.user, plan):
        held = user_scope(request.user).roles
        if not held & {Role.PRODUCER, Role.TA_PROVIDER}:
            raise PermissionDenied(
                _(
                    "Only the producer organization or its technical assistance provider edits "
                    "the plan."
                )
            )
        messages.info(
            request, _("This version is submitted and frozen: it can no longer be edited.")
        )
        raise _Redirect(plan)


class _Redirect(Exception):
    def __init__(self, plan):
        self.plan = plan


def editor_page(view):
    """Editor pages redirect to the plan page when the version is frozen."""

    def wrapped(request, pk, *args, **kwargs):
        plan = plan_or_404(request, pk)
        try:
            _editable_or_refuse(request, plan)
            return view(request, plan, *args, **kwargs)
        except _Redirect:
            return redirect("plan-detail", pk=plan.pk)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _organizations_for(user):
    s = user_scope(user)
    return ProducerOrganization.objects.filter(pk__in=s.organization_ids | s.ta_organization_ids)


@login_required
@require_http_methods(["GET", "POST"])
def plan_propose(request: HttpRequest) -> HttpResponse:
    """Propose an alliance in two questions, without scripts: first the organization and
    the programme (a GET form; skipped when there is one of each), then the buyer, the
    product and the names, chosen among those of that programme."""
    organizations = _organizations_for(request.user)
    if not organizations.exists():
        raise PermissionDenied(
            _(
                "Only a producer organization or its technical assistance provider proposes an "
                "alliance."
            )
        )
    today = timezone.localdate()
    if request.method == "POST":
        form = ProposeForm(request.POST, organizations=organizations, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = alliance_propose(
                    program=data["program"],
                    producer_organization=data["organization"],
                    buyer=data["buyer"],
                    product=data["product"],
                    name=data["name"],
                    title=data["title"],
                    by=request.user,
                )
            except ActionRefused as refusal:
                report_refusal(request, refusal, form)
            else:
                messages.success(request, _("Alliance proposed: now complete its business plan."))
                return redirect("plan-edit", pk=plan.pk)
        if form.chosen_wrong:
            choice = ProposeChoiceForm(request.POST, organizations=organizations, today=today)
            choice.is_valid()
            return _propose_page(request, choice, organizations, status=400)
        return _propose_page(request, form, organizations, status=_status(form))
    asked = {"organization", "program"} & set(request.GET)
    changing = "change" in request.GET
    choice = ProposeChoiceForm(
        request.GET if asked and not changing else None,
        organizations=organizations,
        today=today,
        initial={k: request.GET[k] for k in asked} if changing else None,
    )
    chosen = (
        choice.is_valid()
        if choice.is_bound
        else (not changing and choice.organization is not None and choice.program is not None)
    )
    if chosen:
        form = ProposeForm(
            organizations=organizations,
            today=today,
            initial={"organization": choice.organization.pk, "program": choice.program.pk},
        )
        return _propose_page(request, form, organizations)
    return _propose_page(request, choice, organizations, status=_status(choice))


def _propose_page(request, form, organizations, status: int = 200) -> HttpResponse:
    details = isinstance(form, ProposeForm)
    context = {"form": form, "details": details}
    if details:
        # The first answers, shown with a way back to change them when there was a choice.
        context["organization"] = form.organization
        context["program"] = form.program
        several = len(organizations) > 1 or (
            len(proposals.programs_open_to(form.organization, form.today)) > 1
        )
        context["change_url"] = (
            f"{reverse('plan-propose')}?change=1&organization={form.organization.pk}"
            f"&program={form.program.pk}"
            if several
            else ""
        )
    else:
        context["no_open_call"] = not form.fields["program"].queryset.exists()
    return render(request, "plans/plan_propose.html", context, status=status)


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _editor_context(plan, section, *, reads_content: bool = True, **extra):
    """The context of an editor page (whose user edits the plan, unless `extra` says
    otherwise); the budget and the analysis only for who reads the plan's content (§9a)."""
    version = plan.current_version
    context = {
        "plan": plan,
        "alliance": plan.alliance,
        "version": version,
        "section": section,
        "can_edit": True,
        "reads_content": reads_content,
    }
    if reads_content:
        context["lines"] = version.budget_lines.all()
        context.update(analysis_context(plan, version))
    context.update(extra)
    return context


@editor_page
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan) -> HttpResponse:
    """Texts of the plan: summary, market and buyer, technical, environmental and social."""
    version = plan.current_version
    form = VersionForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        try:
            version_update(plan=plan, by=request.user, data=form.cleaned_data)
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("plan-edit", pk=plan.pk)
    return render(
        request,
        "plans/editor_texts.html",
        _editor_context(plan, "texts", form=form),
        status=_status(form),
    )


@editor_page
@require_http_methods(["GET", "POST"])
def plan_budget(request: HttpRequest, plan, line_pk: int | None = None) -> HttpResponse:
    """Budget lines: the list, and a form to add one or edit `line_pk`."""
    currency = plan.alliance.program.currency
    line = None
    if line_pk is not None:
        line = get_object_or_404(BudgetLine, pk=line_pk, version=plan.current_version)
    initial = BudgetLineForm.initial_from(line) if line else None
    form = BudgetLineForm(request.POST or None, initial=initial, currency=currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            budget_line_save(
                plan=plan,
                by=request.user,
                category=data["category"],
                description=data["description"],
                quantity=data["quantity"],
                unit_cost=data["unit_cost"],
                split=form.split(),
                line=line,
            )
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Budget line saved."))
            return redirect("plan-budget", pk=plan.pk)
    return render(
        request,
        "plans/editor_budget.html",
        _editor_context(plan, "budget", form=form, line=line),
        status=_status(form),
    )


@login_required
@require_POST
def plan_budget_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    line = get_object_or_404(BudgetLine, pk=line_pk, version__plan=plan)
    try:
        budget_line_delete(plan=plan, by=request.user, line=line)
    except ActionRefused as refusal:
        report_refusal(request, refusal)
    else:
        messages.success(request, _("Budget line deleted."))
    return redirect("plan-budget", pk=plan.pk)


def _cash_flow_initial(version) -> list[dict]:
    existing = {row.year: row for row in version.cash_flows.all()}
    rows = []
    for year in range(version.horizon_years + 1):
        row = existing.get(year)
        rows.append(
            {
                "year": year,
                "revenue_with": row.revenue_with if row else Decimal(0),
                "costs_with": row.costs_with if row else Decimal(0),
                "revenue_without": row.revenue_without if row else Decimal(0),
                "costs_without": row.costs_without if row else Decimal(0),
            }
        )
    return rows


@editor_page
@require_http_methods(["GET", "POST"])
def plan_cash_flows(request: HttpRequest, plan) -> HttpResponse:
    """The projection, years 0..horizon, with and without the project."""
    version = plan.current_version
    formset = CashFlowFormSet(
        request.POST or None,
        initial=_cash_flow_initial(version),
        form_kwargs={"currency": plan.alliance.program.currency},
    )
    if request.method == "POST" and formset.is_valid():
        try:
            cash_flows_save(plan=plan, by=request.user, years=formset.cleaned_data)
        except ActionRefused as refusal:
            report_refusal(request, refusal)
        else:
            messages.success(request, _("Cash flows saved."))
            return redirect("plan-cash-flows", pk=plan.pk)
    status = 400 if formset.is_bound and not formset.is_valid() else 200
    return render(
        request,
        "plans/editor_cash_flows.html",
        _editor_context(plan, "cash_flows", formset=formset),
        status=status,
    )


@login_required
@require_POST
def plan_analysis_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The analysis computed from the form being edited, without saving anything (htmx)."""
    plan = plan_or_404(request, pk)
    if not can_edit_content(request.user, plan):
        raise PermissionDenied(_("Only the producer organization edits the plan."))
    version = plan.current_version
    currency = plan.alliance.program.currency
    program = plan.alliance.program
    lines = [line.split() for line in version.budget_lines.all()]
    years = [row.as_year() for row in version.cash_flows.all()]
    formset = CashFlowFormSet(request.POST)
    if "form-TOTAL_FORMS" in request.POST and formset.is_valid():
        years = [
            finance.CashFlowYear(**{k: v for k, v in row.items() if k != "DELETE"})
            for row in formset.cleaned_data
            if row
        ]
    else:
        form = BudgetLineForm(request.POST, currency=currency)
        if form.is_valid():
            editing_pk = request.POST.get("line")
            kept = [
                line.split()
                for line in version.budget_lines.all()
                if str(line.pk) != (editing_pk or "")
            ]
            lines = [*kept, finance.BudgetSplit(**form.split())]
    context = {"currency": currency, "sources": finance.SOURCES, "preview": True}
    try:
        analysis = finance.analyse(
            lines=lines,
            years=years,
            discount_rate=program.discount_rate,
            families=workflow.beneficiaries(version)["families"],
        )
    except finance.FinanceInputError:
        context.update(
            analysis=None,
            analysis_problem=_(
                "The cash-flow projection must cover every year from 0 to the horizon."
            ),
        )
    else:
        context.update(
            analysis=analysis,
            analysis_problem="",
            breaches=plan_rule_breaches(
                program=program,
                analysis=analysis,
                families=workflow.beneficiaries(version)["families"],
            ),
        )
    return render(request, "plans/_analysis.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's documents for whoever sees the plan; the upload form only for who may
    add one now (a buyer reads them, never adds any)."""
    plan = plan_or_404(request, pk)
    uploading = document_upload_decision(request.user, plan)
    if request.method == "POST":
        enforce(uploading)
    form = DocumentForm(request.POST or None, request.FILES or None) if uploading else None
    if request.method == "POST" and form.is_valid():
        try:
            document_upload(
                plan=plan,
                by=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ActionRefused as refusal:
            report_refusal(request, refusal, form)
        else:
            messages.success(request, _("Document added."))
            return redirect("plan-documents", pk=plan.pk)
    return render(
        request,
        "plans/editor_documents.html",
        _editor_context(
            plan,
            "documents",
            reads_content=can_read(request.user, plan.alliance, CONTENT),
            can_edit=can_edit_content(request.user, plan),
            form=form,
            # Why the PO side may not add one now (a submitted plan); nothing for readers.
            upload_closed=uploading.reason
            if form is None and roles_for_alliance(request.user, plan.alliance) & UPLOADERS
            else "",
            documents=plan_documents_visible_to(request.user, plan).select_related("uploaded_by"),
        ),
        status=_status(form) if form is not None else 200,
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """Served only to users who may see the plan; always as an attachment."""
    plan = plan_or_404(request, pk)
    document = plan_documents_visible_to(request.user, plan).filter(pk=document_pk).first()
    if document is None:
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("plan %s: the file of document %s is missing", plan.pk, document.pk)
        raise NotFound(
            _(
                "The file of “%(name)s” is no longer on the server. Ask the person who "
                "uploaded it to upload it again."
            )
            % {"name": document.download_name}
        ) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
