"""Evidence for a periodic monitoring report (§8): a document of the alliance's plan
(`PlanDocument.monitoring_report`), attached by the producer organization's side while
the report is due or returned. Once the report is submitted its evidence is frozen, as
a tranche's is once requested. Files are checked as every plan document is
(`plans.documents.document_store`: the bytes decide, not the name)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import (
    ALLOWED,
    CONFLICT,
    Decision,
    refuse,
)
from plans.documents import document_store
from plans.models import PlanDocument

from .models import MonitoringReport
from .services import report_step_decision, report_submit, report_values_save


def report_evidence_decision(by, report: MonitoringReport) -> Decision:
    """May `by` attach evidence to `report` now? The PO side, while due or returned."""
    decision = report_step_decision(by, report, "evidence")
    if not decision:
        return decision
    if getattr(report.alliance, "plan", None) is None:
        return refuse(CONFLICT, _("The alliance has no business plan to keep documents in."))
    return ALLOWED


def report_evidence_attach(
    *, report: MonitoringReport, by, title: str, upload: UploadedFile
) -> PlanDocument:
    """Store `upload` as evidence of `report` (a document of the alliance's plan)."""
    with transaction.atomic():
        locked = (
            MonitoringReport.objects.select_for_update(of=("self",))
            .select_related("alliance__plan")
            .get(pk=report.pk)
        )
        report_evidence_decision(by, locked).raise_if_refused()
        return document_store(
            plan=locked.alliance.plan,
            by=by,
            kind=PlanDocument.Kind.MONITORING,
            title=title,
            upload=upload,
            monitoring_report=locked,
        )


def report_enter(
    *,
    report: MonitoringReport,
    by,
    values: dict,
    narrative: str | None,
    evidence: tuple[str, UploadedFile] | None = None,
    submit: bool = False,
) -> MonitoringReport:
    """What the PO side sends from the report's page, all or nothing: the values and
    narrative typed (a draft), the evidence chosen (`(title, upload)`, attached before a
    submission freezes it) and, with `submit`, the submission. Attaching evidence never
    loses the values typed beside it."""
    document = None
    with transaction.atomic():
        report_values_save(report=report, by=by, values=values, narrative=narrative)
        try:
            if evidence is not None:
                title, upload = evidence
                document = report_evidence_attach(report=report, by=by, title=title, upload=upload)
            if submit:
                report_submit(report=report, by=by)
        except Exception:
            # The stored file goes with the row the rollback removes.
            if document is not None:
                document.file.delete(save=False)
            raise
    report.refresh_from_db()
    return report
