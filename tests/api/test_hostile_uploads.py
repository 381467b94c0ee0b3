"""The API's upload (tranche evidence): a file is stored under a generated name with the
extension of the type read from its content; web content and zip bombs are refused with
a field message (400) and nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import PlanStatus
from tests.funding.support import tranches
from tests.uploads import (
    REFUSED,
    assert_stored_as,
    pdf_named_html,
    stored_files,
    uploaded_documents,
)

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]


def evidence_url(tranche) -> str:
    return f"/api/v1/tranches/{tranche.pk}/evidence/"


def test_evidence_named_html_is_stored_as_a_pdf(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = tranches(plan)[0]
    response = api(world.producer).post(
        evidence_url(first), {"title": "Slip", "file": pdf_named_html()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["original_name"], body["content_type"]) == ("page.html", "application/pdf")
    assert_stored_as(uploaded_documents().get(pk=body["id"]), "pdf")


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_refused_evidence_gets_a_field_message_and_nothing_is_stored(api, world, make, message):
    plan = world.build(PlanStatus.ACTIVE)
    first = tranches(plan)[0]
    response = api(world.producer).post(
        evidence_url(first), {"title": "Slip", "file": make()}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": message,
        "reasons": [message],
        "fields": {"file": [message]},
    }
    assert not uploaded_documents().exists()
    assert stored_files() == []


def test_an_empty_evidence_file_gets_the_upload_checks_message(api, world):
    """The one upload check speaks for every upload of the API, as on the page."""
    first = tranches(world.build(PlanStatus.ACTIVE))[0]
    empty = SimpleUploadedFile("slip.pdf", b"", content_type="application/pdf")
    response = api(world.producer).post(
        evidence_url(first), {"title": "Slip", "file": empty}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": ["The file is empty."]}
    assert not uploaded_documents().exists()
