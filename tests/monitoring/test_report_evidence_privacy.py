"""A monitoring report's evidence is a document of the plan, but only those who may see
monitoring open it: the buyer, who sees the plan's other documents, does not."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from monitoring.report_evidence import report_evidence_attach
from plans.models import PlanDocument, PlanStatus
from tests.factories import EVIDENCE_PDF

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)


@pytest.fixture
def documents(world):
    plan = world.build(PlanStatus.ACTIVE)
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    evidence = report_evidence_attach(
        report=report,
        by=world.producer,
        title="Training attendance sheets",
        upload=SimpleUploadedFile("sheets.pdf", EVIDENCE_PDF, "application/pdf"),
    )
    # A document of the plan's draft days (uploads close at submission).
    quotation = PlanDocument(
        plan=plan,
        kind="quotation",
        title="Sheller quotation",
        original_name="quote.pdf",
        content_type="application/pdf",
        size=len(EVIDENCE_PDF),
        uploaded_by=world.producer,
    )
    quotation.file.save("quote", ContentFile(EVIDENCE_PDF))
    return plan, evidence, quotation


@pytest.mark.parametrize(
    ("persona", "sees_evidence"),
    [("buyer_user", False), ("producer", True), ("me_officer", True), ("funder_user", True)],
)
def test_report_evidence_is_hidden_from_the_buyer(client, world, documents, persona, sees_evidence):
    plan, evidence, quotation = documents
    client.force_login(getattr(world, persona))
    for url in (reverse("plan-detail", args=[plan.pk]), reverse("plan-documents", args=[plan.pk])):
        page = client.get(url).content.decode()
        assert "Sheller quotation" in page
        assert ("Training attendance sheets" in page) is sees_evidence
    download = client.get(reverse("plan-document", args=[plan.pk, evidence.pk]))
    assert download.status_code == (200 if sees_evidence else 404)
    assert client.get(reverse("plan-document", args=[plan.pk, quotation.pk])).status_code == 200
