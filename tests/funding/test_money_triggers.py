"""PostgreSQL holds the money rules of §4 too (funding migration 0005), whatever writes."""

import importlib
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from funding.models import GrantCommitment, Payment, ProgramFunding, Tranche
from plans.models import PlanStatus

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)
D = Decimal


@pytest.fixture
def money_triggers(db):
    """Installed with the migration's own code, inside the test's transaction (rolled
    back afterwards): the suite builds its database without running migrations."""
    migration = importlib.import_module("funding.migrations.0005_money_invariants")
    with connection.schema_editor() as schema_editor:
        migration._run(migration.CREATE)(None, schema_editor)


def refused(write, match):
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        write()
        with connection.cursor() as cursor:  # fire the deferred checks now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_tranche_is_never_paid_more_than_its_amount(world, money_triggers):
    plan = world.build(PlanStatus.MONITORING)
    tranche = plan.commitment.tranches.get(number=1)
    refused(
        lambda: Payment.objects.create(
            tranche=tranche,
            amount=D("1"),
            paid_on=timezone.localdate(),
            reference="EXTRA-1",
            recorded_by=world.finance,
        ),
        "would be paid",
    )
    assert Payment.objects.filter(tranche=tranche).count() == 1


def test_a_reversal_must_match_the_payment_it_reverses(world, money_triggers):
    plan = world.build(PlanStatus.MONITORING)
    payment = Payment.objects.filter(tranche__commitment=plan.commitment).first()
    refused(
        lambda: Payment.objects.create(
            tranche=payment.tranche,
            kind=Payment.Kind.REVERSAL,
            amount=payment.amount - 1,
            paid_on=timezone.localdate(),
            reference="REV-1",
            reverses=payment,
            reason="x",
            recorded_by=world.finance,
        ),
        "reverse a payment of the same tranche",
    )


def test_commitments_never_exceed_the_budget(world, money_triggers):
    plan = world.build(PlanStatus.APPROVED)
    funding = ProgramFunding.objects.get(program=world.program)
    # 100,000,000 budget, 14,000,000 committed: lowering it under the commitments fails.
    refused(
        lambda: ProgramFunding.objects.filter(pk=funding.pk).update(amount=D("13999999")),
        "would commit",
    )
    refused(
        lambda: GrantCommitment.objects.filter(pk=plan.commitment.pk).update(amount=D("100000001")),
        "would commit",
    )
    ProgramFunding.objects.filter(pk=funding.pk).update(amount=D("14000000"))  # exactly fits


def test_tranches_add_up_to_the_commitment_at_commit(world, money_triggers):
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.get(number=3)
    refused(
        lambda: Tranche.objects.filter(pk=tranche.pk).update(amount=tranche.amount + 1), "add up to"
    )
    tranche.refresh_from_db()
    assert sum(t.amount for t in plan.commitment.tranches.all()) == plan.commitment.amount
