"""The dashboard's summary (monitoring/figures.py): refreshed after a step commits, never
inside it; rebuilt whole by a command and at the end of seed_portfolio; "committed over
time" dated by the commitments; each region once."""

from decimal import Decimal as D
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from accounts.models import Role
from alliances.models import Alliance
from core.models import OutboxMessage
from core.outbox import deliver
from demo.seeding import seed_portfolio
from funding.models import GrantCommitment, Payment
from monitoring.dashboard import portfolio
from monitoring.figures import portfolio_figures_rebuild
from monitoring.models import PortfolioSlice, PortfolioStage
from plans.models import PlanStatus
from tests.factories import UserFactory, member_of, pay_tranche

URL = reverse("monitoring:dashboard")
REFRESH = "monitoring.tasks.refresh_portfolio_figures"


def fresh(user):
    """The user read again: the policy caches its scope on the user object."""
    return type(user).objects.get(pk=user.pk)


def ledger(program_id: int) -> tuple[D, D]:
    """Committed and paid in a programme, straight from the commitments and payments."""
    committed = sum(
        (
            c.amount - c.released_amount
            for c in GrantCommitment.objects.filter(program_id=program_id)
        ),
        D(0),
    )
    paid = sum(
        (
            -p.amount if p.kind == Payment.Kind.REVERSAL else p.amount
            for p in Payment.objects.filter(tranche__commitment__program_id=program_id)
        ),
        D(0),
    )
    return committed, paid


def money_of(user, program) -> tuple[D, D]:
    rows = {m.program.id: (m.committed, m.paid) for m in portfolio(fresh(user)).money}
    return rows.get(program.pk, (D(0), D(0)))


def test_a_paid_tranche_shows_once_the_payment_is_committed(
    world, django_capture_on_commit_callbacks
):
    w = world
    plan = w.build(PlanStatus.ACTIVE)
    portfolio_figures_rebuild()
    assert money_of(w.officer, w.program) == (D("14000000"), D(0)) == ledger(w.program.pk)
    tranche = plan.commitment.tranches.order_by("number").first()

    with django_capture_on_commit_callbacks(execute=True):
        pay_tranche(w, tranche, producer=w.producer, reference="PAY-1")

    assert ledger(w.program.pk) == (D("14000000"), tranche.amount)
    assert money_of(w.officer, w.program) == ledger(w.program.pk)
    p = portfolio(fresh(w.officer))
    assert (p.alliance_count, {r.key: r.count for r in p.by_stage}[PlanStatus.ACTIVE]) == (1, 1)


def test_a_plan_that_moves_leaves_its_old_stage(world, django_capture_on_commit_callbacks):
    w = world
    plan = w.build(PlanStatus.SUBMITTED)
    portfolio_figures_rebuild()
    counts = {r.key: r.count for r in portfolio(fresh(w.officer)).by_stage}
    assert (counts[PlanStatus.SUBMITTED], counts[PlanStatus.SCREENING]) == (1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        w.builder.step(plan, "start_screening", w.producer)

    counts = {r.key: r.count for r in portfolio(fresh(w.officer)).by_stage}
    assert (counts[PlanStatus.SUBMITTED], counts[PlanStatus.SCREENING]) == (0, 1)


def test_a_failed_refresh_never_fails_the_step_and_follows_later(
    world, django_capture_on_commit_callbacks
):
    w = world
    plan = w.build(PlanStatus.ACTIVE)
    portfolio_figures_rebuild()
    tranche = plan.commitment.tranches.order_by("number").first()
    OutboxMessage.objects.filter(task=REFRESH).delete()  # those of the build, never sent

    with (
        mock.patch(
            "monitoring.tasks.portfolio_figures_refresh",
            side_effect=OperationalError("database restarting"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        payment = pay_tranche(w, tranche, producer=w.producer, reference="PAY-1")

    assert payment.amount == tranche.amount  # the payment is recorded
    assert money_of(w.officer, w.program) == (D("14000000"), D(0))  # the figure lags
    pending = OutboxMessage.objects.filter(task=REFRESH, sent_at=None)
    assert pending.count() == 4  # request, verify, authorize, pay
    for message in pending:
        deliver(message.pk)  # what the sweep does
    assert money_of(w.officer, w.program) == (D("14000000"), tranche.amount)


def test_seeded_portfolio_dashboard_equals_its_ledger(world):
    national = UserFactory(username="national_me")
    member_of(national, Role.ME_OFFICER)
    seed_portfolio(40, seed=7)  # rebuilds the figures at its end
    p = portfolio(fresh(national))
    assert p.alliance_count == Alliance.objects.count() == 40
    for m in p.money:
        assert (m.committed, m.paid) == ledger(m.program.id)

    # Committed over time, by the commitments' dates: a payment never precedes its
    # commitment, so at the end of every quarter the paid stays within the committed.
    (series,) = p.money_over_time
    assert len(series.quarters) > 4
    for committed, paid in zip(series.committed, series.paid, strict=True):
        assert paid <= committed
    assert series.committed[-1] == sum((t.committed for t in p.money_totals), D(0))
    first = min(GrantCommitment.objects.values_list("committed_at", flat=True))
    assert series.quarters[0].year == first.year
    assert (series.quarters[0].month - 1) // 3 == (first.month - 1) // 3


def test_each_region_once_after_seeding_beside_the_demo_regions(world):
    # world's "Alibori" (Benin) stands for load_demo's region of that name.
    seed_portfolio(40, seed=3)
    p = portfolio(fresh(world.officer))
    labels = [c.label for c in p.regions]
    assert len(labels) == len(set(labels))
    assert [r.label for r in p.by_region].count("Alibori") <= 1
    assert "Alibori" in labels
    assert Alliance.objects.filter(region=world.region_a).exists()


def test_rebuild_command_recomputes_rows_written_directly(world, client):
    w = world
    w.build(PlanStatus.DRAFT)
    assert not PortfolioStage.objects.exists()  # a proposal takes no step
    out = StringIO()
    call_command("rebuild_portfolio_figures", stdout=out)
    assert "1 slices" in out.getvalue()
    client.force_login(w.officer)
    response = client.get(URL)
    assert response.context["portfolio"].alliance_count == 1
    assert 'id="figures-time"' in response.content.decode()

    Alliance.objects.all().update(region=w.region_b)  # moved in the admin
    call_command("rebuild_portfolio_figures", stdout=StringIO())
    assert [s.region_id for s in PortfolioSlice.objects.all()] == [w.region_b.pk]
    p = portfolio(fresh(w.officer))
    assert [(r.label, r.count) for r in p.by_region] == [("Zou", 1)]
