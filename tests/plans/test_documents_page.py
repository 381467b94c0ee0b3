"""The plan's documents page: whoever sees the plan reads its documents; only who may add
one now sees the upload form (the PO side while the plan is a draft or returned, officers
always). A buyer, an appraiser or a funder reads, never uploads, and sees nothing of the
plan's budget there (§9a)."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.documents import document_upload
from plans.models import PlanDocument, PlanStatus
from tests.factories import attach_evidence

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="quote.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def plan(world):
    plan = world.build(PlanStatus.SUBMITTED)
    # An officer adds a document at any stage; the readers below must see it.
    document_upload(plan=plan, by=world.officer, kind="quotation", title="Quote", upload=pdf())
    return plan


def url(plan) -> str:
    return reverse("plan-documents", args=[plan.pk])


def open_page(client, user, plan):
    client.force_login(user)
    response = client.get(url(plan))
    return response, html.unescape(response.content.decode())


def upload_controls(page: str) -> list[str]:
    return [
        marker
        for marker in ('type="file"', "multipart/form-data", "Add a document", ">Upload<")
        if marker in page
    ]


@pytest.mark.parametrize("who", ["buyer_user", "funder_user", "committee"])
def test_readers_see_the_documents_and_no_upload_control(client, world, plan, who):
    response, page = open_page(client, getattr(world, who), plan)
    assert response.status_code == 200
    document = PlanDocument.objects.get()
    assert f'href="{reverse("plan-document", args=[plan.pk, document.pk])}"' in page
    assert response.context["form"] is None
    assert upload_controls(page) == []
    assert "Documents can be added while" not in page  # not theirs to add


def test_the_buyer_sees_nothing_of_the_budget_on_the_documents_page(client, world, plan):
    response, page = open_page(client, world.buyer_user, plan)
    assert "Financial analysis" not in page and "Grant requested" not in page
    assert "analysis" not in response.context and "lines" not in response.context
    # Nor the editor's tabs, which lead to pages the buyer may not open.
    for tab in ("plan-budget", "plan-cash-flows", "plan-edit"):
        assert reverse(tab, args=[plan.pk]) not in page
    assert "Back to the plan, to submit it" not in page


@pytest.mark.parametrize("who", ["buyer_user", "funder_user", "appraiser"])
def test_a_reader_posting_a_document_is_refused_and_nothing_is_stored(client, world, who):
    plan = world.build(PlanStatus.DRAFT)
    client.force_login(getattr(world, who))
    response = client.post(url(plan), {"kind": "quotation", "title": "Mine", "file": pdf()})
    # The appraiser is not assigned to this plan: it does not even see it.
    assert response.status_code == (404 if who == "appraiser" else 403)
    assert not PlanDocument.objects.exists()


def test_the_producer_uploads_while_a_draft_and_is_told_why_not_once_submitted(client, world, plan):
    draft = world.build(PlanStatus.DRAFT)
    response, page = open_page(client, world.producer, draft)
    assert response.context["form"] is not None
    assert upload_controls(page) == [
        'type="file"',
        "multipart/form-data",
        "Add a document",
        ">Upload<",
    ]

    response, page = open_page(client, world.producer, plan)
    assert upload_controls(page) == []
    assert "Documents can be added while the plan is a draft or returned for revision." in page
    before = PlanDocument.objects.count()
    response = client.post(url(plan), {"kind": "quotation", "title": "Late", "file": pdf()})
    assert response.status_code == 403
    assert PlanDocument.objects.count() == before


def test_the_officer_adds_documents_at_any_stage(client, world, plan):
    response, page = open_page(client, world.officer, plan)
    assert response.context["form"] is not None
    assert "Financial analysis" in page  # the officer reads the plan's content
    response = client.post(url(plan), {"kind": "quotation", "title": "Second", "file": pdf()})
    assert response.status_code == 302
    assert list(PlanDocument.objects.order_by("id").values_list("title", flat=True)) == [
        "Quote",
        "Second",
    ]


def test_the_buyer_never_sees_the_evidence_of_money(client, world):
    """A bank slip proving a tranche or a contribution is the alliance's money, which the
    buyer does not read (§9a): not on the documents page, not by its address, not in the
    API; the producer and the finance officer do."""

    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.order_by("number").first()
    evidence = attach_evidence(tranche, by=world.producer, title="Bank slip of tranche 1")
    document_upload(plan=plan, by=world.officer, kind="legal", title="Statutes", upload=pdf())
    download = reverse("plan-document", args=[plan.pk, evidence.pk])

    response, page = open_page(client, world.buyer_user, plan)
    assert response.status_code == 200
    assert "Statutes" in page
    assert "Bank slip of tranche 1" not in page
    assert client.get(download).status_code == 404
    api = client.get(f"/api/v1/plans/{plan.pk}/documents/").json()
    assert [d["title"] for d in api["results"]] == ["Statutes"]

    for reader in (world.producer, world.finance):
        _response, page = open_page(client, reader, plan)
        assert "Bank slip of tranche 1" in page
        assert client.get(download).status_code == 200
