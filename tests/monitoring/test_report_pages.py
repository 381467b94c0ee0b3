"""The monitoring report pages (§8): the list and status board, and one report's page,
through the client. Each action: allowed, wrong role (403), other organization (404),
wrong state, and bad input; every refusal leaves the report as it was."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from monitoring.figures import portfolio_figures_refresh
from monitoring.models import IndicatorValue, MonitoringReport, PortfolioSlice
from monitoring.services import report_accept, report_submit
from plans.models import PlanDocument, PlanStatus, TransitionLog
from tests.factories import EVIDENCE_PDF, fill_report, member_of, report_entries

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
S = MonitoringReport.Status
NARRATIVE = "Sales to the buyer rose this quarter."


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


@pytest.fixture
def report(plan):
    """The first report of the alliance: its period starts on the signing date (today)."""
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def url(report) -> str:
    return reverse("monitoring:report", args=[report.pk])


def get(client, user, target):
    client.force_login(user)
    return client.get(target)


def post(client, user, report, data, files=None):
    """POST the report's page; accepting as its confirmation page sends it."""
    client.force_login(user)
    return client.post(url(report), {"confirmed": "yes", **data, **(files or {})})


def attach(client, user, report, title, upload):
    return post(client, user, report, {"action": "evidence", "title": title}, {"file": upload})


def values_data(report, action, value="10", narrative=NARRATIVE, **overrides) -> dict:
    """The values form as the page posts it: `<code>-value`, `-women`, `-youth`."""
    data = {"action": action, "narrative": narrative}
    for code, entry in report_entries(report, value).items():
        for part in ("value", "women", "youth"):
            if entry[part] is not None:
                data[f"{code}-{part}"] = entry[part]
    data.update(overrides)
    return data


def state(report) -> tuple:
    """Everything a refused action must leave as it was."""
    report.refresh_from_db()
    values = list(
        IndicatorValue.objects.filter(report=report)
        .order_by("indicator__code")
        .values_list("indicator__code", "value", "women", "youth")
    )
    documents = PlanDocument.objects.filter(monitoring_report=report).count()
    logs = TransitionLog.objects.filter(object_id=report.pk, transition__startswith="report_")
    return (
        report.status,
        report.narrative,
        report.return_reason,
        report.submitted_by_id,
        report.reviewed_by_id,
        values,
        documents,
        logs.count(),
    )


