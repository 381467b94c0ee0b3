"""Real objects for the routes of issue 19 (documents, contributions, baselines and
targets, revolving funds, notifications), and the persona who acts on each, for the
property-based walk of tests/api/test_schemathesis.py."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from funding.services import contribution_record
from monitoring.services import revolving_fund_record, targets_save
from plans.documents import document_upload
from plans.models import PlanStatus
from tests.factories import EVIDENCE_PDF


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")


def parity_objects(world, plans) -> dict:
    """A document of the draft plan, a recorded contribution of the active one, its
    baselines and targets, a repayment into organization A's fund, and a notification for
    each persona that acts there."""
    draft, active = plans[PlanStatus.DRAFT], plans[PlanStatus.ACTIVE]
    document = document_upload(
        plan=draft, by=world.producer, kind="quotation", title="Quote", upload=_pdf("quote.pdf")
    )
    contribution = contribution_record(
        plan=active,
        by=world.producer,
        kind="producer_cash",
        amount=Decimal("500000"),
        contributed_on=timezone.localdate(),
        description="First deposit",
        upload=_pdf("slip.pdf"),
    )
    targets_save(
        alliance=active.alliance,
        by=world.officer,
        baselines={"yield": "1.2"},
        targets={"yield": {1: "1.5", None: "2"}},
    )
    entry = revolving_fund_record(
        organization=world.org_a,
        by=world.producer,
        kind="repayment",
        amount=Decimal("150000"),
        occurred_on=timezone.localdate(),
    )
    notifications = {
        user.username: Notification.objects.create(
            recipient=user, alliance=active.alliance, message="Please look at this plan."
        )
        for user in (world.officer, world.producer)
    }
    return {
        "document": document,
        "contribution": contribution,
        "report": active.alliance.monitoring_reports.order_by("period_start").first(),
        "fund_entry": entry,
        "notifications": notifications,
    }


def parity_ids(path: str, method: str, objects) -> tuple[dict, str] | None:
    """Path ids and acting persona for a route of issue 19; None for the others."""
    plans = objects["plans"]
    if path.startswith("/api/v1/plans/{id}/documents/"):
        document = objects["document"]
        return {"id": document.plan_id, "document_id": document.pk}, "producer"
    if path.startswith("/api/v1/alliances/{id}/indicator-targets/"):
        return {"id": plans[PlanStatus.ACTIVE].alliance_id}, "me_officer"
    if path.startswith("/api/v1/counterpart-contributions/"):
        persona = "producer" if method == "POST" and "{id}" not in path else "officer"
        return {"id": objects["contribution"].pk}, persona
    if path.startswith("/api/v1/revolving-fund-entries/"):
        return {"id": objects["fund_entry"].pk}, "producer"
    if path.startswith("/api/v1/revolving-funds/"):
        return {"id": objects["fund_entry"].fund_id}, "producer"
    if path.startswith("/api/v1/notifications/"):
        return {"id": objects["notifications"]["officer"].pk}, "officer"
    if path.startswith("/api/v1/monitoring-reports/{id}/evidence/"):
        return {"id": objects["report"].pk}, "producer"
    return None


def parity_real_ids(world, active, document) -> dict:
    """Real ids for the routes of issue 19, by the router's basename (and `document_id`
    for the plan's documents), for the walk of tests/api/test_no_server_error.py."""
    contribution = contribution_record(
        plan=active,
        by=world.producer,
        kind="producer_cash",
        amount=Decimal("500000"),
        contributed_on=timezone.localdate(),
        description="First deposit",
        upload=_pdf("slip.pdf"),
    )
    entry = revolving_fund_record(
        organization=active.alliance.producer_organization,
        by=world.producer,
        kind="repayment",
        amount=Decimal("150000"),
        occurred_on=timezone.localdate(),
    )
    notification = Notification.objects.create(
        recipient=world.producer, alliance=active.alliance, message="Please look at this plan."
    )
    return {
        "document_id": document.pk,
        "counterpart-contribution": contribution.pk,
        "revolving-fund": entry.fund_id,
        "revolving-fund-entry": entry.pk,
        "notification": notification.pk,
        "commitment": active.commitment.pk,
        "member_id": active.alliance.producer_organization.members.order_by("pk").first().pk,
        "version_number": 1,
    }
