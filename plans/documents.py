"""Plan documents: uploads checked by size and by type read from the content.

The name and the browser's declared type are never trusted: the first bytes decide
(PDF, PNG, JPEG, XLSX, CSV; `core.uploads`), and the file is stored under a generated
name with the detected type's extension. Files are stored under the private media root
and are served only through a view that asks the policy.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import (
    FORBIDDEN,
    INVALID,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
    roles_for_alliance,
)
from core.uploads import UploadRefused, content_type_of

from .models import BusinessPlan, PlanDocument, PlanStatus

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
UPLOADERS = frozenset({Role.PRODUCER, Role.TA_PROVIDER, Role.PROGRAMME_OFFICER})


def upload_problem(upload: UploadedFile) -> tuple[str | None, str | None]:
    """(content type, None) for an acceptable file, else (None, message)."""
    if upload.size > MAX_DOCUMENT_BYTES:
        return None, _("The file is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": round(upload.size / 1024 / 1024, 1),
            "limit": MAX_DOCUMENT_BYTES // 1024 // 1024,
        }
    if upload.size == 0:
        return None, _("The file is empty.")
    upload.seek(0)
    whole = upload.read()
    upload.seek(0)
    try:
        return content_type_of(whole), None
    except UploadRefused as refusal:
        return None, refusal.message


def can_upload(user, plan: BusinessPlan) -> bool:
    held = roles_for_alliance(user, plan.alliance)
    if Role.PROGRAMME_OFFICER in held:
        return True
    return bool(held & {Role.PRODUCER, Role.TA_PROVIDER}) and plan.status in (
        PlanStatus.DRAFT,
        PlanStatus.REVISION_REQUESTED,
    )


def document_upload_decision(by, plan: BusinessPlan) -> Decision:
    """May `by` add a document to `plan` now? Readers (a buyer, an appraiser, a funder...)
    never do; the PO side while the plan is a draft or returned; officers always."""
    decision = require_roles(by, plan.alliance, UPLOADERS, _("add documents to this plan"))
    if decision and not can_upload(by, plan):
        return refuse(
            FORBIDDEN,
            _("Documents can be added while the plan is a draft or returned for revision."),
        )
    return decision


# Who may attach evidence to a tranche or a contribution, and when, is funding's rule
# (an app above): it registers it here when it is ready (`register_evidence_rule`).
_EVIDENCE_RULE = None


def register_evidence_rule(rule) -> None:
    """`rule(by, plan, *, tranche, contribution) -> Decision`."""
    global _EVIDENCE_RULE
    _EVIDENCE_RULE = rule


def document_upload(
    *,
    plan: BusinessPlan,
    by,
    kind: str,
    title: str,
    upload: UploadedFile,
    tranche=None,
    contribution=None,
) -> PlanDocument:
    """Add a document to the plan; with `tranche` or `contribution`, evidence for it (the
    rule funding registers decides who may attach it and when)."""
    if tranche is not None or contribution is not None:
        if _EVIDENCE_RULE is None:
            raise ActionRefused(_("Evidence cannot be attached here."), code=FORBIDDEN)
        _EVIDENCE_RULE(by, plan, tranche=tranche, contribution=contribution).raise_if_refused()
        kind = PlanDocument.Kind.EVIDENCE
    else:
        document_upload_decision(by, plan).raise_if_refused()
    if kind not in PlanDocument.Kind.values:
        message = _("Choose a kind.")
        raise ActionRefused(message, code=INVALID, fields={"kind": [message]})
    return document_store(
        plan=plan,
        by=by,
        kind=kind,
        title=title,
        upload=upload,
        tranche=tranche,
        contribution=contribution,
    )


def document_store(*, plan: BusinessPlan, by, kind: str, title: str, upload, **links):
    """Check the file by its content and store it as a document of `plan`, linked to what
    `links` names (a tranche, a contribution, a monitoring report). Callers decide who may."""
    content_type, problem = upload_problem(upload)
    if problem:
        raise ActionRefused(problem, code=INVALID, fields={"file": [problem]})
    with transaction.atomic():
        document = PlanDocument(
            plan=plan,
            version=plan.current_version,
            kind=kind,
            title=((title or "").strip() or upload.name)[:200],
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
            **links,
        )
        # The stored name is generated from the detected type (`document_path`).
        document.file.save("upload", upload, save=False)
        document.save()
    return document
