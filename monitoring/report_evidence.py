"""Evidence for a periodic monitoring report (§8): a document of the alliance's plan
(`PlanDocument.monitoring_report`), attached by the producer organization's side while
the report is due or returned. Once the report is submitted its evidence is frozen, as
a tranche's is once requested. Files are checked as every plan document is
(`plans.documents.upload_problem`: the bytes decide, not the name)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import (
    ALLOWED,
    CONFLICT,
    INVALID,
    WRONG_STATE,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
)
from plans.documents import upload_problem
from plans.models import PlanDocument

from .models import MonitoringReport
from .services import EDITABLE, PO_SIDE


def report_evidence_decision(by, report: MonitoringReport) -> Decision:
    """May `by` attach evidence to `report` now? The PO side, while due or returned."""
    decision = require_roles(by, report.alliance, PO_SIDE, _("attach evidence to the report"))
    if not decision:
        return decision
    if report.status not in EDITABLE:
        return refuse(
            WRONG_STATE,
            _("The report is at “%(status)s”: its evidence can no longer change.")
            % {"status": report.get_status_display()},
        )
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
        content_type, problem = upload_problem(upload)
        if problem:
            raise ActionRefused(problem, code=INVALID, fields={"file": [problem]})
        plan = locked.alliance.plan
        document = PlanDocument(
            plan=plan,
            version=plan.current_version,
            monitoring_report=locked,
            kind=PlanDocument.Kind.MONITORING,
            title=((title or "").strip() or upload.name)[:200],
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        document.file.save("upload", upload, save=False)
        document.save()
    return document
