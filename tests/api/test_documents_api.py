"""A plan's documents in the API (issue 19): list, upload and download through the doors
of the documents page: `plans_visible_to` and `plan_documents_visible_to` for reading,
`plans.documents.document_upload` (and its upload check) for adding."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.report_evidence import report_evidence_attach
from monitoring.services import report_submit
from plans.models import PlanDocument, PlanStatus
from tests.factories import EVIDENCE_PDF, fill_report
from tests.uploads import (
    REFUSED,
    assert_stored_as,
    pdf_named_html,
    stored_files,
    uploaded_documents,
)

from .support import error

# Most tests that build begin with an active plan: built once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]

MISSING_FILE = (
    "The file of “quote.pdf” is no longer on the server. Ask the person who uploaded it "
    "to upload it again."
)


def url(plan, *rest) -> str:
    return "/".join([f"/api/v1/plans/{plan.pk}/documents", *map(str, rest)]) + "/"


def pdf(name="quote.pdf"):
    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")


def upload(api, user, plan, **data):
    body = {"kind": "quotation", "title": "Sheller quotation", "file": pdf(), **data}
    return api(user).post(url(plan), body, format="multipart")


def test_the_producer_uploads_lists_and_downloads_a_document(api, world):
    plan = world.build(PlanStatus.DRAFT)

    response = upload(api, world.producer, plan)

    assert response.status_code == 201, response.json()
    document = uploaded_documents().get()
    body = response.json()
    assert body == {
        "id": document.pk,
        "plan": plan.pk,
        "version": 1,
        "kind": "quotation",
        "title": "Sheller quotation",
        "original_name": "quote.pdf",
        "content_type": "application/pdf",
        "size": len(EVIDENCE_PDF),
        "tranche": None,
        "contribution": None,
        "monitoring_report": None,
        "uploaded_by": "producer",
        "uploaded_at": body["uploaded_at"],
        "download_url": f"http://testserver{url(plan, document.pk, 'download')}",
    }
    assert_stored_as(document, "pdf")
    client = api(world.producer)
    listed = client.get(url(plan)).json()
    assert (listed["count"], [row["id"] for row in listed["results"]]) == (1, [document.pk])
    assert client.get(url(plan, document.pk)).json() == body

    download = client.get(url(plan, document.pk, "download"))

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == EVIDENCE_PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="quote.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"


def test_the_type_comes_from_the_content_not_the_name(api, world):
    plan = world.build(PlanStatus.DRAFT)
    response = upload(api, world.producer, plan, file=pdf_named_html())
    assert response.status_code == 201, response.json()
    assert (response.json()["original_name"], response.json()["content_type"]) == (
        "page.html",
        "application/pdf",
    )
    document = uploaded_documents().get()
    assert_stored_as(document, "pdf")
    download = api(world.producer).get(url(plan, document.pk, "download"))
    assert download["Content-Disposition"] == 'attachment; filename="page.pdf"'


def test_an_officer_uploads_at_any_stage(api, world):
    plan = world.build(PlanStatus.SCREENING)
    response = upload(api, world.officer, plan, kind="legal", title="Statutes")
    assert response.status_code == 201, response.json()
    assert uploaded_documents().get().uploaded_by == world.officer


@pytest.mark.parametrize("who", ["buyer_user", "funder_user", "committee", "me_officer"])
def test_who_sees_the_plan_but_may_not_add_documents_gets_403(api, world, who):
    plan = world.build(PlanStatus.DRAFT if who == "buyer_user" else PlanStatus.SUBMITTED)
    response = upload(api, getattr(world, who), plan)
    assert response.status_code == 403
    assert error(response)["detail"].startswith("Only a ")
    assert not uploaded_documents().exists()
    assert stored_files() == []


def test_the_producer_adds_no_document_once_the_plan_is_submitted(api, world):
    plan = world.build(PlanStatus.SUBMITTED)
    response = upload(api, world.producer, plan)
    # The upload service words it as a refusal of the role at this stage (FORBIDDEN).
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Documents can be added while the plan is a draft or returned for revision."
    )
    assert not uploaded_documents().exists()


@pytest.mark.parametrize("who", ["producer_b", "regional_officer", "outsider"])
def test_who_does_not_see_the_plan_gets_404_everywhere(api, world, who):
    plan = world.build(PlanStatus.DRAFT)
    upload(api, world.producer, plan)
    document = uploaded_documents().get()
    client = api(getattr(world, who))
    for path in (url(plan), url(plan, document.pk), url(plan, document.pk, "download")):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error(response)["detail"] == "No such business plan."
    response = upload(api, getattr(world, who), plan)
    assert response.status_code == 404
    assert uploaded_documents().count() == 1
    assert api().get(url(plan)).status_code == 401


def test_another_plans_document_is_not_found_under_this_plan(api, world):
    plan = world.build(PlanStatus.DRAFT)
    other = world.build(PlanStatus.DRAFT)
    upload(api, world.producer, other)
    document = uploaded_documents().get()
    response = api(world.producer).get(url(plan, document.pk, "download"))
    assert response.status_code == 404
    assert error(response)["detail"] == "No such document."
    assert api(world.producer).get(url(plan, "x")).status_code == 404
    assert api(world.producer).get("/api/v1/plans/x/documents/").status_code == 404


def test_monitoring_evidence_is_not_the_buyers(api, world):
    """As on the documents page: the buyer sees the plan's documents but a monitoring
    report's evidence."""
    plan = world.build(PlanStatus.ACTIVE)
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
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    evidence = report_evidence_attach(
        report=report, by=world.producer, title="Attendance sheets", upload=pdf("sheets.pdf")
    )
    listed = {
        who: [row["id"] for row in api(getattr(world, who)).get(url(plan)).json()["results"]]
        for who in ("buyer_user", "me_officer", "funder_user", "producer")
    }
    assert listed["buyer_user"] == [quotation.pk]
    # Newest first, down to the first deposit's slip, which readers of the money see too.
    slips = list(PlanDocument.objects.filter(plan=plan, contribution__isnull=False))
    both = [evidence.pk, quotation.pk, *(slip.pk for slip in slips)]
    assert len(slips) == 1
    assert listed["me_officer"] == listed["funder_user"] == listed["producer"] == both
    assert api(world.buyer_user).get(url(plan, evidence.pk, "download")).status_code == 404
    assert api(world.buyer_user).get(url(plan, quotation.pk, "download")).status_code == 200
    assert api(world.me_officer).get(url(plan, evidence.pk, "download")).status_code == 200
    client = api(world.producer)
    filtered = client.get(url(plan) + f"?monitoring_report={report.pk}").json()
    assert [row["id"] for row in filtered["results"]] == [evidence.pk]
    quotations = client.get(url(plan) + "?kind=quotation&kind=legal").json()
    assert [row["id"] for row in quotations["results"]] == [quotation.pk]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "recipe"}, {"kind"}),
        ({"kind": ""}, {"kind"}),
        ({"file": ""}, {"file"}),
        ({"title": "x" * 201}, {"title"}),
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_nothing_is_stored(api, world, data, fields):
    plan = world.build(PlanStatus.DRAFT)
    body = {"kind": "quotation", "title": "Quote", "file": pdf(), **data}
    response = api(world.producer).post(url(plan), body, format="multipart")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == fields
    assert not uploaded_documents().exists()
    assert stored_files() == []


