"""Hostile uploads on every page that takes a file: plan documents, tranche evidence,
contribution evidence, monitoring report evidence and the roster import (the API's
upload is in tests/api/test_hostile_uploads.py).

A file is stored under a generated name whose extension is the type read from its
content, never the user's; web content is refused; a zip bomb dressed as an XLSX workbook
is refused before anything unpacks it. A refusal says why and stores nothing."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from core import uploads
from funding.models import CounterpartContribution
from plans.models import PlanDocument, PlanStatus
from tests.alliances.support import url as alliances_url
from tests.factories import EVIDENCE_PDF, FIRST_DEPOSIT
from tests.funding.support import act, tranches
from tests.uploads import (
    NOT_ACCEPTED_MESSAGE,
    REFUSED,
    WEB_CONTENT_MESSAGE,
    XLSX_TYPE,
    ZIP_BOMB_MESSAGE,
    assert_stored_as,
    pdf_named_html,
    stored_files,
    upload,
    workbook_bytes,
    zip_bomb,
    zip_bomb_xlsx,
    zip_file,
)

pytestmark = pytest.mark.django_db


# --- plan documents (page) -----------------------------------------------------------------


def post_document(client, world, plan, file):
    client.force_login(world.producer)
    return client.post(
        reverse("plan-documents", args=[plan.pk]),
        {"kind": "quotation", "title": "Quote", "file": file},
    )


def test_a_pdf_named_html_is_stored_and_offered_as_a_pdf(client, world):
    plan = world.build(PlanStatus.DRAFT)
    response = post_document(client, world, plan, pdf_named_html())
    assert response.status_code == 302
    document = PlanDocument.objects.get()
    assert (document.original_name, document.content_type) == ("page.html", "application/pdf")
    assert_stored_as(document, "pdf")
    download = client.get(reverse("plan-document", args=[plan.pk, document.pk]))
    assert (download["Content-Type"], download["Content-Disposition"]) == (
        "application/pdf",
        'attachment; filename="page.pdf"',
    )
    assert b"".join(download.streaming_content) == EVIDENCE_PDF


@pytest.mark.parametrize(
    ("name", "content", "extension", "offered"),
    [
        ("budget.xlsx", workbook_bytes([["item", "cost"], ["seed", 100]]), "xlsx", "budget.xlsx"),
        ("sales.txt", b"name;amount\nAna;12\n", "csv", "sales.csv"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "jpg", "photo.jpeg"),
    ],
)
def test_each_accepted_type_gets_its_own_extension(
    client, world, name, content, extension, offered
):
    plan = world.build(PlanStatus.DRAFT)
    assert post_document(client, world, plan, upload(name, content)).status_code == 302
    document = PlanDocument.objects.get()
    assert (document.original_name, document.download_name) == (name, offered)
    assert_stored_as(document, extension)


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_plan_document_refused_with_its_message_and_nothing_stored(client, world, make, message):
    plan = world.build(PlanStatus.DRAFT)
    response = post_document(client, world, plan, make())
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": [message]}
    assert not PlanDocument.objects.exists()
    assert stored_files() == []


# --- tranche and contribution evidence (disbursement page) ----------------------------------


def test_tranche_evidence_named_html_is_stored_as_a_pdf(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = tranches(plan)[0]
    response = act(
        client, world.producer, plan, "evidence", first.pk, title="Slip", file=pdf_named_html()
    )
    assert response.status_code == 302
    [document] = first.evidence.all()
    assert_stored_as(document, "pdf")


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_tranche_evidence_refused_on_the_page(client, world, make, message):
    plan = world.build(PlanStatus.ACTIVE)
    first = tranches(plan)[0]
    response = act(client, world.producer, plan, "evidence", first.pk, title="Slip", file=make())
    assert response.status_code == 400
    assert response.context["rows"][0].forms[0].form.errors == {"file": [message]}
    assert not PlanDocument.objects.exclude(contribution__description=FIRST_DEPOSIT).exists()
    assert stored_files() == []


def record_contribution(client, world, plan, file):
    return act(
        client,
        world.producer,
        plan,
        "record",
        0,
        kind="producer_in_kind",
        amount="800000",
        contributed_on=plan.commitment.committed_at.date().isoformat(),
        description="Labour for the warehouse",
        file=file,
    )


def test_contribution_evidence_named_html_is_stored_as_a_pdf(client, world):
    plan = world.build(PlanStatus.APPROVED)  # before signing: no first deposit yet
    assert record_contribution(client, world, plan, pdf_named_html()).status_code == 302
    [document] = CounterpartContribution.objects.get().evidence.all()
    assert document.original_name == "page.html"
    assert_stored_as(document, "pdf")


@pytest.mark.parametrize(("make", "message"), REFUSED[:2])
def test_contribution_evidence_refused_and_nothing_recorded(client, world, make, message):
    plan = world.build(PlanStatus.APPROVED)  # before signing: no first deposit yet
    response = record_contribution(client, world, plan, make())
    assert response.status_code == 400
    assert response.context["record_form"].form.errors == {"file": [message]}
    assert not CounterpartContribution.objects.exists()
    assert not PlanDocument.objects.exists()
    assert stored_files() == []


# --- monitoring report evidence (page) ----------------------------------------------------


def attach_to_report(client, world, report, file):
    client.force_login(world.producer)
    return client.post(
        reverse("monitoring:report", args=[report.pk]),
        {"action": "evidence", "title": "Training list", "file": file},
    )


def test_report_evidence_named_html_is_stored_as_a_pdf(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    assert attach_to_report(client, world, report, pdf_named_html()).status_code == 302
    [document] = report.evidence.all()
    assert_stored_as(document, "pdf")


@pytest.mark.parametrize(("make", "message"), REFUSED[:2])
def test_report_evidence_refused_on_the_page(client, world, make, message):
    plan = world.build(PlanStatus.ACTIVE)
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    response = attach_to_report(client, world, report, make())
    assert response.status_code == 400
    assert response.context["evidence_form"].errors == {"file": [message]}
    assert not PlanDocument.objects.exclude(contribution__description=FIRST_DEPOSIT).exists()
    assert stored_files() == []


# --- roster import (page) -----------------------------------------------------------------


def test_roster_zip_bomb_is_refused_before_it_is_unpacked(client, world, monkeypatch):
    def unpack(*args, **kwargs):
        raise AssertionError("openpyxl opened the zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", unpack)
    before = world.org_a.members.count()
    client.force_login(world.producer)
    response = client.post(alliances_url("roster-upload", world.org_a.pk), {"file": zip_bomb()})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [ZIP_BOMB_MESSAGE]}
    assert "roster_import" not in client.session
    assert world.org_a.members.count() == before


# --- the rules themselves -----------------------------------------------------------------


def test_a_member_packed_more_than_a_hundred_times_is_refused_under_the_total_limit():
    bomb = zip_bomb_xlsx(20)  # 20 MB of spaces in about 90 KB
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(e.file_size for e in archive.infolist()) < uploads.MAX_UNPACKED_BYTES
        with pytest.raises(uploads.UploadRefused) as refusal:
            uploads.archive_check(archive)
    assert refusal.value.message == ZIP_BOMB_MESSAGE


@pytest.mark.parametrize(
    "content",
    [
        b"  <HTML><p>a,b</p>",
        b"\xef\xbb\xbf<svg onload=alert(1)>,",
        b"a,b\n<iframe src=x>,1\n",
        b"<?xml version='1.0'?>a,b",
        b"a;b\n<!-- hidden -->;1\n",
    ],
)
def test_web_content_is_refused_even_when_it_would_pass_for_csv(content):
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.content_type_of(content)
    assert refusal.value.message == WEB_CONTENT_MESSAGE


def test_a_workbook_with_macros_is_refused():
    workbook = zip_file({"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"\x00" * 64})
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.content_type_of(workbook)
    assert refusal.value.message == NOT_ACCEPTED_MESSAGE


def test_text_with_angle_brackets_that_is_not_markup_stays_csv():
    assert uploads.content_type_of(b"item,note\nseed,2 < 3 and 4 > 1\n") == "text/csv"


@pytest.mark.parametrize(
    ("original", "content_type", "offered"),
    [
        ("page.html", "application/pdf", "page.pdf"),
        ("scan.PDF", "application/pdf", "scan.PDF"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("photo", "image/png", "photo.png"),
        (".html", XLSX_TYPE, "document.xlsx"),
        ("data.csv.exe", "text/csv", "data.csv.csv"),
    ],
)
def test_download_name_takes_the_detected_extension(original, content_type, offered):
    assert uploads.download_name(original, content_type) == offered
