"""Periodic monitoring reports (§8): the list (the PO side's reports to enter, the data
entry status board of ministry staff and funders) and the page of one report, where
the PO side enters values, narrative and evidence and submits, and the M&E officer
accepts or returns. One POST per action; the services decide, the page shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.confirmation import confirmation_page, needs_confirmation
from accounts.policy import (
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    WRONG_STATE,
    ActionRefused,
    can_view_organization,
    monitoring_reports_visible_to,
    user_scope,
)
from alliances.models import Region
from core import labels
from core.formats import format_date, format_money, format_quantity
from core.pagination import IdsFirstPaginator
from funding.models import Program
from plans.models import TransitionLog
from plans.selectors import alliances_matching
from plans.views.common import enforce

from .. import services
from ..figures import reports_board_summary
from ..forms import (
    ReportEvidenceForm,
    ReportValuesForm,
    ReturnForm,
    ReviewForm,
    error_field,
)
from ..models import MonitoringReport
from ..report_evidence import report_enter, report_evidence_attach, report_evidence_decision
from ..selectors import (
    indicators_for,
    report_cells,
    reports_board_counts,
    reports_board_filter,
    volume_unit,
)

S = MonitoringReport.Status
PAGE_SIZE = 25

BOARD_COLUMNS = {
    "missing": gettext_lazy("Missing"),
    "late": gettext_lazy("Returned and late"),
    "waiting": gettext_lazy("Waiting for review"),
    "open": gettext_lazy("Open (within the days to submit)"),
}
COMPUTED_NOTES = {
    "delivery_volume": gettext_lazy("Computed from confirmed deliveries"),
    "delivery_value": gettext_lazy("Computed from confirmed deliveries"),
    "revolving_repayments": gettext_lazy("Computed from the revolving fund's repayments"),
}
DONE = {
    "save": gettext_lazy("Draft saved."),
    "submit": gettext_lazy("Report submitted for review."),
    "accept": gettext_lazy("Report accepted."),
    "return": gettext_lazy("Report returned to the producer organization."),
    "evidence": gettext_lazy("Evidence attached to the report."),
}
ACTIONS = tuple(DONE)


# --- the list and the status board -----------------------------------------------------


def _reports_of(queryset):
    return queryset.select_related(
        "alliance__program", "alliance__region", "alliance__producer_organization"
    )


def _int_param(request, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def _po_lists(request, reports, today) -> dict:
    scope = user_scope(request.user)
    mine = _reports_of(
        reports.filter(
            alliance__producer_organization_id__in=scope.organization_ids
            | scope.ta_organization_ids,
            period_start__lte=today,
        )
    )
    to_enter = list(mine.filter(status__in=services.EDITABLE).order_by("due_on", "pk"))
    waiting = list(mine.filter(status=S.SUBMITTED).order_by("due_on", "pk"))
    accepted = Paginator(
        mine.filter(status=S.ACCEPTED).order_by("-period_start", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return {"to_enter": to_enter, "waiting": waiting, "accepted": accepted}


def _board(request, reports, today) -> dict:
    columns = reports_board_filter(today)
    program_id, region_id = _int_param(request, "program"), _int_param(request, "region")
    filtered = reports
    if program_id is not None:
        filtered = filtered.filter(alliance__program_id=program_id)
    if region_id is not None:
        filtered = filtered.filter(alliance__region_id=region_id)
    text = request.GET.get("q", "").strip()
    if text:
        filtered = filtered.filter(alliance__in=alliances_matching(text))
    # The counts and the filters' choices from the summary kept per programme and region
    # (`monitoring.figures`), else from the reports themselves (a search, or a scope the
    # summary cannot answer).
    summary = (
        None
        if text
        else reports_board_summary(request.user, today, program=program_id, region=region_id)
    )
    if summary is not None:
        by_program, by_region, totals = summary.by_program, summary.by_region, summary.totals
        programs, regions = summary.programs, summary.regions
    else:
        pending = filtered.filter(Q(*columns.values(), _connector=Q.OR))
        by_program, by_region, totals = reports_board_counts(pending, columns)
        # Filters offer the programmes and regions of the reports the user may read.
        programs = Program.objects.filter(pk__in=reports.values("alliance__program_id"))
        regions = Region.objects.filter(pk__in=reports.values("alliance__region_id"))
        programs, regions = programs.order_by("code"), regions.order_by("name")
    column = request.GET.get("column", "missing")
    if column not in columns:
        column = "missing"
    # The page's ids from the scope, filters and order alone, then those rows (issue 17).
    listed = filtered.filter(columns[column]).order_by("due_on", "pk")
    page = IdsFirstPaginator(listed, PAGE_SIZE, rows=_reports_of(MonitoringReport.objects.all()))
    page = page.get_page(request.GET.get("page"))
    keep = {k: v for k, v in (("program", program_id), ("region", region_id)) if v is not None}
    if text:
        keep["q"] = text
    return {
        "columns": [(name, label, totals[name]) for name, label in BOARD_COLUMNS.items()],
        "column": column,
        "column_label": BOARD_COLUMNS[column],
        "by_program": by_program,
        "by_region": by_region,
        "page": page,
        "programs": programs,
        "regions": regions,
        "program_id": program_id,
        "region_id": region_id,
        "filter_query": urlencode(keep),
        "q": text,
    }


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The PO side's reports (to enter, waiting, accepted); for ministry staff and
    funders the data-entry status board. The buyer has no part in monitoring."""
    scope = user_scope(request.user)
    po_side = bool(scope.organization_ids or scope.ta_organization_ids)
    board = bool(scope.staff or scope.funder_ids or request.user.is_superuser)
    if not (po_side or board):
        raise PermissionDenied(
            _(
                "Monitoring reports are kept by producer organizations and reviewed by the "
                "ministry; you have no part in them."
            )
        )
    today = timezone.localdate()
    reports = monitoring_reports_visible_to(request.user)
    context = {"today": today, "po_side": po_side, "board": board}
    if po_side:
        context.update(_po_lists(request, reports, today))
    if board:
        context.update(_board(request, reports, today))
    return render(request, "monitoring/report_list.html", context)


