"""Heavy reports read a fixed number of queries whatever the portfolio's size (issue 17):
the same count with 2 alliances as with 6, each alliance with tranches, payments,
monitoring reports, values, targets and deliveries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliances.deliveries import delivery_confirm, delivery_record
from funding.services import add_months
from monitoring import services as monitoring
from plans.models import PlanStatus
from reports.generators import KINDS
from reports.generators.base import Context, Progress
from reports.models import ReportJob, ReportKind
from tests.factories import fill_report, pay_tranche

pytestmark = pytest.mark.django_db
D = Decimal

KINDS_MEASURED = [
    ReportKind.INDICATORS_XLSX,
    ReportKind.DISBURSEMENT_LEDGER_XLSX,
    ReportKind.DISBURSEMENT_LEDGER_CSV,
    ReportKind.PORTFOLIO_XLSX,
    ReportKind.PORTFOLIO_PDF,
]


def add_alliance(world, org) -> None:
    """An active alliance with its first tranche paid, a year of quarterly reports (two
    accepted), baselines, targets and a confirmed delivery."""
    w = world
    plan = w.build(PlanStatus.ACTIVE, org=org)
    producer = w.producer if org == w.org_a else w.producer_b
    tranche = plan.commitment.tranches.get(number=1)
    pay_tranche(w, tranche, producer=producer, reference=f"PAY-{plan.pk}")
    today = timezone.localdate()
    alliance = plan.alliance
    monitoring.report_schedule_close(alliance=alliance, on=today - datetime.timedelta(1))
    monitoring.report_schedule_create(alliance=alliance, start=add_months(today, -9))
    reports = list(alliance.monitoring_reports.filter(period_start__lte=today))
    delivery = delivery_record(
        alliance=alliance,
        by=producer,
        delivered_on=reports[0].period_start + datetime.timedelta(days=10),
        volume=D("1000"),
        unit_price=D("250"),
    )
    delivery_confirm(delivery=delivery, by=w.buyer_user)
    monitoring.targets_save(
        alliance=alliance,
        by=w.me_officer,
        baselines={"yield": "1.5"},
        targets={"yield": {None: "2.5"}},
    )
    for report in reports[:2]:
        fill_report(report, by=producer, value="10")
        monitoring.report_submit(report=report, by=producer)
        monitoring.report_accept(report=report, by=w.me_officer)


def queries_of(world, kind, tmp_path) -> int:
    """The queries of one generator run for the national officer's whole portfolio (the
    job's progress bar, which writes at most 100 times, left out)."""
    job = ReportJob(kind=kind, parameters={}, requester=world.officer)
    ctx = Context(job, world.officer, Progress(lambda percent: None), "en", {})
    with CaptureQueriesContext(connection) as captured:
        KINDS[kind].generate(ctx, tmp_path / f"{kind}.{KINDS[kind].extension}")
    return len(captured)


def test_heavy_reports_read_a_fixed_number_of_queries(world, tmp_path):
    for org in (world.org_a, world.org_b):
        add_alliance(world, org)
    small = {kind: queries_of(world, kind, tmp_path) for kind in KINDS_MEASURED}
    for org in (world.org_a, world.org_b) * 2:
        add_alliance(world, org)
    large = {kind: queries_of(world, kind, tmp_path) for kind in KINDS_MEASURED}
    assert large == small
    # What they are: for the indicator table the survey, the catalogue, the programmes'
    # choices, the alliances and seven streams beside them, the reports; for the ledger
    # the count, the commitments, tranches, payments and cancellations.
    assert small[ReportKind.INDICATORS_XLSX] == 12
    assert small[ReportKind.DISBURSEMENT_LEDGER_XLSX] == 5
    assert small[ReportKind.DISBURSEMENT_LEDGER_CSV] == 5
