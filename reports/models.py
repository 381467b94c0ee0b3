"""Report jobs (§9): one row per report a user (or the schedule) asked for.

A job is created by `reports.services.report_request` and moved through its states by
the other functions of that module, called from the Celery task `generate_report`:
queued -> running -> succeeded | failed. Its file lives in the private media storage
under reports/ and is only ever served by the permission-checked download view.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    ALLIANCE_FACTSHEET_PDF = "alliance_factsheet_pdf", _("Alliance fact sheet (PDF)")
    COMMITTEE_DOSSIER_PDF = "committee_dossier_pdf", _("Committee dossier (PDF)")
    PORTFOLIO_XLSX = "portfolio_xlsx", _("Portfolio summary (XLSX)")
    PORTFOLIO_PDF = "portfolio_pdf", _("Portfolio summary with charts (PDF)")
    DISBURSEMENT_LEDGER_XLSX = "disbursement_ledger_xlsx", _("Disbursement ledger (XLSX)")
    DISBURSEMENT_LEDGER_CSV = "disbursement_ledger_csv", _("Disbursement ledger (CSV)")
    INDICATORS_XLSX = "indicators_xlsx", _("Indicator table (XLSX)")
    IATI_ACTIVITIES_XML = "iati_activities_xml", _("IATI activities (XML)")


class ReportJobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING))

    def stranded(self, now=None):
        """Jobs nobody is working on although they are not finished: a run that stopped
        beating (its worker died), or a job queued so long that its message may be lost
        (REPORT_STALE_SECONDS, REPORT_RESEND_QUEUED_SECONDS)."""
        now = now or timezone.now()
        stale = now - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
        forgotten = now - datetime.timedelta(seconds=settings.REPORT_RESEND_QUEUED_SECONDS)
        return self.filter(
            Q(status=ReportJob.Status.RUNNING, heartbeat_at__lt=stale)
            | Q(status=ReportJob.Status.QUEUED, heartbeat_at__lt=forgotten)
        )

    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now()).exclude(file="")


class ReportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40, choices=ReportKind.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs"
    )
    # What the report covers, in the requester's words ("Fact sheet · BJ-0001"), and the
    # name the downloaded file gets; both fixed when the job is requested.
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # In the private media storage (reports/storage.py), served by the download view only.
    file = models.FileField(_("file"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Set when a run starts; a run whose token is no longer the job's has been superseded
    # (the job was redelivered to another worker) and stops without touching the job.
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Scheduled jobs (the monthly funder report) carry a key so a schedule fires once.
    schedule_key = models.CharField(_("schedule"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The last sign of life: queued (or sent again), started, or a running run's
    # heartbeat (every REPORT_HEARTBEAT_SECONDS). A job whose sign is old is stranded.
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)
    notified_at = models.DateTimeField(_("requester notified at"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        indexes = [
            models.Index(fields=["requester", "-created_at"]),
            models.Index(fields=["expires_at"]),
            models.Index(
                fields=["status", "heartbeat_at"],
                condition=Q(status__in=("queued", "running")),
                name="report_unfinished_heartbeat",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="report_progress_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(progress=100),
                name="report_succeeded_is_complete",
            ),
            models.UniqueConstraint(
                fields=["requester", "kind", "schedule_key"],
                condition=~Q(schedule_key=""),
                name="report_schedule_once",
            ),
            # Identical requests while one is queued or running are one job, even when
            # they arrive at the same moment on different processes (§9).
            models.UniqueConstraint(
                fields=["requester", "kind", "parameters"],
                condition=Q(status__in=("queued", "running"), schedule_key=""),
                name="report_active_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.SUCCEEDED and not self.file

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.SUCCEEDED and bool(self.file)