# --- one report ------------------------------------------------------------------------


def _figure(number, currency: str = "") -> str | None:
    """A stored figure for reading, in the user's language: an amount in the currency's
    minor units, anything else grouped and without trailing zeros."""
    if number is None:
        return None
    return format_money(number, currency) if currency else format_quantity(number)


@dataclass
class ValueRow:
    indicator: object
    cell: object
    unit: str = ""
    note: str = ""
    figures: tuple = (None, None, None)  # value, women, youth as read
    value: object = None  # bound fields when the values are editable
    women: object = None
    youth: object = None


def _report_or_404(request, pk: int) -> MonitoringReport:
    report = (
        monitoring_reports_visible_to(request.user)
        .select_related(
            "alliance__program",
            "alliance__region",
            "alliance__buyer",
            "alliance__producer_organization",
            "alliance__plan",
            "submitted_by",
            "reviewed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404(_("No such monitoring report."))
    return report


def _permissions(user, report) -> dict:
    """Which forms the page offers: asked of the services' rules."""
    return {
        "can_enter": bool(services.report_step_decision(user, report, "save")),
        "can_attach": bool(report_evidence_decision(user, report)),
        "can_review": bool(services.report_step_decision(user, report, "accept")),
    }


def _history(report) -> list:
    return labels.label_logs(
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(MonitoringReport), object_id=report.pk
        ).select_related("actor")
    )


def _context(request, report, forms: dict | None = None) -> dict:
    forms = forms or {}
    indicators = indicators_for(report.alliance)
    cells = report_cells(report)
    allowed = _permissions(request.user, report)
    values_form = None
    if allowed["can_enter"]:
        values_form = forms.get("values") or ReportValuesForm(
            indicators=indicators,
            cells=cells,
            currency=report.alliance.program.currency,
            initial={"narrative": report.narrative},
        )
    rows = []
    units = {
        "currency": report.alliance.program.currency,
        "volume_unit": volume_unit(report.alliance),
    }
    for indicator in indicators:
        cell = cells.get(indicator.pk)
        row = ValueRow(indicator, cell, indicator.unit_for(**units))
        if cell is not None:
            money = units["currency"] if indicator.is_money else ""
            row.figures = (_figure(cell.value, money), _figure(cell.women), _figure(cell.youth))
        if indicator.is_computed:
            row.note = COMPUTED_NOTES.get(indicator.source, "")
        elif values_form is not None:
            row.value = values_form.bound(indicator, "value")
            row.women = values_form.bound(indicator, "women")
            row.youth = values_form.bound(indicator, "youth")
        rows.append(row)
    plan = getattr(report.alliance, "plan", None)
    evidence_form = None
    if allowed["can_attach"]:
        evidence_form = forms.get("evidence") or ReportEvidenceForm()
        if values_form is not None:
            # One form with the values: attaching evidence keeps (and saves) what was typed.
            for field in evidence_form.fields.values():
                field.widget.attrs["form"] = VALUES_FORM_ID
    return {
        "report": report,
        "plan": plan,
        # An overdue report, read by the staff who chase it (not by its producer side):
        # when its daily reminder last went out, and whom to call.
        "chase": report.is_overdue and not allowed["can_enter"],
        "organization": report.alliance.producer_organization,
        "organization_readable": can_view_organization(
            request.user, report.alliance.producer_organization
        ),
        "tab": "indicators",
        "currency": report.alliance.program.currency,
        "rows": rows,
        "values_form": values_form,
        "evidence": list(report.evidence.select_related("uploaded_by").order_by("uploaded_at")),
        "evidence_form": evidence_form,
        "values_form_id": VALUES_FORM_ID,
        "accept_form": (forms.get("accept") or ReviewForm(prefix="accept"))
        if allowed["can_review"]
        else None,
        "return_form": (forms.get("return") or ReturnForm(prefix="return"))
        if allowed["can_review"]
        else None,
        "history": _history(report),
        **allowed,
    }


def _refused(request, refusal: ActionRefused, *forms) -> int:
    """Show a refusal: 404/403 for access, else errors on the forms (the first one for
    what belongs to no field) or messages. Returns the status of the page shown again."""
    if refusal.code == NOT_FOUND:
        raise Http404(" ".join(refusal.reasons))
    if refusal.code == FORBIDDEN:
        raise PermissionDenied(" ".join(refusal.reasons))
    forms = [f for f in forms if f is not None]
    if refusal.fields:
        for key, errors in refusal.fields.items():
            name = key if any(key in f.fields for f in forms) else error_field(key)
            form = next((f for f in forms if name in f.fields), None)
            for error in errors:
                if form is not None:
                    form.add_error(name, error)
                else:
                    forms[0].add_error(None, error)
    else:
        for reason in refusal.reasons:
            messages.error(request, reason)
    return 409 if refusal.code in (CONFLICT, WRONG_STATE) else 400


VALUES_FORM_ID = "report-values"
ENTERING = ("save", "submit", "evidence")


def _bind(request, report, action: str):
    if action == "evidence" and "narrative" not in request.POST:
        return None  # evidence alone, from a page without the values' form
    if action in ENTERING:
        return ReportValuesForm(
            request.POST,
            indicators=indicators_for(report.alliance),
            currency=report.alliance.program.currency,
        )
    if action == "accept":
        return ReviewForm(request.POST, prefix="accept")
    return ReturnForm(request.POST, prefix="return")


def _bind_evidence(request, report, action: str) -> ReportEvidenceForm | None:
    """The evidence sent with the values: asked for by "Attach evidence", else a file
    (or its title) chosen before "Save draft" or "Submit", which is attached too rather
    than dropped. None when there is none."""
    if action not in ENTERING:
        return None
    given = request.FILES.get("file") or request.POST.get("title", "").strip()
    if action != "evidence" and not given:
        return None
    return ReportEvidenceForm(request.POST, request.FILES)


def _perform(request, report, action: str, form, evidence) -> None:
    user = request.user
    if form is None:
        data = evidence.cleaned_data
        report_evidence_attach(report=report, by=user, title=data["title"], upload=data["file"])
        return
    data = form.cleaned_data
    if action in ENTERING:
        report_enter(
            report=report,
            by=user,
            values=form.entries(),
            narrative=data["narrative"],
            evidence=(evidence.cleaned_data["title"], evidence.cleaned_data["file"])
            if evidence is not None
            else None,
            submit=action == "submit",
        )
    elif action == "accept":
        services.report_accept(report=report, by=user, comment=data["comment"])
    else:
        services.report_return(report=report, by=user, comment=data["comment"])


def _done(request, action: str, form, evidence) -> None:
    if evidence is not None:
        messages.success(request, DONE["evidence"])
    if form is not None:
        messages.success(request, DONE["save" if action == "evidence" else action])


def _confirm_accept(request, report, form) -> HttpResponse:
    step = services.REPORT_STEPS["accept"]
    subject = _("Monitoring report for %(start)s – %(end)s") % {
        "start": format_date(report.period_start, long=True),
        "end": format_date(report.period_end, long=True),
    }
    return confirmation_page(
        request,
        confirm=step.confirm,
        back=reverse("monitoring:report", args=[report.pk]) + "#review",
        form=form,
        subject=f"{report.alliance.code} · {subject}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    if request.method == "GET":
        return render(request, "monitoring/report_detail.html", _context(request, report))
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404(_("Unknown action."))
    # Who may act at all is settled first (404/403), so that a form error is never
    # shown to someone who may not take the action.
    enforce(services.report_step_decision(request.user, report, action, state=False))
    form = _bind(request, report, action)
    evidence = _bind_evidence(request, report, action)
    status = 400
    valid = form is None or form.is_valid()
    if evidence is not None and not evidence.is_valid():
        valid = False
    if valid:
        step = services.REPORT_STEPS[action]
        try:
            if needs_confirmation(request, step.confirm):
                services.report_step_decision(request.user, report, action).raise_if_refused()
                return _confirm_accept(request, report, form)
            _perform(request, report, action, form, evidence)
        except ActionRefused as refusal:
            status = _refused(request, refusal, *(f for f in (form, evidence) if f is not None))
        else:
            _done(request, action, form, evidence)
            return redirect("monitoring:report", pk=report.pk)
    if evidence is not None and request.FILES.get("file") and not evidence.has_error("file"):
        # A browser never keeps a chosen file when the page comes back with an error.
        evidence.add_error(
            "file", _("Choose the file again: it is not kept when the page shows an error.")
        )
    report.refresh_from_db()
    forms = {"values": form, "evidence": evidence} if action in ENTERING else {action: form}
    forms = {key: bound for key, bound in forms.items() if bound is not None}
    return render(
        request,
        "monitoring/report_detail.html",
        _context(request, report, forms),
        status=status,
    )


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("reports/<int:pk>/", report_detail, name="report"),
]
