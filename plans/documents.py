"""Plan documents: uploads checked by size and by type read from the content.

The name and the browser's declared type are never trusted: the first bytes decide
(PDF, PNG, JPEG, XLSX, CSV). Files are stored under the private media root and are
served only through a view that asks the policy.
"""

from __future__ import annotations

import io
import zipfile

import puremagic
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import FORBIDDEN, INVALID, ActionRefused, require_roles, roles_for_alliance

from .models import BusinessPlan, PlanDocument, PlanStatus

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "text/csv": "CSV",
}
UPLOADERS = frozenset({Role.PRODUCER, Role.TA_PROVIDER, Role.PROGRAMME_OFFICER})


def sniff_content_type(head: bytes, whole: bytes | None = None) -> str | None:
    """The content type read from the bytes, or None when it is not one we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            names = set(zipfile.ZipFile(io.BytesIO(whole)).namelist())
        except zipfile.BadZipFile:
            return None
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return None
    try:
        guesses = puremagic.magic_string(head) if head else []
    except puremagic.PureError:
        guesses = []
    if guesses:
        return None  # a known binary format that we do not accept (executables, archives)
    sample = whole if whole is not None else head
    if b"\x00" in sample:
        return None
    for encoding in ("utf-8", "latin-1"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        first_line = text.splitlines()[0] if text.strip() else ""
        if any(sep in first_line for sep in (",", ";", "\t")):
            return "text/csv"
    return None


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
    content_type = sniff_content_type(whole[:2048], whole)
    if content_type is None:
        return None, _(
            "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
            "whatever its name says."
        )
    return content_type, None


def can_upload(user, plan: BusinessPlan) -> bool:
    held = roles_for_alliance(user, plan.alliance)
    if Role.PROGRAMME_OFFICER in held:
        return True
    return bool(held & {Role.PRODUCER, Role.TA_PROVIDER}) and plan.status in (
        PlanStatus.DRAFT,
        PlanStatus.REVISION_REQUESTED,
    )


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
    funding rules decide who may attach it and when)."""
    if tranche is not None or contribution is not None:
        from funding.services import evidence_attach_decision

        evidence_attach_decision(
            by, plan, tranche=tranche, contribution=contribution
        ).raise_if_refused()
        kind = PlanDocument.Kind.EVIDENCE
    else:
        require_roles(
            by, plan.alliance, UPLOADERS, _("add documents to this plan")
        ).raise_if_refused()
        if not can_upload(by, plan):
            raise ActionRefused(
                _("Documents can be added while the plan is a draft or returned for revision."),
                code=FORBIDDEN,
            )
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
        document.file.save("upload", upload, save=False)
        document.save()
    return document
