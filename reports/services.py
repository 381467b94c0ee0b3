"""Report jobs, one function per action (§9).

`report_request` is the one door through which pages, the API and the schedule ask for
a report: it checks the kind, the parameters and that the requester may see what the
report covers, creates the job and queues its task once the transaction commits. The
task calls `report_generate`, which moves the job queued -> running -> succeeded |
failed through the functions below; a run that lost its job to a newer run (the
message was redelivered after a worker died) stops without touching it.

Who may see a job and download its file: the requester, and anyone who may see all the
data the report covers (checked against the current data when they ask).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import time
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.policy import (
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    PORTFOLIO,
    ActionRefused,
    alliances_visible_to,
    can_view_portfolio,
    plans_visible_to,
    programs_visible_to,
    reads_part_anywhere,
    report_jobs_visible_to,
)
from core.outbox import task_named

from . import storage
from .generators import AVAILABLE_KINDS, KINDS, KindSpec
from .generators.base import Context, Progress, Superseded
from .models import ReportJob, ReportKind

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # primary keys are 64-bit
# Errors worth retrying: the database or the broker was briefly unreachable.
TRANSIENT_ERRORS = (OperationalError, ConnectionError)
STUCK_AFTER = datetime.timedelta(days=1)


# --- what a user may see ---------------------------------------------------------------


def can_access_report(user, job: ReportJob) -> bool:
    """A job belongs to its requester: nobody else sees or downloads it (§9); a
    colleague asks for their own, checked against their own scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.pk == job.requester_id


def reports_requested_by(user) -> QuerySet:
    """The user's own report jobs, newest first ("my reports")."""
    return report_jobs_visible_to(user).order_by("-created_at", "-id")


