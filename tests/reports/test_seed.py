"""seed_portfolio: a portfolio over every plan state whose rows keep the invariants the
services keep; and load_demo's finished report of each kind."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from alliances.models import Alliance, Delivery, Member, PurchaseAgreement
from funding.models import GrantCommitment, Payment, Program, Tranche
from funding.money import is_whole_in
from funding.selectors import commitment_net_paid
from plans.models import BusinessPlan, PlanStatus, PlanVersion
from plans.workflow import plan_content_problems
from reports.models import ReportJob
from reports.seeding import COMMITTED, SIGNED

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


def test_seed_portfolio_refuses_a_production_database(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_portfolio", "--alliances", "5", stdout=StringIO())
    assert Alliance.objects.count() == 0


def test_load_demo_leaves_a_ready_report_of_each_available_kind(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    jobs = ReportJob.objects.order_by("kind")
    assert [(j.kind, j.status, j.requester.username) for j in jobs] == [
        ("alliance_factsheet_pdf", "succeeded", "producer"),
        ("committee_dossier_pdf", "succeeded", "committee"),
        ("disbursement_ledger_csv", "succeeded", "finance"),
        ("disbursement_ledger_xlsx", "succeeded", "finance"),
        ("portfolio_pdf", "succeeded", "officer"),
        ("portfolio_xlsx", "succeeded", "funder"),
    ]
    assert all(j.file.storage.exists(j.file.name) for j in jobs)
    call_command("load_demo", stdout=StringIO())
    assert ReportJob.objects.count() == 6