def test_an_empty_file_gets_the_upload_checks_message(api, world):
    plan = world.build(PlanStatus.DRAFT)
    response = upload(api, world.producer, plan, file=SimpleUploadedFile("a.pdf", b""))
    assert response.status_code == 400
    assert error(response)["fields"] == {"file": ["The file is empty."]}
    assert not uploaded_documents().exists()


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_hostile_files_are_refused_as_on_the_page(api, world, make, message):
    plan = world.build(PlanStatus.DRAFT)
    response = upload(api, world.producer, plan, file=make())
    assert response.status_code == 400
    assert response.json() == {
        "detail": message,
        "reasons": [message],
        "fields": {"file": [message]},
    }
    assert not uploaded_documents().exists()
    assert stored_files() == []


def test_a_document_whose_file_is_gone_is_a_404_that_says_so(api, world, caplog):
    plan = world.build(PlanStatus.DRAFT)
    upload(api, world.producer, plan)
    document = uploaded_documents().get()
    document.file.storage.delete(document.file.name)  # lost from the server

    response = api(world.producer).get(url(plan, document.pk, "download"))

    assert response.status_code == 404
    assert response.json() == {"detail": MISSING_FILE, "reasons": [MISSING_FILE], "fields": {}}
    assert document.file.name not in response.content.decode()
    assert f"the file of document {document.pk} is missing" in caplog.text


