"""Report pages: my reports, one report, the request form, the status poll and the
download. Every one asks `reports.services`; a job the user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.policy import ActionRefused
from core import labels
from core.errors import NotFound
from core.formats import format_datetime

from . import services
from .forms import PortfolioReportForm, portfolio_kinds_for
from .generators import KINDS
from .models import ReportJob, ReportKind

PAGE_SIZE = 25
PARAMETER_NAMES = ("alliance", "plan", "program")


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The user's report jobs, newest first, by kind and status, searched by title."""
    jobs = services.reports_requested_by(request.user)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ReportKind.values else ""
    status = request.GET.get("status", "")
    status = status if status in ReportJob.Status.values else ""
    text = request.GET.get("q", "").strip()
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    if text:
        jobs = jobs.filter(title__icontains=text)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = services.report_files_checked(page.object_list)
    return render(
        request,
        "reports/list.html",
        {
            "page": page,
            "kind": kind,
            "status": status,
            "q": text,
            "kinds": ReportKind.choices,
            "statuses": labels.state_choices(ReportJob),
            "filtered": bool(kind or status or text),
            # The request form's link, for those with a report to ask for there.
            "can_ask": bool(portfolio_kinds_for(request.user)),
        },
    )


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """GET: the portfolio request form. POST: that form, or a report button elsewhere."""
    form = PortfolioReportForm(user=request.user)
    if request.method == "GET":
        return render(request, "reports/new.html", {"form": form})
    if not _safe_next(request):  # the portfolio form itself: its own field messages
        form = PortfolioReportForm(request.POST, user=request.user)
        if not form.is_valid():
            return render(request, "reports/new.html", {"form": form}, status=400)
    parameters = {
        name: request.POST[name].strip()
        for name in PARAMETER_NAMES
        if request.POST.get(name, "").strip()
    }
    try:
        job = services.report_request(
            kind=request.POST.get("kind", ""), parameters=parameters, by=request.user
        )
    except ActionRefused as refusal:
        back = _safe_next(request)
        if back:
            messages.error(request, refusal)
            return redirect(back)
        form = PortfolioReportForm(request.POST, user=request.user)
        form.is_valid()
        status = 404 if refusal.code == "not_found" else 400
        context = {"form": form, "refusal": refusal}
        return render(request, "reports/new.html", context, status=status)
    messages.success(
        request,
        _("Your report “%(title)s” is being prepared; it will be e-mailed to you when ready.")
        % {"title": job.title},
    )
    return redirect("reports:detail", pk=job.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = services.get_report_for_user(request.user, pk)
    return render(request, "reports/detail.html", {"job": job, "parameters": job.parameters})


def status_payload(job: ReportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": labels.state_label(job, job.status),
        "status_tone": labels.state_tone(job, job.status),  # the pill's `tone-*` class
        "progress": job.progress,
        "finished": job.is_finished,
        "download_url": services.report_download_url(job),
        "error": job.error,
        # As the page writes it (the user's language and time zone), for reports.js.
        "finished_at": (format_datetime(job.finished_at) if job.finished_at else None),
    }


@login_required
@require_GET
@never_cache
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls."""
    try:
        job = services.get_report_for_user(request.user, pk)
    except Http404:
        return JsonResponse({"detail": _("No such report.")}, status=404)
    return JsonResponse(status_payload(job))


def file_response(job: ReportJob) -> FileResponse:
    """The job's file as an attachment, or 404 when it has none (pages and API)."""
    if not job.is_downloadable:
        raise NotFound(_("This report has no file to download."))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("This report has no file to download.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type=KINDS[job.kind].content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    return file_response(services.get_report_file_for_user(request.user, pk))
