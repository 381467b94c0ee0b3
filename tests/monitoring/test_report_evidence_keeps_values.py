"""Attaching evidence to a monitoring report never loses what was typed beside it.

The evidence inputs belong to the values' form (their `form` attribute, no script): "Attach
evidence" sends the values and narrative typed with the file and saves them as a draft
with it, all or nothing; a file chosen before "Save draft" or "Submit for review" is
attached too rather than dropped. When something is wrong, the page comes back with
everything typed, says what to fix, and has saved nothing."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from monitoring.models import MonitoringReport
from plans.models import PlanDocument, PlanStatus
from tests.factories import EVIDENCE_PDF

from .test_report_pages import NARRATIVE, get, post, reported, state, url, values_data

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
S = MonitoringReport.Status
AGAIN = "Choose the file again: it is not kept when the page shows an error."


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


@pytest.fixture
def report(plan):
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def pdf(name="register.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")


def stored_files(settings) -> list[str]:
    """The files stored besides the plan's own (the first counterpart deposit's slip)."""
    root = settings.MEDIA_ROOT
    files = sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []
    kept = {
        d.file.name.rsplit("/", 1)[-1]
        for d in PlanDocument.objects.exclude(monitoring_report__isnull=False)
    }
    return [name for name in files if name not in kept]


def typed(report, action="evidence", **overrides) -> dict:
    """Values and a narrative typed but not saved, as the page's one form posts them."""
    return values_data(report, action, value="7", narrative="Typed, not saved yet.", **overrides)


def test_the_evidence_inputs_belong_to_the_values_form(client, world, report):
    response = get(client, world.producer, url(report))
    page = html.unescape(response.content.decode())
    assert '<form method="post"' in page and 'id="report-values"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="title" maxlength="200" form="report-values"' in page
    assert 'name="file" form="report-values"' in page
    assert (
        '<button type="submit" form="report-values" name="action" value="evidence">'
        "Attach evidence</button>"
    ) in page
    assert page.count("<form") == page.count("</form>")  # no form inside another


def test_attaching_evidence_saves_the_values_typed_with_it(client, world, report, settings):
    response = post(
        client, world.producer, report, typed(report, title="Attendance register"), {"file": pdf()}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.narrative) == (S.DUE, "Typed, not saved yet.")
    assert reported(report)["jobs"] == (D("7.000"), D("4.000"), D("3.000"))
    assert list(
        PlanDocument.objects.filter(monitoring_report=report).values_list("title", flat=True)
    ) == ["Attendance register"]
    assert len(stored_files(settings)) == 1
    response = client.get(url(report), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Evidence attached to the report.",
        "Draft saved.",
    ]
    form = response.context["values_form"]
    assert (form["jobs-value"].value(), form["narrative"].value()) == ("7", "Typed, not saved yet.")


def test_evidence_without_its_title_keeps_everything_typed_and_saves_nothing(
    client, world, report, settings
):
    before = state(report)
    response = post(client, world.producer, report, typed(report, title=" "), {"file": pdf()})
    assert response.status_code == 400
    values, evidence = response.context["values_form"], response.context["evidence_form"]
    assert (values["jobs-value"].value(), values["narrative"].value()) == (
        "7",
        "Typed, not saved yet.",
    )
    assert evidence.errors == {"title": ["This field is required."], "file": [AGAIN]}
    assert 'value="7"' in response.content.decode()
    assert state(report) == before
    assert stored_files(settings) == []


def test_a_wrong_value_keeps_everything_typed_and_attaches_nothing(client, world, report, settings):
    before = state(report)
    data = typed(report, title="Register", **{"jobs-value": "seven"})
    response = post(client, world.producer, report, data, {"file": pdf()})
    assert response.status_code == 400
    values, evidence = response.context["values_form"], response.context["evidence_form"]
    assert values["jobs-value"].value() == "seven"
    assert values.errors["jobs-value"]
    assert (evidence["title"].value(), evidence.errors) == ("Register", {"file": [AGAIN]})
    assert state(report) == before
    assert stored_files(settings) == []


def test_attach_evidence_without_a_file_says_so_and_keeps_the_values(client, world, report):
    before = state(report)
    response = post(client, world.producer, report, typed(report, title="Register"))
    assert response.status_code == 400
    assert response.context["evidence_form"].errors == {"file": ["This field is required."]}
    assert response.context["values_form"]["jobs-value"].value() == "7"
    assert state(report) == before


def test_a_file_chosen_before_save_draft_is_attached_too(client, world, report):
    response = post(
        client, world.producer, report, typed(report, "save", title="Photos"), {"file": pdf()}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative == "Typed, not saved yet."
    assert list(report.evidence.values_list("title", flat=True)) == ["Photos"]


def test_a_file_chosen_before_submitting_is_attached_before_the_report_is_frozen(
    client, world, report
):
    data = values_data(report, "submit", title="Sales book")
    response = post(client, world.producer, report, data, {"file": pdf()})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.narrative) == (S.SUBMITTED, NARRATIVE)
    assert list(report.evidence.values_list("title", flat=True)) == ["Sales book"]


def test_a_refused_submission_keeps_no_file(client, world, report, settings):
    before = state(report)
    data = values_data(report, "submit", title="Sales book", narrative=" ")
    response = post(client, world.producer, report, data, {"file": pdf()})
    assert response.status_code == 400
    assert response.context["values_form"].non_field_errors() == [
        "Write the narrative: what happened in the period."
    ]
    assert response.context["evidence_form"].errors == {"file": [AGAIN]}
    assert state(report) == before
    assert stored_files(settings) == []


def test_evidence_alone_leaves_the_saved_values_as_they_are(client, world, report):
    """A page without the values' form (or an older one) posts evidence only: the values
    saved before are kept, not emptied."""
    assert post(client, world.producer, report, values_data(report, "save")).status_code == 302
    saved = reported(report)
    response = post(
        client, world.producer, report, {"action": "evidence", "title": "Minutes"}, {"file": pdf()}
    )
    assert response.status_code == 302
    assert reported(report) == saved
    assert list(report.evidence.values_list("title", flat=True)) == ["Minutes"]