def get_report_for_user(user, pk) -> ReportJob:
    """The job `pk` if the user may see it; otherwise 404 (never reveal it exists)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("No such report.")) from None
    in_range = 1 <= pk <= MAX_ID
    job = ReportJob.objects.select_related("requester").filter(pk=pk).first() if in_range else None
    if job is None or not can_access_report(user, job):
        raise Http404(_("No such report."))
    return report_file_checked(job)


def get_report_file_for_user(user, pk) -> ReportJob:
    """The job to download: the requester's, and only while they may still read what it
    covers (a requester who lost the role meanwhile gets a 404, as for any job)."""
    job = get_report_for_user(user, pk)
    try:
        report_scope(job.kind, job.parameters, user)
    except ActionRefused:
        raise Http404(_("No such report.")) from None
    return job


def report_download_url(job: ReportJob) -> str | None:
    return reverse("reports:download", args=[job.pk]) if job.is_downloadable else None


# --- requesting a report ---------------------------------------------------------------


def _clean_parameters(spec: KindSpec, parameters) -> dict[str, int]:
    if parameters in (None, ""):
        parameters = {}
    if not isinstance(parameters, dict):
        msg = _('Parameters must be an object, such as {"program": 3}.')
        raise ActionRefused(msg, code=INVALID, fields={"parameters": [msg]})
    names = ", ".join(f"“{name}”" for name in spec.accepts) or _("none")
    unknown = sorted(set(parameters) - set(spec.accepts))
    if unknown:
        msg = _("This report does not take %(unknown)s; it takes: %(names)s.") % {
            "unknown": ", ".join(f"“{name}”" for name in unknown),
            "names": names,
        }
        raise ActionRefused(msg, code=INVALID, fields={"parameters": [msg]})
    if len(parameters) > 1:
        msg = _("Give only one of %(names)s.") % {"names": names}
        raise ActionRefused(msg, code=INVALID, fields={"parameters": [msg]})
    if spec.required and not parameters:
        name = spec.accepts[0]
        msg = _("This report needs “%(name)s”: the id of the object it is about.") % {"name": name}
        raise ActionRefused(msg, code=INVALID, fields={name: [msg]})
    cleaned = {}
    for name, value in parameters.items():
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or not 1 <= value <= MAX_ID:
            msg = _("Give the id of the object, a whole number.")
            raise ActionRefused(msg, code=INVALID, fields={name: [msg]})
        cleaned[name] = value
    return cleaned


def _describe(kind: str, params: dict[str, int], user) -> tuple[str, str]:
    """Check that `user` may see what the report covers; return its title and file name."""
    today = timezone.localdate().isoformat()
    spec = KINDS[kind]
    if spec.reads == PORTFOLIO and not can_view_portfolio(user):
        raise ActionRefused(
            _("Portfolio reports are for ministry staff and the programmes' funders."),
            code=FORBIDDEN,
        )
    if "alliance" in params:
        alliances = alliances_visible_to(user, reads=spec.reads)
        alliance = alliances.filter(pk=params["alliance"]).first()
        if alliance is None:
            raise ActionRefused(
                _("There is no alliance with this id that you can see."),
                code=NOT_FOUND,
                fields={"alliance": [_("No such alliance.")]},
            )
        subject, slug = alliance.code, alliance.code
    elif "plan" in params:
        plan = (
            plans_visible_to(user, reads=spec.reads)
            .select_related("alliance")
            .filter(pk=params["plan"])
            .first()
        )
        if plan is None:
            raise ActionRefused(
                _("There is no business plan with this id that you can see."),
                code=NOT_FOUND,
                fields={"plan": [_("No such business plan.")]},
            )
        number = plan.versions.order_by("-number").values_list("number", flat=True).first()
        subject = _("%(code)s, version %(number)s") % {"code": plan.alliance.code, "number": number}
        slug = f"{plan.alliance.code}-v{number}"
    elif "program" in params:
        program = programs_visible_to(user).filter(pk=params["program"]).first()
        if program is None:
            raise ActionRefused(
                _("There is no programme with this id that you can see."),
                code=NOT_FOUND,
                fields={"program": [_("No such programme.")]},
            )
        subject, slug = program.code, program.code
    else:
        subject, slug = _("all the alliances you can see"), "all"
    if not reads_part_anywhere(user, spec.reads):
        raise ActionRefused(
            _("This report shows data of alliances that you may not read."),
            code=FORBIDDEN,
        )
    label = {
        ReportKind.ALLIANCE_FACTSHEET_PDF: _("Fact sheet"),
        ReportKind.COMMITTEE_DOSSIER_PDF: _("Committee dossier"),
        ReportKind.PORTFOLIO_XLSX: _("Portfolio summary (XLSX)"),
        ReportKind.PORTFOLIO_PDF: _("Portfolio summary (PDF)"),
        ReportKind.DISBURSEMENT_LEDGER_XLSX: _("Disbursement ledger (XLSX)"),
        ReportKind.DISBURSEMENT_LEDGER_CSV: _("Disbursement ledger (CSV)"),
        ReportKind.INDICATORS_XLSX: _("Indicator table (XLSX)"),
        ReportKind.IATI_ACTIVITIES_XML: _("IATI activities (XML)"),
    }[kind]
    stem = kind.rsplit("_", 1)[0].replace("_", "-")
    filename = f"{stem}-{slugify(slug) or 'report'}-{today}.{spec.extension}"
    return f"{label} · {subject}"[:200], filename[:200]


def report_scope(kind: str, parameters, user) -> tuple[dict[str, int], str, str]:
    """The one door for what a report may cover: its parameters cleaned, checked against
    what `user` may read now; returns them with the report's title and file name, or
    raises `ActionRefused` (invalid, not found, forbidden). Requests, downloads, buttons
    and the IATI endpoint all ask it."""
    params = _clean_parameters(KINDS[kind], parameters)
    title, filename = _describe(kind, params, user)
    return params, title, filename


def can_request_report(user, kind: str, parameters: dict) -> bool:
    """Would `report_request` accept this from `user`? (Which report buttons to show.)"""
    spec = KINDS.get(kind)
    if spec is None or not spec.available or user is None or not user.is_authenticated:
        return False
    try:
        report_scope(kind, parameters, user)
    except ActionRefused:
        return False
    return True


def report_request(
    *, kind, parameters, by, schedule_key: str = "", language: str | None = None
) -> ReportJob:
    """Queue a report for `by`. Refusals: invalid (bad kind or parameters), not_found."""
    if by is None or not by.is_authenticated or not by.is_active:
        raise ActionRefused(_("Sign in to ask for a report."), code=FORBIDDEN)
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        msg = _("Unknown report kind. Choose one of: %(kinds)s.") % {
            "kinds": ", ".join(AVAILABLE_KINDS)
        }
        raise ActionRefused(msg, code=INVALID, fields={"kind": [msg]})
    if not spec.available:
        msg = str(spec.unavailable_reason)
        raise ActionRefused(msg, code=INVALID, fields={"kind": [msg]})
    params = _clean_parameters(spec, parameters)
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:8]
    with translation.override(language):
        title, filename = _describe(kind, params, by)
    active = ReportJob.objects.active().filter(requester=by, kind=kind, parameters=params)
    if schedule_key:
        active = ReportJob.objects.filter(requester=by, kind=kind, schedule_key=schedule_key)
    existing = active.first()
    if existing is not None and not schedule_key and _fail_if_stranded(existing):
        existing = None  # its run died or its message was lost: a new job instead
    if existing is not None:
        return existing  # a double click, or the schedule firing twice: one job
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                kind=kind,
                parameters=params,
                requester=by,
                title=title,
                filename=filename,
                language=language,
                schedule_key=schedule_key,
            )
            transaction.on_commit(lambda: enqueue(job.pk))
    except IntegrityError:  # the same request (or schedule) arrived twice at once
        existing = active.first()
        if existing is None:
            raise
        return existing
    return job


def enqueue(job_id: int) -> None:
    """Send the job to a worker (or, in the embedded default, run it now). The task is
    named, not imported: its module imports this one."""
    try:
        task_named("reports.tasks.generate_report").delay(job_id)
    except Exception:  # the broker is down, or an eager run broke: never fail the request
        logger.exception("report job %s could not be queued", job_id)
        ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            error=_(
                "The report could not be queued: the task queue is unavailable. Try again later."
            ),
        )


def _fail_if_stranded(job: ReportJob) -> bool:
    """Fail `job` if nobody is working on it (see `ReportJobQuerySet.stranded`), so that
    asking again makes a new job; True if it was failed."""
    with translation.override(job.language):
        message = _("The report was interrupted and did not finish. Ask for it again.")
    failed = (
        ReportJob.objects.stranded()
        .filter(pk=job.pk)
        .update(
            status=ReportJob.Status.FAILED,
            error=message,
            finished_at=timezone.now(),
            run_token="",
        )
    )
    if failed:
        logger.warning("report job %s: stranded, failed when asked for again", job.pk)
        storage.remove_parts(job.pk)
    return bool(failed)


# --- running a job (called by the task) ------------------------------------------------


def report_start(job_id: int) -> tuple[ReportJob, str] | None:
    """Take the job for this run; None when there is nothing to do (done, or gone). A
    job left running by an earlier run is taken over: that run stops at its next
    progress step (the message was delivered again because its worker died)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        token = uuid.uuid4().hex
        now = timezone.now()
        job.status = ReportJob.Status.RUNNING
        job.run_token = token
        job.progress = 0
        job.attempts += 1
        job.error = ""
        job.started_at = now
        job.heartbeat_at = now
        job.save(
            update_fields=[
                "status",
                "run_token",
                "progress",
                "attempts",
                "error",
                "started_at",
                "heartbeat_at",
            ]
        )
    return job, token


