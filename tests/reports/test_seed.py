"""seed_portfolio: a portfolio over every plan state whose rows keep the invariants the
services keep (monitoring schedule and reports included). (load_demo's finished report of
each kind: tests/test_demo.py.)"""

import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from alliances.models import Alliance, Delivery, Member
from core.dates import add_months
from core.money import is_whole_in
from demo.seeding import COMMITTED, SIGNED, seed_portfolio
from funding.models import GrantCommitment, Payment, Program, PurchaseAgreement, Tranche
from funding.selectors import commitment_net_paid
from monitoring.models import Indicator, IndicatorValue, MonitoringReport
from monitoring.selectors import computed_values, indicators_for
from plans.models import BusinessPlan, PlanStatus, PlanVersion, TransitionLog
from plans.workflow import plan_content_problems

pytestmark = pytest.mark.django_db


def test_seed_portfolio_covers_every_state_and_keeps_the_invariants(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_portfolio", "--alliances", "60", stdout=out)
    assert "Seeded 60 alliances in" in out.getvalue()
    assert Alliance.objects.count() == 60
    assert set(BusinessPlan.objects.values_list("status", flat=True)) == set(PlanStatus.values)
    assert (
        Member.objects.values("organization").annotate(n=Count("id")).filter(n__lt=12).count() == 0
    )

    for plan in BusinessPlan.objects.select_related("alliance__program"):
        version = plan.versions.order_by("number").first()
        program = plan.alliance.program
        assert plan_content_problems(version, program) == [], plan.alliance.code
        has_commitment = GrantCommitment.objects.filter(plan=plan).exists()
        assert has_commitment == (plan.status in COMMITTED), plan.status
        assert (
            PurchaseAgreement.objects.filter(alliance=plan.alliance, status="confirmed").exists()
            or plan.status not in SIGNED
        )
        assert Delivery.objects.filter(alliance=plan.alliance).exists() == (plan.status in SIGNED)
    assert not PlanVersion.objects.filter(plan__status="draft", frozen_at__isnull=False).exists()

    for commitment in GrantCommitment.objects.select_related("plan", "program"):
        tranches = list(commitment.tranches.all())
        status = commitment.plan.status
        if status in SIGNED:
            assert sum(t.amount for t in tranches) == commitment.amount
        paid = commitment_net_paid(commitment)
        assert paid <= commitment.amount
        if status in (PlanStatus.MONITORING, PlanStatus.COMPLETED):
            assert paid == commitment.amount
        if status == PlanStatus.CANCELLED:
            assert commitment.released_amount == commitment.amount - paid
        assert is_whole_in(commitment.amount, commitment.program.currency)
    assert not Tranche.objects.filter(status="paid", payments__isnull=True).exists()
    assert not Tranche.objects.exclude(status="planned").filter(evidence__isnull=True).exists()
    for program in Program.objects.all():
        assert program.committed <= program.total_budget

    # Again: 20 more alliances, numbered after the first ones, budgets resized.
    call_command("seed_portfolio", "--alliances", "20", stdout=StringIO())
    assert Alliance.objects.count() == 80
    assert Alliance.objects.values("code").distinct().count() == 80
    for program in Program.objects.all():
        assert program.committed <= program.total_budget
    assert (
        Payment.objects.filter(kind="reversal").count()
        == Payment.objects.filter(reference__endswith="-B").count()
    )


def _log_date(alliance, transition) -> datetime.date | None:
    log = TransitionLog.objects.filter(alliance=alliance, transition=transition).first()
    return timezone.localdate(log.at) if log else None


def test_seed_portfolio_monitoring_keeps_the_schedule_and_report_rules():
    R = MonitoringReport.Status
    today = timezone.localdate()
    seed_portfolio(120, seed=7)
    report_type = ContentType.objects.get_for_model(MonitoringReport)
    statuses = Counter()
    overdue = 0
    for plan in BusinessPlan.objects.select_related("alliance__program"):
        alliance, program = plan.alliance, plan.alliance.program
        reports = list(alliance.monitoring_reports.order_by("period_start"))
        if plan.status not in SIGNED:
            assert reports == [], plan.status
            continue
        # The schedule, period by period, from the signing date (the day the first
        # tranche was planned, and the day the signing was logged).
        signed = _log_date(alliance, "sign_agreement")
        first_tranche = plan.commitment.tranches.get(number=1)
        assert first_tranche.planned_date == signed
        months = program.monitoring_period_months
        horizon = plan.current_version.horizon_years * 12
        expected = []
        for offset in range(0, horizon, months):
            start = add_months(signed, offset)
            end = add_months(signed, offset + months) - datetime.timedelta(days=1)
            expected.append((start, end, end + datetime.timedelta(days=program.report_grace_days)))
        completed = _log_date(alliance, "complete")
        assert (completed is not None) == (plan.status == PlanStatus.COMPLETED)
        if completed is not None:
            assert completed <= today
            # No report for the periods that start after completion; none after it was
            # delivered either.
            expected = [p for p in expected if p[0] <= completed]
            assert all(r.period_start <= completed for r in reports)
            assert not alliance.deliveries.filter(delivered_on__gt=completed).exists()
        assert [(r.period_start, r.period_end, r.due_on) for r in reports] == expected
        # One report per period, without gap or overlap.
        for before, after in zip(reports, reports[1:], strict=False):
            assert after.period_start == before.period_end + datetime.timedelta(days=1)

        active = {i.pk: i for i in indicators_for(alliance)}
        reported = {pk for pk, i in active.items() if not i.is_computed}
        confirmed = list(alliance.deliveries.filter(status="confirmed"))
        for report in reports:
            statuses[report.status] += 1
            overdue += report.is_overdue
            values = {v.indicator_id: v for v in report.values.all()}
            if report.period_end >= today:
                assert report.status == R.DUE  # periods under way or to come
            if report.status == R.DUE:
                assert values == {} and report.submitted_at is None
                continue
            assert report.submitted_at and report.narrative
            if report.status == R.ACCEPTED:
                assert report.reviewed_at >= report.submitted_at
                assert set(values) == set(active)
                # Computed figures: the confirmed deliveries dated in the period.
                inside = [
                    d
                    for d in confirmed
                    if report.period_start <= d.delivered_on <= report.period_end
                ]
                volume = sum((d.volume for d in inside), Decimal(0))
                value = sum((d.volume * d.unit_price for d in inside), Decimal(0))
                by_code = {active[pk].code: v.value for pk, v in values.items()}
                assert by_code["sales_volume"] == volume
                assert by_code["sales_value"] == value.quantize(Decimal("0.01"))
                assert by_code["revolving_repayments"] == 0
                stored = {i.pk: v for i, v in computed_values(report).items()}
                assert {pk: values[pk].value for pk in stored} == stored
            else:
                assert set(values) == reported  # computed ones are stored at acceptance
            assert (
                TransitionLog.objects.filter(
                    content_type=report_type, object_id=report.pk, transition="report_submit"
                ).count()
                == 1
            )
            if report.status == R.RETURNED:
                assert report.return_reason
    # Every state of a report occurs, overdue ones too.
    assert set(statuses) == set(R.values), statuses
    assert overdue > 0
    assert statuses[R.ACCEPTED] > statuses[R.SUBMITTED] + statuses[R.RETURNED]

    for v in IndicatorValue.objects.select_related("indicator"):
        assert v.value >= 0
        assert (v.women is not None) == v.indicator.by_sex
        assert (v.youth is not None) == v.indicator.by_youth
        if v.women is not None:
            assert v.women <= v.value
        if v.youth is not None:
            assert v.youth <= v.value
    # The catalogue is there (seeded first) and every accepted report has a "members"
    # figure for the dashboard.
    assert Indicator.objects.filter(code="members", active=True).exists()
    assert (
        not MonitoringReport.objects.filter(status=R.ACCEPTED)
        .exclude(values__indicator__code="members")
        .exists()
    )


def test_seed_portfolio_refuses_a_production_database(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_portfolio", "--alliances", "5", stdout=StringIO())
    assert Alliance.objects.count() == 0