# --- a monitoring report's evidence ----------------------------------------------------------


def evidence_url(report) -> str:
    return f"/api/v1/monitoring-reports/{report.pk}/evidence/"


def first_report(plan):
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def attach(api, user, report, **data):
    body = {"title": "Attendance sheets", "file": pdf("sheets.pdf"), **data}
    return api(user).post(evidence_url(report), body, format="multipart")


@pytest.mark.parametrize("who", ["producer", "ta"])
def test_the_producer_side_attaches_evidence_to_a_due_report(api, world, who):
    plan = world.build(PlanStatus.ACTIVE)
    report = first_report(plan)

    response = attach(api, getattr(world, who), report)

    assert response.status_code == 201, response.json()
    document = uploaded_documents().get()
    assert (document.kind, document.monitoring_report, document.title) == (
        "monitoring",
        report,
        "Attendance sheets",
    )
    assert_stored_as(document, "pdf")
    listed = api(world.me_officer).get(evidence_url(report)).json()
    assert [row["id"] for row in listed] == [document.pk]
    download = api(world.me_officer).get(listed[0]["download_url"])
    assert download.status_code == 200


@pytest.mark.parametrize("who", ["officer", "me_officer", "funder_user"])
def test_others_who_read_the_report_may_not_attach_evidence(api, world, who):
    report = first_report(world.build(PlanStatus.ACTIVE))
    response = attach(api, getattr(world, who), report)
    assert response.status_code == 403
    assert not uploaded_documents().exists()
    assert stored_files() == []


@pytest.mark.parametrize("who", ["buyer_user", "producer_b", "outsider"])
def test_who_does_not_read_the_report_gets_404(api, world, who):
    report = first_report(world.build(PlanStatus.ACTIVE))
    assert api(getattr(world, who)).get(evidence_url(report)).status_code == 404
    assert attach(api, getattr(world, who), report).status_code == 404
    assert not uploaded_documents().exists()


def test_a_submitted_reports_evidence_is_final(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = first_report(plan)
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    response = attach(api, world.producer, report)
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "The report is at “Submitted”: its evidence can no longer change."
    )
    assert not uploaded_documents().exists()


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_hostile_evidence_is_refused(api, world, make, message):
    report = first_report(world.build(PlanStatus.ACTIVE))
    response = attach(api, world.producer, report, file=make())
    assert response.status_code == 400
    assert error(response)["fields"] == {"file": [message]}
    assert not uploaded_documents().exists()
    assert stored_files() == []


def test_evidence_needs_a_title_and_a_file(api, world):
    report = first_report(world.build(PlanStatus.ACTIVE))
    response = api(world.producer).post(evidence_url(report), {}, format="multipart")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"title", "file"}
    assert not uploaded_documents().exists()


def test_the_list_keeps_its_query_count(api, world):
    plan = world.build(PlanStatus.DRAFT)
    upload(api, world.producer, plan)
    client = api(world.producer)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(plan))
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    count()  # the first request of a test warms what every request then reuses
    few, _rows = count()
    for _ in range(11):
        upload(api, world.producer, plan)
    assert count() == (few, 12)