def reported(report) -> dict:
    return {
        code: (value, women, youth)
        for code, value, women, youth in IndicatorValue.objects.filter(report=report)
        .order_by("indicator__code")
        .values_list("indicator__code", "value", "women", "youth")
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the life of a report through its page ----------------------------------------------


def test_po_enters_submits_me_returns_po_resubmits_me_accepts(client, world, report):
    response = get(client, world.producer, url(report))
    assert response.status_code == 200
    assert (response.context["can_enter"], response.context["can_review"]) == (True, False)
    rows = {row.indicator.code: row for row in response.context["rows"]}
    assert [code for code, row in rows.items() if row.indicator.is_computed] == [
        "sales_volume",
        "sales_value",
        "revolving_repayments",
    ]
    assert str(rows["sales_volume"].note) == "Computed from confirmed deliveries"
    assert rows["sales_volume"].value is None  # computed: no input
    assert rows["members_trained"].women.name == "members_trained-women"
    assert 'name="members_trained-youth"' in response.content.decode()

    response = post(client, world.producer, report, values_data(report, "submit"))
    assert response.status_code == 302
    assert response["Location"] == url(report)
    report.refresh_from_db()
    assert (report.status, report.narrative, report.submitted_by) == (
        S.SUBMITTED,
        NARRATIVE,
        world.producer,
    )
    assert reported(report) == {
        "household_income": (D("10.000"), None, None),
        "improved_area": (D("10.000"), None, None),
        "jobs": (D("10.000"), D("4.000"), D("3.000")),
        "members": (D("10.000"), D("4.000"), D("3.000")),
        "members_trained": (D("10.000"), D("4.000"), D("3.000")),
        "yield": (D("10.000"), None, None),
    }
    response = client.get(url(report), follow=True)
    assert messages_of(response) == ["Report submitted for review."]
    assert (response.context["values_form"], response.context["evidence_form"]) == (None, None)

    # The M&E officer returns it: a reason is required.
    response = get(client, world.me_officer, url(report))
    assert response.context["can_review"] is True
    before = state(report)
    response = post(client, world.me_officer, report, {"action": "return", "return-comment": " "})
    assert response.status_code == 400
    assert response.context["return_form"].errors == {"comment": ["Give a reason."]}
    assert state(report) == before
    response = post(
        client,
        world.me_officer,
        report,
        {"action": "return", "return-comment": "Add the women's figures for jobs."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.return_reason, report.reviewed_by) == (
        S.RETURNED,
        "Add the women's figures for jobs.",
        world.me_officer,
    )

    # The PO sees why, corrects a draft, then resubmits.
    response = get(client, world.producer, url(report))
    assert "Add the women&#x27;s figures for jobs." in response.content.decode()
    assert response.context["values_form"]["jobs-women"].value() == "4"
    data = values_data(report, "save", **{"jobs-value": "12", "jobs-women": "6"})
    assert post(client, world.producer, report, data).status_code == 302
    report.refresh_from_db()
    assert report.status == S.RETURNED
    assert reported(report)["jobs"] == (D("12.000"), D("6.000"), D("3.000"))
    data = values_data(report, "submit", **{"jobs-value": "12", "jobs-women": "6"})
    assert post(client, world.ta, report, data).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.submitted_by) == (S.SUBMITTED, world.ta)

    # Accepted: the computed figures are stored as they stood, everything is locked.
    response = post(client, world.me_officer, report, {"action": "accept", "accept-comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.ACCEPTED
    values = reported(report)
    assert values["sales_volume"] == (D("0.000"), None, None)
    assert values["revolving_repayments"] == (D("0.000"), None, None)
    response = get(client, world.producer, url(report))
    assert (response.context["values_form"], response.context["accept_form"]) == (None, None)
    assert [r.figures for r in response.context["rows"] if r.indicator.code == "jobs"] == [
        ("12", "6", "3")
    ]

    before = state(report)
    response = post(client, world.producer, report, values_data(report, "save", value="99"))
    assert response.status_code == 409
    assert messages_of(response) == [
        "The report is at “Accepted”: its values can no longer be changed."
    ]
    assert state(report) == before
    assert list(
        TransitionLog.objects.filter(object_id=report.pk, transition__startswith="report_")
        .order_by("at", "id")
        .values_list("transition", "to_state", "actor__username")
    ) == [
        ("report_submit", "submitted", "producer"),
        ("report_return", "returned", "me_officer"),
        ("report_submit", "submitted", "ta_provider"),
        ("report_accept", "accepted", "me_officer"),
    ]
    history = get(client, world.funder_user, url(report)).context["history"]
    assert [log.step_label for log in history] == [
        "Monitoring report submitted",
        "Monitoring report returned",
        "Monitoring report submitted",
        "Monitoring report accepted",
    ]


# --- who may see and do what -------------------------------------------------------------


@pytest.mark.parametrize("who", ["producer_b", "buyer_user", "regional_officer", "outsider"])
def test_those_who_may_not_see_the_report_get_404_and_change_nothing(client, world, report, who):
    user = getattr(world, who)
    assert get(client, user, url(report)).status_code == 404
    before = state(report)
    for data in (
        values_data(report, "save"),
        values_data(report, "submit"),
        {"action": "accept"},
        {"action": "return", "return-comment": "No"},
    ):
        assert post(client, user, report, data).status_code == 404
    files = {"file": SimpleUploadedFile("e.pdf", EVIDENCE_PDF)}
    response = post(client, user, report, {"action": "evidence", "title": "Receipt"}, files)
    assert response.status_code == 404
    assert state(report) == before


def test_anonymous_is_sent_to_sign_in(client, report):
    assert client.get(url(report)).status_code == 302
    assert client.get(reverse("monitoring:reports")).status_code == 302


@pytest.mark.parametrize("who", ["buyer_user", "outsider"])
def test_the_list_is_refused_to_those_without_a_part_in_monitoring(client, world, who):
    response = get(client, getattr(world, who), reverse("monitoring:reports"))
    assert response.status_code == 403
    assert (
        "Monitoring reports are kept by producer organizations and reviewed by the ministry; "
        "you have no part in them."
    ) in response.content.decode()


def test_funder_reads_the_report_but_may_not_accept_it(client, world, report):
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    response = get(client, world.funder_user, url(report))
    assert response.status_code == 200
    context = response.context
    assert (context["values_form"], context["accept_form"], context["evidence_form"]) == (
        None,
        None,
        None,
    )
    assert NARRATIVE in response.content.decode()
    before = state(report)
    assert post(client, world.funder_user, report, {"action": "accept"}).status_code == 403
    data = {"action": "return", "return-comment": "Not good"}
    assert post(client, world.funder_user, report, data).status_code == 403
    assert state(report) == before
    assert state(report)[0] == S.SUBMITTED


def test_wrong_roles_get_403_and_change_nothing(client, world, report):
    fill_report(report, by=world.producer)
    before = state(report)
    # Programme officers read the report but neither enter nor review it.
    assert get(client, world.officer, url(report)).status_code == 200
    assert post(client, world.officer, report, values_data(report, "submit")).status_code == 403
    assert post(client, world.producer, report, {"action": "accept"}).status_code == 403
    # The M&E officer does not enter the PO's values.
    data = values_data(report, "save", value="50")
    assert post(client, world.me_officer, report, data).status_code == 403
    assert state(report) == before


def test_review_before_submission_is_refused_as_wrong_state(client, world, report):
    before = state(report)
    response = post(client, world.me_officer, report, {"action": "accept"})
    assert response.status_code == 409
    assert messages_of(response) == ["The report is at “Due”: “accept the report” is not possible."]
    assert state(report) == before


def test_unknown_action_is_404(client, world, report):
    assert post(client, world.producer, report, {"action": "delete"}).status_code == 404


# --- bad input ------------------------------------------------------------------------------


def test_bad_values_give_field_errors_keep_what_was_typed_and_save_nothing(client, world, report):
    before = state(report)
    # What is not a number (of zero or more) is refused by the field (tests/test_number_input.py)
    data = values_data(report, "save", **{"yield-value": "-5", "jobs-value": "many"})
    response = post(client, world.producer, report, data)
    assert response.status_code == 400
    form = response.context["values_form"]
    assert form.errors == {
        "yield-value": ["Enter zero or more."],
        "jobs-value": ["Write numbers like 1,234,567.89."],
    }
    assert (form["yield-value"].value(), form["jobs-value"].value()) == ("-5", "many")
    assert form["narrative"].value() == NARRATIVE
    page = response.content.decode()
    assert 'value="many"' in page
    assert "Write numbers like 1,234,567.89." in page
    assert state(report) == before
    # Numbers the service refuses: an "of which" figure above the total.
    data = values_data(report, "save", **{"members_trained-women": "11"})
    response = post(client, world.producer, report, data)
    assert response.status_code == 400
    assert response.context["values_form"].errors == {
        "members_trained-women": [
            "“Members trained”: the figure for women cannot exceed the total."
        ],
    }
    assert state(report) == before
    # The same through "Submit": nothing saved, nothing submitted.
    data["action"] = "submit"
    assert post(client, world.producer, report, data).status_code == 400
    assert state(report) == before


def test_submitting_an_incomplete_report_saves_nothing(client, world, report):
    before = state(report)
    data = values_data(report, "submit", narrative="", **{"yield-value": ""})
    response = post(client, world.producer, report, data)
    assert response.status_code == 400
    assert response.context["values_form"].non_field_errors() == [
        "Give a value for: Yield.",
        "Write the narrative: what happened in the period.",
    ]
    assert state(report) == before


# --- evidence ------------------------------------------------------------------------------


def test_evidence_upload_accepts_a_pdf_and_refuses_a_fake(client, world, plan, report):
    fake = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200)
    before = state(report)
    response = attach(client, world.producer, report, "Receipt", fake)
    assert response.status_code == 400
    assert response.context["evidence_form"].errors == {
        "file": [
            "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
            "whatever its name says."
        ]
    }
    assert state(report) == before

    pdf = SimpleUploadedFile("training.pdf", EVIDENCE_PDF, content_type="application/pdf")
    response = attach(client, world.ta, report, "Training list", pdf)
    assert response.status_code == 302
    assert list(
        PlanDocument.objects.filter(monitoring_report=report).values_list(
            "plan", "kind", "title", "original_name", "content_type", "size", "uploaded_by"
        )
    ) == [
        (
            plan.pk,
            "monitoring",
            "Training list",
            "training.pdf",
            "application/pdf",
            len(EVIDENCE_PDF),
            world.ta.pk,
        )
    ]
    document = PlanDocument.objects.get(monitoring_report=report)
    response = get(client, world.me_officer, url(report))
    link = reverse("plan-document", args=[plan.pk, document.pk])
    assert f'href="{link}"' in response.content.decode()
    download = get(client, world.producer, link)
    assert (download.status_code, b"".join(download.streaming_content)) == (200, EVIDENCE_PDF)

    # Once submitted, the evidence is frozen.
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    before = state(report)
    pdf = SimpleUploadedFile("late.pdf", EVIDENCE_PDF, content_type="application/pdf")
    response = attach(client, world.producer, report, "Late", pdf)
    assert response.status_code == 409
    assert messages_of(response) == [
        "The report is at “Submitted”: its evidence can no longer change."
    ]
    assert state(report) == before


# --- the list and the status board -------------------------------------------------------


def past_report(alliance, *, days_ago: int, status=S.DUE, due_in: int = -1) -> MonitoringReport:
    """A report whose quarter ended `days_ago` days ago, due `due_in` days from today."""
    today = timezone.localdate()
    end = today - datetime.timedelta(days=days_ago)
    report = MonitoringReport.objects.create(
        alliance=alliance,
        period_start=end - datetime.timedelta(days=90),
        period_end=end,
        due_on=today + datetime.timedelta(days=due_in),
        status=status,
    )
    # Written directly, not by a step: the board's summary is refreshed as a step's
    # effect would (monitoring/figures.py).
    portfolio_figures_refresh(alliance_ids=[alliance.pk])
    return report


@pytest.fixture
def board(plan):
    a = plan.alliance
    return {
        "missing": past_report(a, days_ago=40, due_in=-10),
        "late": past_report(a, days_ago=140, due_in=-100, status=S.RETURNED),
        "waiting": past_report(a, days_ago=240, due_in=-200, status=S.SUBMITTED),
        "open": past_report(a, days_ago=10, due_in=20),
        "accepted": past_report(a, days_ago=340, due_in=-300, status=S.ACCEPTED),
    }


def test_po_side_sees_its_reports_grouped(client, world, report, board):
    response = get(client, world.producer, reverse("monitoring:reports"))
    assert response.status_code == 200
    context = response.context
    assert context["board"] is False
    # Soonest due first; a returned report is not "overdue" (only a due one is).
    assert context["to_enter"] == [board["late"], board["missing"], board["open"], report]
    assert [r.is_overdue for r in context["to_enter"]] == [False, True, False, False]
    assert context["waiting"] == [board["waiting"]]
    assert list(context["accepted"].object_list) == [board["accepted"]]
    assert "Overdue" in response.content.decode()
    # Another organization's producer sees none of them.
    context = get(client, world.producer_b, reverse("monitoring:reports")).context
    assert (context["to_enter"], context["waiting"], list(context["accepted"])) == ([], [], [])


def test_the_board_counts_per_programme_and_region_and_lists_a_column(client, world, plan, board):
    response = get(client, world.me_officer, reverse("monitoring:reports"))
    assert response.status_code == 200
    context = response.context
    assert (context["po_side"], context["column"]) == (False, "missing")
    assert [(name, count) for name, _label, count in context["columns"]] == [
        ("missing", 1),
        ("late", 1),
        ("waiting", 1),
        ("open", 1),
    ]
    program, region = plan.alliance.program, plan.alliance.region
    assert context["by_program"] == [
        {
            "alliance__program_id": program.pk,
            "alliance__program__code": program.code,
            "missing": 1,
            "late": 1,
            "waiting": 1,
            "open": 1,
        }
    ]
    assert [(r["alliance__region__name"], r["missing"]) for r in context["by_region"]] == [
        (region.name, 1)
    ]
    assert list(context["page"].object_list) == [board["missing"]]
    for column in ("late", "waiting", "open"):
        listed = get(client, world.me_officer, reverse("monitoring:reports") + f"?column={column}")
        assert list(listed.context["page"].object_list) == [board[column]]

    # Filters: the other region (nothing), the programme (everything).
    query = f"?region={world.region_b.pk}&column=late"
    context = get(client, world.me_officer, reverse("monitoring:reports") + query).context
    assert [count for _name, _label, count in context["columns"]] == [0, 0, 0, 0]
    assert (context["by_program"], list(context["page"].object_list)) == ([], [])
    query = f"?program={program.pk}&column=late"
    context = get(client, world.me_officer, reverse("monitoring:reports") + query).context
    assert list(context["page"].object_list) == [board["late"]]

    # A regional officer of another region sees an empty board; the funder the same as M&E.
    context = get(client, world.regional_officer, reverse("monitoring:reports")).context
    assert [count for _name, _label, count in context["columns"]] == [0, 0, 0, 0]
    context = get(client, world.funder_user, reverse("monitoring:reports")).context
    assert [count for _name, _label, count in context["columns"]] == [1, 1, 1, 1]


def board_counts(client, user, query: str = "") -> list[int]:
    context = get(client, user, reverse("monitoring:reports") + query).context
    return [count for _name, _label, count in context["columns"]]


def test_the_board_counts_follow_the_steps_from_its_summary(
    client, world, plan, board, django_capture_on_commit_callbacks
):
    """The counts come from the summary kept per programme and region, which each step
    refreshes after commit: a report the producer submits moves from "missing" to
    "waiting", and one the M&E officer accepts leaves the board."""
    missing = board["missing"]
    fill_report(missing, by=world.producer)
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=missing, by=world.producer)
    assert board_counts(client, world.me_officer) == [0, 1, 2, 1]
    with django_capture_on_commit_callbacks(execute=True):
        report_accept(report=board["waiting"], by=world.me_officer)
    assert board_counts(client, world.me_officer) == [0, 1, 1, 1]
    # The funder's scope (its programmes) is answered from the same summary.
    assert board_counts(client, world.funder_user) == [0, 1, 1, 1]


def test_the_board_counts_the_reports_themselves_when_its_summary_cannot_answer(
    client, world, plan, board
):
    """A summary counted on another day (the columns move with the day) or a search
    sends the board to the reports themselves, so its counts are never yesterday's."""
    PortfolioSlice.objects.update(board_day=timezone.localdate() - datetime.timedelta(days=1))
    # Written without refreshing the summary: only the reports themselves know it.
    MonitoringReport.objects.filter(pk=board["open"].pk).update(status=S.SUBMITTED)
    assert board_counts(client, world.me_officer) == [1, 1, 2, 0]
    portfolio_figures_refresh(alliance_ids=[plan.alliance_id])
    MonitoringReport.objects.filter(pk=board["late"].pk).update(status=S.SUBMITTED)
    code = plan.alliance.code
    assert board_counts(client, world.me_officer, f"?q={code}") == [1, 0, 3, 0]
    assert board_counts(client, world.me_officer, "?q=no-such-alliance") == [0, 0, 0, 0]


def test_a_board_reader_who_also_keeps_reports_counts_every_report_they_read(
    client, world, plan, board
):
    """An M&E officer of another region who also represents the producer organization
    reads its reports as well: a scope the summary per programme and region cannot
    answer, so the board counts the reports themselves."""
    member_of(world.producer_b, Role.ME_OFFICER, regions=[world.region_b])
    assert board_counts(client, world.producer_b) == [0, 0, 0, 0]
    member_of(world.producer, Role.ME_OFFICER, regions=[world.region_b])
    assert board_counts(client, world.producer) == [1, 1, 1, 1]


@pytest.mark.parametrize("rows", [2, 30])
def test_board_and_list_queries_do_not_grow_with_reports(
    client, world, plan, rows, django_assert_max_num_queries
):
    for i in range(rows):
        past_report(plan.alliance, days_ago=100 * (i + 1), due_in=-10)
    target = reverse("monitoring:reports")
    client.force_login(world.me_officer)
    with django_assert_max_num_queries(14):
        response = client.get(target)
    assert len(response.context["page"].object_list) == min(rows, 25)
    client.force_login(world.producer)
    with django_assert_max_num_queries(11):
        response = client.get(target)
    assert len(response.context["to_enter"]) == rows + 1


def test_an_overdue_report_tells_the_staff_when_it_was_reminded_and_whom_to_call(
    client, world, plan
):
    """The M&E officer's "overdue report to chase" task leads here: the daily reminder's
    last date and the producer organization's phone and e-mail, with its profile."""
    organization = plan.alliance.producer_organization
    organization.phone = "+229 97 00 00 00"
    organization.email = "contact@coop-a.example"
    organization.save(update_fields=["phone", "email"])
    overdue = past_report(plan.alliance, days_ago=40, due_in=-10)
    page = get(client, world.me_officer, url(overdue)).content.decode()
    assert "Overdue: chase the producer organization" in page
    assert "No reminder has gone out yet." in page
    assert 'href="tel:+229 97 00 00 00"' in page and "contact@coop-a.example" in page
    # The profile is linked for those who may read it (§9a), as the programme officer.
    profile = reverse("alliances:organization", args=[organization.pk])
    readable = get(client, world.me_officer, profile).status_code == 200
    assert (f'href="{profile}"' in page) == readable
    page = get(client, world.officer, url(overdue)).content.decode()
    assert f'href="{profile}"' in page
    assert get(client, world.officer, profile).status_code == 200

    overdue.reminded_on = timezone.localdate()
    overdue.save(update_fields=["reminded_on"])
    page = get(client, world.me_officer, url(overdue)).content.decode()
    assert "Last reminder:" in page and "No reminder has gone out yet." not in page

    # The producer side sees its form, not a note about chasing itself; nor does a
    # report that is not late.
    assert "chase" not in get(client, world.producer, url(overdue)).content.decode()
    on_time = past_report(plan.alliance, days_ago=10, due_in=20)
    assert "chase" not in get(client, world.me_officer, url(on_time)).content.decode()
