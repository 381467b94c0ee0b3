"""Demo report jobs: one finished report of each available kind, for the demo users.

Called at the end of `demo.data.load`, once the demo is committed. Jobs are requested
through `reports.services.report_request`, like a user would, then generated right
away in this process, so that the demo shows ready reports whether or not a Celery
worker runs (a worker that receives the queued message finds the job done and skips it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from accounts.models import User
from plans.models import BusinessPlan, PlanStatus
from reports.models import ReportJob, ReportKind
from reports.services import report_generate, report_request


def create_demo_reports(*, log: Callable[[str], None] = lambda message: None) -> list[ReportJob]:
    if ReportJob.objects.filter(requester__username__in=["producer", "officer"]).exists():
        return []
    users = {u.username: u for u in User.objects.filter(username__in=_USERNAMES)}
    producer = users["producer"]
    active = (
        BusinessPlan.objects.filter(
            status=PlanStatus.ACTIVE,
            alliance__producer_organization__memberships__user=producer,
        )
        .select_related("alliance")
        .order_by("alliance__code")
        .first()
    )
    at_committee = (
        BusinessPlan.objects.filter(status=PlanStatus.COMMITTEE).order_by("alliance__code").first()
    )
    program_id = active.alliance.program_id
    wanted = [
        (ReportKind.ALLIANCE_FACTSHEET_PDF, {"alliance": active.alliance_id}, "producer"),
        (ReportKind.COMMITTEE_DOSSIER_PDF, {"plan": at_committee.pk}, "committee"),
        (ReportKind.PORTFOLIO_XLSX, {}, "funder"),
        (ReportKind.PORTFOLIO_PDF, {}, "officer"),
        (ReportKind.DISBURSEMENT_LEDGER_XLSX, {"program": program_id}, "finance"),
        (ReportKind.DISBURSEMENT_LEDGER_CSV, {}, "finance"),
    ]
    jobs = []
    # Generated inside the transaction: the task queued on commit then finds them done.
    with transaction.atomic():
        for kind, parameters, username in wanted:
            user = users[username]
            job = report_request(
                kind=kind,
                parameters=parameters,
                by=user,
                language=user.preferred_language or "en",
            )
            report_generate(job.pk, notify=False)  # no e-mail for the demo's own reports
            job.refresh_from_db()
            log(f"  report {job.title}: {job.get_status_display()}")
            jobs.append(job)
    return jobs


_USERNAMES = ["producer", "committee", "funder", "officer", "finance"]