def report_progress(job_id: int, token: str, percent: int) -> None:
    updated = ReportJob.objects.filter(
        pk=job_id, run_token=token, status=ReportJob.Status.RUNNING
    ).update(progress=max(0, min(percent, 99)), heartbeat_at=timezone.now())
    if not updated:
        raise Superseded


class Heartbeat:
    """While a run works, a thread says so every REPORT_HEARTBEAT_SECONDS (a long query
    or a long page of a PDF moves no progress), so that only a dead run looks stranded.
    The thread has its own database connection, closed when it stops."""

    def __init__(self, job_id: int, token: str):
        self.job_id, self.token = job_id, token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"report-{job_id}", daemon=True)

    def _beat(self) -> None:
        interval = settings.REPORT_HEARTBEAT_SECONDS
        try:
            while not self._stop.wait(interval):
                try:
                    ReportJob.objects.filter(
                        pk=self.job_id, run_token=self.token, status=ReportJob.Status.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except TRANSIENT_ERRORS as exc:  # the next beat tries again
                    logger.warning("report job %s: heartbeat not recorded: %s", self.job_id, exc)
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=10)


def report_succeed(job_id: int, token: str, part: Path) -> ReportJob:
    """Move the finished file onto the job's final name and mark the job ready."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=job_id)
        if job.run_token != token or job.status != ReportJob.Status.RUNNING:
            raise Superseded
        name = storage.final_name(job.pk, job.filename, token)
        storage.publish(part, name)
        now = timezone.now()
        job.file.name = name
        job.status = ReportJob.Status.SUCCEEDED
        job.progress = 100
        job.finished_at = now
        job.expires_at = now + datetime.timedelta(days=settings.REPORT_RETENTION_DAYS)
        job.save(update_fields=["file", "status", "progress", "finished_at", "expires_at"])
    return job


def report_fail(job_id: int, token: str, message: str) -> None:
    ReportJob.objects.filter(pk=job_id, run_token=token).exclude(
        status=ReportJob.Status.SUCCEEDED
    ).update(status=ReportJob.Status.FAILED, error=message, finished_at=timezone.now())


def report_generate(
    job_id: int, *, last_attempt: bool = True, notify: bool = True, in_worker: bool = False
) -> str:
    """Write the job's file. Safe to run twice: a finished job is left as it is, and a
    rerun replaces the file of an interrupted run. Returns what happened.

    `in_worker`: the run has a worker process to itself, and may send that process's
    temporary files to a folder of the run (`storage.run_temp_files`)."""
    started = report_start(job_id)
    if started is None:
        return "skipped"
    job, token = started
    logger.info("report job %s: %s started (run %s)", job.pk, job.kind, token[:8])
    began = time.monotonic()
    part = storage.part_path(job.pk, token)
    storage.remove_parts(job.pk, keep=part)  # left behind by a killed run
    outcome = "succeeded"
    try:
        with (
            Heartbeat(job.pk, token),
            storage.run_temp_files(job.pk, token, isolate=in_worker),
            translation.override(job.language),
        ):
            spec = KINDS[job.kind]
            if not spec.available:
                raise ActionRefused(str(spec.unavailable_reason), code=INVALID)
            params = _clean_parameters(spec, job.parameters)
            _describe(job.kind, params, job.requester)  # may the requester still see it?
            progress = Progress(lambda percent: report_progress(job.pk, token, percent))
            ctx = Context(job, job.requester, progress, job.language, params)
            spec.generate(ctx, part)
        report_succeed(job.pk, token, part)
    except Superseded:
        return "superseded"
    except ActionRefused as exc:
        outcome = "failed"
        with translation.override(job.language):
            report_fail(job.pk, token, _("The report was not made: %(why)s") % {"why": exc})
    except SoftTimeLimitExceeded:
        outcome = "failed"
        with translation.override(job.language):
            message = _(
                "The report took longer than the time limit and was stopped. Ask for a "
                "smaller one (a single programme), or try again later."
            )
        report_fail(job.pk, token, message)
    except TRANSIENT_ERRORS as exc:
        if not last_attempt:
            _queue_again_quietly(job.pk, token)
            raise  # the task retries with backoff
        outcome = "failed"
        logger.warning("report job %s: giving up after transient errors: %s", job.pk, exc)
        with translation.override(job.language):
            message = _(
                "The database or the task queue could not be reached, even after several "
                "attempts (%(error)s). Try again later."
            ) % {"error": type(exc).__name__}
        _fail_quietly(job.pk, token, message)
    except Exception as exc:
        outcome = "failed"
        logger.exception("report job %s failed", job.pk)
        with translation.override(job.language):
            message = _(
                "The report could not be written because of an unexpected error "
                "(%(error)s). The administrators can see it in the logs; try again later."
            ) % {"error": f"{type(exc).__name__}: {exc}"[:300]}
        report_fail(job.pk, token, message)
    finally:
        part.unlink(missing_ok=True)  # moved away on success; a leftover otherwise
    logger.info("report job %s: %s in %.1f s", job.pk, outcome, time.monotonic() - began)
    if notify:
        report_notify(job.pk)
    return outcome


def _queue_again_quietly(job_id: int, token: str) -> None:
    """Put a run that met a transient error back in the queue while its task waits to
    retry (if the database answers; if not, the recovery sweep will)."""
    with contextlib.suppress(*TRANSIENT_ERRORS):
        ReportJob.objects.filter(
            pk=job_id, run_token=token, status=ReportJob.Status.RUNNING
        ).update(status=ReportJob.Status.QUEUED, progress=0, heartbeat_at=timezone.now())


def _fail_quietly(job_id: int, token: str, message: str) -> None:
    try:
        report_fail(job_id, token, message)
    except TRANSIENT_ERRORS:
        logger.exception("report job %s: could not record the failure", job_id)


def report_notify(job_id: int) -> bool:
    """E-mail the requester that the job is finished, once (a rerun sends nothing)."""
    claimed = (
        ReportJob.objects.filter(pk=job_id, notified_at__isnull=True)
        .filter(status__in=(ReportJob.Status.SUCCEEDED, ReportJob.Status.FAILED))
        .update(notified_at=timezone.now())
    )
    if not claimed:
        return False
    job = ReportJob.objects.select_related("requester").get(pk=job_id)
    user = job.requester
    if not user.email or not user.email_notifications or not user.is_active:
        return False
    with translation.override(job.language):
        context = {
            "job": job,
            "user": user,
            "link": settings.SITE_URL.rstrip("/") + reverse("reports:detail", args=[job.pk]),
        }
        if job.status == ReportJob.Status.SUCCEEDED:
            subject = _("Your report is ready: %(title)s") % {"title": job.title}
        else:
            subject = _("Your report could not be made: %(title)s") % {"title": job.title}
        body = render_to_string("reports/email_finished.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # e-mail is a courtesy: the job and its page are what count
        logger.exception("report job %s: the e-mail could not be sent", job_id)
        return False
    return True


# --- schedules -------------------------------------------------------------------------


def funder_reports_request(*, today: datetime.date | None = None) -> list[ReportJob]:
    """The monthly portfolio report for each funder's users (each sees what they fund)."""
    today = today or timezone.localdate()
    key = f"monthly-{today:%Y-%m}"
    users = User.objects.filter(is_active=True, memberships__role=Role.FUNDER).distinct()
    jobs = []
    for user in users.order_by("pk"):
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            jobs.append(
                report_request(
                    kind=ReportKind.PORTFOLIO_XLSX,
                    parameters={},
                    by=user,
                    schedule_key=key,
                    language=language,
                )
            )
    return jobs


