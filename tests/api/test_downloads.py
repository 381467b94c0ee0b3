"""Every API endpoint that answers a file declares the file's real media types and
honours `Accept` (issue 19): the file's own type, a wildcard or no `Accept` gets the
file; a client asking only for a type the file is not gets a 406 in the error shape,
and the schema says both.

The downloads: a report job's file, a plan document (the evidence of tranches,
contributions and monitoring reports included), the purchase agreement's PDF and the
IATI activity XML.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.documents import document_upload
from plans.models import PlanDocument, PlanStatus
from reports.models import ReportKind
from reports.services import report_request
from tests.factories import EVIDENCE_PDF

from .support import error, served_schema

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
XML = "application/xml"
# What a client may send and still get a file of the given type.
ACCEPTED = {
    PDF: [PDF, "*/*", "application/*", "application/json;q=0.5, application/pdf", None],
    CSV: [CSV, "text/*", "*/*", "text/csv; charset=utf-8", None],
    XML: [XML, "application/*", "*/*", None],
    XLSX: [XLSX, "application/*", "*/*", None],
}
REFUSED = ["application/json", "text/html", "image/*"]


def get(client, url, accept, **query):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    return client.get(url, query, **extra)


def assert_accept_honoured(client, url, content_type, **query):
    for accept in ACCEPTED[content_type]:
        response = get(client, url, accept, **query)
        assert response.status_code == 200, (accept, response.content[:300])
        assert response["Content-Type"] == content_type, accept
        assert b"".join(response.streaming_content if response.streaming else [response.content])
    for accept in REFUSED:
        response = get(client, url, accept, **query)
        assert response.status_code == 406, accept
        assert response["Content-Type"] == "application/json"
        body = error(response)
        assert body["detail"] == (
            f"This file is {content_type}, which the request's Accept header does not accept."
        )


def schema_of(client, path) -> dict:
    schema = served_schema(client)
    return schema["paths"][path]["get"]["responses"]


def report_file(world, user, kind, parameters, capture):
    with capture(execute=True):
        job = report_request(kind=kind, parameters=parameters, by=user)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return f"/api/v1/reports/{job.pk}/download/"


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        (ReportKind.ALLIANCE_FACTSHEET_PDF, PDF),
        (ReportKind.DISBURSEMENT_LEDGER_CSV, CSV),
        (ReportKind.DISBURSEMENT_LEDGER_XLSX, XLSX),
    ],
)
def test_a_report_file_comes_in_its_kinds_type_as_accept_allows(
    api, world, django_capture_on_commit_callbacks, kind, content_type
):
    plan = world.build(PlanStatus.ACTIVE)
    url = report_file(
        world,
        world.officer,
        kind,
        {"alliance": plan.alliance_id},
        django_capture_on_commit_callbacks,
    )
    assert_accept_honoured(api(world.officer), url, content_type)


def test_someone_elses_report_is_a_404_whatever_accept_asks(
    api, world, django_capture_on_commit_callbacks
):
    plan = world.build(PlanStatus.ACTIVE)
    url = report_file(
        world,
        world.officer,
        ReportKind.ALLIANCE_FACTSHEET_PDF,
        {"alliance": plan.alliance_id},
        django_capture_on_commit_callbacks,
    )
    response = get(api(world.finance), url, "application/json")
    assert response.status_code == 404
    assert error(response)["detail"] == "No such report."


def test_a_plan_document_comes_in_its_stored_type(api, world):
    plan = world.build(PlanStatus.DRAFT)
    document = document_upload(
        plan=plan,
        by=world.producer,
        kind=PlanDocument.Kind.QUOTATION,
        title="Quotation",
        upload=SimpleUploadedFile("quote.pdf", EVIDENCE_PDF, content_type=PDF),
    )
    url = f"/api/v1/plans/{plan.pk}/documents/{document.pk}/download/"
    assert_accept_honoured(api(world.producer), url, PDF)
    # Another organization's document is a 404 before `Accept` is looked at.
    response = get(api(world.producer_b), url, "application/json")
    assert (response.status_code, error(response)["detail"]) == (404, "No such business plan.")


def test_the_agreement_pdf_of_the_current_or_an_earlier_version(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    agreement = plan.alliance.purchase_agreement
    url = f"/api/v1/purchase-agreements/{agreement.pk}/pdf/"
    client = api(world.buyer_user)
    assert_accept_honoured(client, url, PDF)
    response = client.get(url)
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="agreement-{plan.alliance.code}-v1.pdf"'
    )
    assert client.get(url, {"version": 1}).status_code == 200
    missing = client.get(url, {"version": 2})
    assert (missing.status_code, error(missing)["detail"]) == (404, "No such version.")
    bad = client.get(url, {"version": "first"})
    assert bad.status_code == 400
    assert error(bad)["fields"] == {"version": ["A valid integer is required."]}
    # An organization that is no party to the alliance does not see the agreement.
    assert api(world.producer_b).get(url).status_code == 404


def test_the_iati_xml_as_accept_allows(api, world):
    world.build(PlanStatus.ACTIVE)
    assert_accept_honoured(
        api(world.funder_user), "/api/v1/iati/activities/", XML, program=world.program.pk
    )


@pytest.mark.parametrize(
    ("path", "types"),
    [
        ("/api/v1/reports/{id}/download/", [PDF, XLSX, XML, CSV]),
        ("/api/v1/plans/{id}/documents/{document_id}/download/", [PDF, "image/png", CSV]),
        ("/api/v1/purchase-agreements/{id}/pdf/", [PDF]),
        ("/api/v1/iati/activities/", [XML]),
    ],
)
def test_the_schema_declares_the_real_types_and_the_406(client, path, types):
    responses = schema_of(client, path)
    declared = set(responses["200"]["content"])
    assert set(types) <= declared
    assert "application/octet-stream" not in declared
    assert responses["406"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
    }
