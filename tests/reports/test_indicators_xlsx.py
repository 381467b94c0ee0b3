"""The indicator table (XLSX): exact cells for a small world, and who sees which rows."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.policy import ActionRefused
from plans.models import PlanStatus
from reports.models import ReportKind
from reports.services import report_request

from .support import monitored_alliance, xlsx_rows

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def monitored(world):
    """Alliance of Coop A: periods 1 and 2 accepted (values 10 then 20), period 3
    submitted (30), period 4 under way; 1,000 kg delivered at 250 in period 1
    (`monitored_alliance`); and Coop B's with only its schedule."""
    plan, reports = monitored_alliance(world)
    other = world.build(PlanStatus.ACTIVE, org=world.org_b)  # Coop B: only its schedule
    return plan, reports, other


def _generate(by, parameters, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(kind=ReportKind.INDICATORS_XLSX, parameters=parameters, by=by)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    # Rows as read back stop at their last filled cell: pad them to the header's width.
    return {
        title: [row + (None,) * (len(sheet[0]) - len(row)) for row in sheet]
        for title, sheet in xlsx_rows(job.file.path).items()
    }


def quarter(day: datetime.date) -> str:
    """The calendar quarter of a day, as the sheet labels it in English."""
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def test_indicator_table_cells(world, monitored, django_capture_on_commit_callbacks):
    plan, reports, _other = monitored
    a = plan.alliance
    # People are shown by their names, never by their usernames.
    for user, first, last in (
        (world.producer, "Awa", "Koné"),
        (world.me_officer, "Ibrahim", "Sow"),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    sheets = _generate(world.officer, {"alliance": a.pk}, django_capture_on_commit_callbacks)
    assert list(sheets) == ["Indicators", "Reports"]
    header, *rows = sheets["Indicators"]
    # Quarterly reports from nine months ago: each ends in the next calendar quarter, and
    # counts there.
    quarters = [quarter(r.period_end) for r in reports]
    assert len(set(quarters)) == 4
    assert header == (
        "Programme", "Alliance code", "Alliance", "Region", "Value chain", "Indicator code",
        "Indicator", "Of which", "Unit", "Baseline", "End-of-plan target", "Value to date",
        *quarters,
    )  # fmt: skip
    head = (a.program.code, a.code, a.name, a.region.name, a.value_chain.name)
    assert all(row[:5] == head for row in rows)
    assert [row[5:] for row in rows] == [
        ("sales_volume", "Sales volume to the buyer", None, "kg", None, 50000, 1000,
         1000, 0, None, None),
        ("sales_value", "Sales value to the buyer", None, "XOF", None, None, 250000,
         250000, 0, None, None),
        ("yield", "Yield", None, "t/ha", 1.5, 2.5, 15, 10, 20, None, None),
        ("household_income", "Average household income from the activity", None, "XOF",
         None, None, 20, 10, 20, None, None),
        ("members_trained", "Members trained", None, "people", None, None, 30,
         10, 20, None, None),
        ("members_trained", "Members trained", "women", "people", None, None, 8,
         4, 4, None, None),
        ("members_trained", "Members trained", "youth", "people", None, None, 6,
         3, 3, None, None),
        ("members", "Members of the organization", None, "people", None, None, 20,
         10, 20, None, None),
        ("members", "Members of the organization", "women", "people", None, None, 4,
         4, 4, None, None),
        ("members", "Members of the organization", "youth", "people", None, None, 3,
         3, 3, None, None),
        ("jobs", "Jobs created", None, "jobs", 0, None, 30, 10, 20, None, None),
        ("jobs", "Jobs created", "women", "jobs", None, None, 8, 4, 4, None, None),
        ("jobs", "Jobs created", "youth", "jobs", None, None, 6, 3, 3, None, None),
        ("improved_area", "Area under improved practices", None, "ha", None, None, 20,
         10, 20, None, None),
        ("revolving_repayments", "Repayments to the revolving fund", None, "XOF", None,
         None, 0, 0, 0, None, None),
    ]  # fmt: skip
    header, *rows = sheets["Reports"]
    assert header == (
        "Programme", "Alliance code", "Period", "Calendar period", "Period start",
        "Period end", "Due on", "Status", "Overdue", "Submitted on", "Submitted by",
        "Reviewed on", "Reviewed by", "Reason for return",
    )  # fmt: skip
    today = datetime.datetime.combine(timezone.localdate(), datetime.time())

    def day(d):
        return datetime.datetime.combine(d, datetime.time())

    expected = []
    for number, (report, status) in enumerate(
        zip(reports, ["Accepted", "Accepted", "Submitted", "Due"], strict=True), 1
    ):
        submitted = (today, "Awa Koné") if number < 4 else (None, None)
        reviewed = (today, "Ibrahim Sow") if number < 3 else (None, None)
        expected.append(
            (a.program.code, a.code, number, quarters[number - 1], day(report.period_start),
             day(report.period_end), day(report.due_on), status, None, *submitted, *reviewed,
             None)
        )  # fmt: skip
    assert rows == expected


def test_indicator_table_covers_what_the_requester_may_read(
    world, monitored, django_capture_on_commit_callbacks
):
    plan, _reports, other = monitored
    codes = {plan.alliance.code, other.alliance.code}

    def alliances(sheet):
        return {row[1] for row in sheet[1:]}

    sheets = _generate(world.officer, {}, django_capture_on_commit_callbacks)
    assert alliances(sheets["Indicators"]) == alliances(sheets["Reports"]) == codes
    sheets = _generate(
        world.producer, {"program": world.program.pk}, django_capture_on_commit_callbacks
    )
    assert alliances(sheets["Indicators"]) == {plan.alliance.code}
    assert alliances(sheets["Reports"]) == {plan.alliance.code}
    # The buyer sees the alliance but not its monitoring (§9a): no such report for it.
    for user in (world.buyer_user, world.producer_b):
        with pytest.raises(ActionRefused) as refused:
            report_request(
                kind=ReportKind.INDICATORS_XLSX,
                parameters={"alliance": plan.alliance_id},
                by=user,
            )
        assert refused.value.code == "not_found"
    with pytest.raises(ActionRefused) as refused:
        report_request(
            kind=ReportKind.INDICATORS_XLSX,
            parameters={"alliance": plan.alliance_id},
            by=world.producer_b,
        )
    assert refused.value.code == "not_found"