def reports_cleanup(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete expired files; fail jobs stuck for a day (their message was lost)."""
    now = now or timezone.now()
    expired = 0
    for job in ReportJob.objects.expired(now).only("pk", "file").iterator(chunk_size=500):
        storage.delete(job.file.name)
        storage.remove_parts(job.pk)
        ReportJob.objects.filter(pk=job.pk).update(file="")
        expired += 1
    stuck = ReportJob.objects.active().filter(created_at__lt=now - STUCK_AFTER)
    stuck = stuck.filter(Q(started_at__isnull=True) | Q(started_at__lt=now - STUCK_AFTER))
    stuck_count = 0
    for job in stuck.only("pk", "language").iterator(chunk_size=500):
        with translation.override(job.language):
            message = _("The report was interrupted and did not finish. Ask for it again.")
        stuck_count += (
            ReportJob.objects.filter(pk=job.pk)
            .active()
            .update(status=ReportJob.Status.FAILED, error=message, finished_at=now, run_token="")
        )
        storage.remove_parts(job.pk)
    return {"expired": expired, "stuck": stuck_count}


def reports_recover(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Jobs nobody is working on (`ReportJobQuerySet.stranded`), found every
    REPORT_RECOVERY_SECONDS and when a worker starts: a run that stopped beating is
    queued again (or failed, re-requestable, after REPORT_MAX_RUNS runs); a job queued
    too long without starting is sent to the queue again. Safe to run on several
    processes at once: each job is taken by one."""
    now = now or timezone.now()
    counts = {"requeued": 0, "resent": 0, "failed": 0}
    ids = list(ReportJob.objects.stranded(now).values_list("pk", flat=True)[:500])
    for job_id in ids:
        with transaction.atomic():
            job = (
                ReportJob.objects.stranded(now)
                .select_for_update(skip_locked=True)
                .filter(pk=job_id)
                .first()
            )
            if job is None:
                continue  # finished meanwhile, or another sweep has it
            # What the dead run left goes while the job is still locked, before it is
            # queued again: removed after the commit, it could be the files of the next
            # run, which a worker may start as soon as the message is sent.
            storage.remove_parts(job.pk)
            if job.status == ReportJob.Status.QUEUED:
                job.heartbeat_at = now
                job.save(update_fields=["heartbeat_at"])
                counts["resent"] += 1
                logger.warning(
                    "report job %s: queued too long without starting, sent again", job.pk
                )
            elif job.attempts >= settings.REPORT_MAX_RUNS:
                with translation.override(job.language):
                    job.error = _(
                        "The report was interrupted %(count)s times and did not finish. Ask "
                        "for it again, or for a smaller one (a single programme)."
                    ) % {"count": job.attempts}
                job.status = ReportJob.Status.FAILED
                job.finished_at = now
                job.run_token = ""
                job.save(update_fields=["status", "error", "finished_at", "run_token"])
                counts["failed"] += 1
                logger.warning(
                    "report job %s: run %s stopped answering; failed after %s runs",
                    job.pk,
                    job.attempts,
                    job.attempts,
                )
                transaction.on_commit(lambda pk=job.pk: report_notify(pk))
                continue
            else:
                job.status = ReportJob.Status.QUEUED
                job.progress = 0
                job.run_token = ""
                job.heartbeat_at = now
                job.save(update_fields=["status", "progress", "run_token", "heartbeat_at"])
                counts["requeued"] += 1
                logger.warning(
                    "report job %s: run %s stopped answering (its worker died); queued again",
                    job.pk,
                    job.attempts,
                )
            transaction.on_commit(lambda pk=job.pk: enqueue(pk))
    return counts


# --- files -----------------------------------------------------------------------------


def report_file_checked(job: ReportJob) -> ReportJob:
    """A job shown as ready must have its file. One whose file has gone (removed from the
    server, a restore without the media) becomes failed, so that it is never offered
    for download and can be asked for again."""
    if job.status != ReportJob.Status.SUCCEEDED or not job.file.name:
        return job
    if storage.exists(job.file.name):
        return job
    with translation.override(job.language):
        message = _("The file of this report is no longer on the server. Ask for it again.")
    ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.SUCCEEDED).update(
        status=ReportJob.Status.FAILED, error=message, file=""
    )
    logger.warning("report job %s: its file %s is missing; marked failed", job.pk, job.file.name)
    job.refresh_from_db()
    return job


def report_files_checked(jobs) -> list[ReportJob]:
    """A list page's jobs, their files checked while that costs a disk lookup each. With
    a bucket it would cost a request per row: there the job's own page, its status and
    its download check (one request each), and a list may offer a link that ends in a
    404 that says so."""
    if not storage.is_local():
        return list(jobs)
    return [report_file_checked(job) for job in jobs]
