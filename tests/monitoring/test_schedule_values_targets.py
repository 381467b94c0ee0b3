"""Monitoring services (§8): the report schedule from signing, values with their
disaggregation, what submission needs, the snapshot at acceptance, baselines and
targets, the revolving fund, and the end of an alliance's life."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from accounts.policy import ActionRefused, monitoring_reports_visible_to
from alliances.deliveries import delivery_confirm, delivery_record
from funding.services import add_months
from monitoring.models import (
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFundEntry,
)
from monitoring.selectors import indicator_table, indicators_for, volume_unit
from monitoring.services import (
    report_accept,
    report_schedule_create,
    report_submit,
    report_values_save,
    revolving_fund_balance,
    revolving_fund_record,
    targets_save,
)
from plans.models import PlanStatus, TransitionLog
from plans.services import plan_cancel, plan_complete
from tests.factories import fill_report, report_entries

D = Decimal


def refused(code, action):
    with pytest.raises(ActionRefused) as error:
        action()
    assert error.value.code == code
    return error.value


@pytest.fixture
def active(world):
    return world.build(PlanStatus.ACTIVE)


def first_report(plan):
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def test_signing_schedules_a_report_per_quarter_over_the_plan_horizon(world, active):
    today = timezone.localdate()
    reports = list(active.alliance.monitoring_reports.order_by("period_start"))
    # Five years (the plan's horizon) of quarters.
    assert len(reports) == 20
    assert {r.status for r in reports} == {"due"}
    assert (reports[0].period_start, reports[0].period_end) == (
        today,
        add_months(today, 3) - datetime.timedelta(days=1),
    )
    assert reports[0].due_on == reports[0].period_end + datetime.timedelta(days=30)
    assert reports[1].period_start == add_months(today, 3)
    assert reports[-1].period_end == add_months(today, 60) - datetime.timedelta(days=1)
    # Scheduling again changes nothing.
    assert report_schedule_create(alliance=active.alliance, start=today) == []
    assert active.alliance.monitoring_reports.count() == 20


def test_programme_period_and_days_to_submit_shape_the_schedule(world):
    world.program.monitoring_period_months = 6
    world.program.report_grace_days = 45
    world.program.save()
    plan = world.build(PlanStatus.ACTIVE)
    reports = list(plan.alliance.monitoring_reports.order_by("period_start"))
    assert len(reports) == 10
    today = timezone.localdate()
    assert reports[0].period_end == add_months(today, 6) - datetime.timedelta(days=1)
    assert reports[0].due_on == reports[0].period_end + datetime.timedelta(days=45)


def test_bad_values_are_refused_with_field_messages_and_nothing_is_saved(world, active):
    report = first_report(active)
    entries = report_entries(report)
    entries["members"] = {"value": "30", "women": "31", "youth": "-1"}
    entries["yield"] = {"value": "a lot"}
    entries["household_income"] = {"value": "1000.5"}  # XOF has no minor unit
    entries["improved_area"] = {"value": "1.2345"}
    error = refused(
        "invalid", lambda: report_values_save(report=report, by=world.producer, values=entries)
    )
    assert set(error.fields) == {
        "members.women",
        "members.youth",
        "yield",
        "household_income",
        "improved_area",
    }
    unknown = refused(
        "invalid",
        lambda: report_values_save(report=report, by=world.producer, values={"nope": "1"}),
    )
    assert set(unknown.fields) == {"values"}
    assert not IndicatorValue.objects.exists()


def test_submission_needs_every_reported_value_and_the_narrative(world, active):
    report = first_report(active)
    entries = report_entries(report)
    del entries["jobs"]
    report_values_save(report=report, by=world.producer, values=entries)
    error = refused("invalid", lambda: report_submit(report=report, by=world.producer))
    assert error.reasons == (
        "Give a value for: Jobs created.",
        "Write the narrative: what happened in the period.",
    )
    report.refresh_from_db()
    assert report.status == "due"
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    assert report.status == "submitted"
    stored = report.values.get(indicator__code="members")
    assert (stored.value, stored.women, stored.youth) == (D("10"), D("4"), D("3"))


def test_acceptance_stores_the_computed_sales_and_locks_the_values(world, active):
    report = first_report(active)
    today = timezone.localdate()
    delivery = delivery_record(
        alliance=active.alliance,
        by=world.producer,
        delivered_on=today,
        volume=D("1200.500"),
        unit_price=D("250"),
    )
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    report_accept(report=report, by=world.me_officer)
    stored = dict(report.values.values_list("indicator__code", "value"))
    assert (stored["sales_volume"], stored["sales_value"]) == (D("1200.500"), D("300125.000"))
    assert stored["revolving_repayments"] == D("0")
    refused(
        "wrong_state",
        lambda: report_values_save(
            report=report, by=world.producer, values=report_entries(report, "99")
        ),
    )
    assert report.values.get(indicator__code="jobs").value == D("10")
    # A delivery confirmed later counts to date, not in the accepted report.
    later = delivery_record(
        alliance=active.alliance,
        by=world.producer,
        delivered_on=today,
        volume=D("100"),
        unit_price=D("250"),
    )
    delivery_confirm(delivery=later, by=world.buyer_user)
    _reports, rows = indicator_table(active.alliance)
    sales = next(r for r in rows if r.indicator.code == "sales_volume")
    assert (sales.cells[report.pk].value, sales.to_date) == (D("1200.500"), D("1300.500"))


def test_baselines_and_targets_are_set_by_officers_all_or_nothing(world, active):
    alliance = active.alliance
    targets_save(
        alliance=alliance,
        by=world.me_officer,
        baselines={"sales_volume": "40000", "members": "120"},
        targets={"sales_volume": {1: "80000", 2: "100000", None: "300000"}},
    )
    assert IndicatorBaseline.objects.get(alliance=alliance, indicator__code="members").value == 120
    assert dict(IndicatorTarget.objects.filter(alliance=alliance).values_list("year", "value")) == {
        1: D("80000"),
        2: D("100000"),
        None: D("300000"),
    }
    error = refused(
        "invalid",
        lambda: targets_save(
            alliance=alliance,
            by=world.officer,
            baselines={"members": "-3"},
            targets={"sales_volume": {1: "1", 31: "5"}},
        ),
    )
    assert set(error.fields) == {"members.baseline", "sales_volume.target"}
    refused(
        "forbidden",
        lambda: targets_save(
            alliance=alliance, by=world.producer, baselines={"members": "1"}, targets={}
        ),
    )
    assert IndicatorBaseline.objects.get(alliance=alliance, indicator__code="members").value == 120
    assert IndicatorTarget.objects.get(alliance=alliance, year=1).value == D("80000")
    # An empty value removes the row.
    targets_save(
        alliance=alliance, by=world.officer, baselines={}, targets={"sales_volume": {1: ""}}
    )
    assert list(
        IndicatorTarget.objects.filter(alliance=alliance).values_list("year", flat=True)
    ) == [2, None]


def test_revolving_fund_balance_and_loans_within_it(world, active):
    today = timezone.localdate()
    org = world.org_a

    def record(kind, amount, by=world.producer):
        return revolving_fund_record(
            organization=org, by=by, kind=kind, amount=amount, occurred_on=today
        )

    record("repayment", "150000")
    record("repayment", "50000", by=world.ta)
    record("loan", "120000")
    fund = org.revolving_fund
    assert (fund.currency, revolving_fund_balance(fund)) == ("XOF", D("80000"))
    error = refused("conflict", lambda: record("loan", "80001"))
    assert error.fields == {"amount": ["More than the fund's balance."]}
    refused("invalid", lambda: record("repayment", "10.5"))
    refused("forbidden", lambda: record("repayment", "1", by=world.officer))
    refused("not_found", lambda: record("repayment", "1", by=world.producer_b))
    assert RevolvingFundEntry.objects.count() == 3
    record("loan", "80000")
    assert revolving_fund_balance(fund) == D("0")


def test_repayments_feed_the_revolving_fund_indicator_of_the_period(world, active):
    report = first_report(active)
    revolving_fund_record(
        organization=world.org_a,
        by=world.producer,
        kind="repayment",
        amount="75000",
        occurred_on=timezone.localdate(),
    )
    _reports, rows = indicator_table(active.alliance)
    row = next(r for r in rows if r.indicator.code == "revolving_repayments")
    assert (row.cells[report.pk].value, row.to_date) == (D("75000"), D("75000"))


def test_buyers_do_not_see_monitoring_reports(world, active):
    assert monitoring_reports_visible_to(world.buyer_user).count() == 0
    assert monitoring_reports_visible_to(world.producer).count() == 20
    assert monitoring_reports_visible_to(world.producer_b).count() == 0
    assert monitoring_reports_visible_to(world.funder_user).count() == 20
    assert monitoring_reports_visible_to(world.regional_officer).count() == 0


def test_completing_ends_the_schedule_with_a_closing_note(world):
    plan = world.build(PlanStatus.MONITORING)
    refused("invalid", lambda: plan_complete(plan=plan, by=world.me_officer, comment=" "))
    refused("forbidden", lambda: plan_complete(plan=plan, by=world.officer, comment="Done"))
    assert plan.alliance.monitoring_reports.count() == 20
    with freeze_time(timezone.localdate() + datetime.timedelta(days=100)):
        plan_complete(plan=plan, by=world.me_officer, comment="Sales sustained; closing.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    # The first two quarters had started: they stay; the others are dropped.
    assert plan.alliance.monitoring_reports.count() == 2
    log = TransitionLog.objects.filter(transition="complete").get()
    assert log.comment == "Sales sustained; closing."
    assert MonitoringReport.objects.filter(alliance=plan.alliance, status="due").count() == 2


def test_cancelling_drops_the_reports_of_periods_not_started(world):
    plan = world.build(PlanStatus.ACTIVE)
    with freeze_time(timezone.localdate() + datetime.timedelta(days=200)):
        plan_cancel(plan=plan, by=world.officer, comment="The buyer left the alliance.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    # Day 200 falls in the third quarter: three reports stay, none is due after it.
    assert plan.alliance.monitoring_reports.count() == 3


def test_units_of_values_follow_the_agreement_then_the_product(world, client):
    plan = world.build(PlanStatus.ACTIVE)  # agreement in kg
    world.product.unit = "bag"
    world.product.save()
    draft = world.build(PlanStatus.DRAFT, org=world.org_b)  # no agreement yet
    assert (volume_unit(plan.alliance), volume_unit(draft.alliance)) == ("kg", "bag")
    units = {"currency": "XOF", "volume_unit": volume_unit(plan.alliance)}
    by_code = {i.code: i.unit_for(**units) for i in indicators_for(plan.alliance)}
    assert (by_code["sales_volume"], by_code["sales_value"], by_code["yield"]) == (
        "kg",
        "XOF",
        "t/ha",
    )
    client.force_login(world.producer)
    page = client.get(f"/monitoring/reports/{first_report(plan).pk}/").content.decode()
    assert "Sales volume to the buyer (kg)" in page
    assert "Sales value to the buyer (XOF)" in page
