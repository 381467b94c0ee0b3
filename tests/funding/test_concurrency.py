"""Simultaneous money actions on real PostgreSQL, each thread with its own connection:
payments of different tranches never exceed the commitment, a contribution is verified
once, and a payment racing a suspension is either made before it or refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from funding import services as money
from funding.models import CounterpartContribution, GrantCommitment, Payment, Tranche
from funding.selectors import alliance_ledger, commitment_net_paid
from plans import services
from plans.models import BusinessPlan, PlanStatus, TransitionLog
from tests.plans.test_concurrency import race

from .support import days_ago, pdf, to_status, tranches

D = Decimal
S = PlanStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_payments_of_different_tranches_never_exceed_the_commitment(world):
    """Tranche 1 paid then reversed, tranche 2 authorized: both wait for payment at once.
    Ten finance attempts, five per tranche with their own references, pay each once."""
    plan = world.build(S.ACTIVE)
    first, second, third = tranches(plan)
    to_status(world, first, "paid")
    to_status(world, second, "authorized")
    money.payment_reverse(payment=Payment.objects.get(), by=world.finance, reason="Bounced.")
    assert list(Tranche.objects.order_by("number").values_list("status", flat=True)) == [
        "authorized",
        "authorized",
        "planned",
    ]

    def pay(i: int) -> None:
        tranche = Tranche.objects.get(pk=(first, second)[i % 2].pk)
        money.tranche_pay(
            tranche=tranche,
            by=User.objects.get(pk=world.finance.pk),
            amount=tranche.amount,
            paid_on=timezone.localdate(),
            reference=f"RACE-{i}",
        )

    outcomes = race(10, pay)

    assert sorted(o[0] for o in outcomes) == ["ok"] * 2 + ["refused"] * 8
    assert {o[1] for o in outcomes if o[0] == "refused"} == {"wrong_state"}
    commitment = GrantCommitment.objects.get(plan=plan)
    paid = commitment_net_paid(commitment)
    assert paid == first.amount + second.amount == D("9333332")
    assert paid <= commitment.amount
    assert Payment.objects.filter(kind="payment").count() == 3  # the reversed one and two new
    assert alliance_ledger(plan).remaining == third.amount == D("4666668")
    assert list(Tranche.objects.order_by("number").values_list("status", flat=True)) == [
        "paid",
        "paid",
        "planned",
    ]


def test_last_tranches_paid_at_once_finish_disbursement_once(world):
    """All three tranches authorized at once (after reversals), paid together: the plan
    moves to monitoring exactly once and the sum paid is the commitment."""
    plan = world.build(S.ACTIVE)
    first, second, third = tranches(plan)
    to_status(world, first, "paid")
    to_status(world, second, "paid")
    to_status(world, third, "authorized")
    for payment in Payment.objects.all():
        money.payment_reverse(payment=payment, by=world.finance, reason="Batch bounced.")

    def pay(i: int) -> None:
        tranche = Tranche.objects.get(pk=(first, second, third)[i % 3].pk)
        money.tranche_pay(
            tranche=tranche,
            by=User.objects.get(pk=world.finance.pk),
            amount=tranche.amount,
            paid_on=timezone.localdate(),
            reference=f"BATCH-{i}",
        )

    outcomes = race(9, pay)

    assert sorted(o[0] for o in outcomes) == ["ok"] * 3 + ["refused"] * 6
    commitment = GrantCommitment.objects.get(plan=plan)
    assert commitment_net_paid(commitment) == commitment.amount == D("14000000")
    assert BusinessPlan.objects.get(pk=plan.pk).status == S.MONITORING
    assert (
        TransitionLog.objects.filter(
            alliance=plan.alliance, transition="finish_disbursement"
        ).count()
        == 1
    )


def test_payment_racing_a_suspension_is_made_before_it_or_refused(world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")

    def act(i: int) -> None:
        if i == 0:
            services.plan_suspend(
                plan=BusinessPlan.objects.get(pk=plan.pk),
                by=User.objects.get(pk=world.officer.pk),
                comment="Audit.",
            )
        else:
            money.tranche_pay(
                tranche=Tranche.objects.get(pk=first.pk),
                by=User.objects.get(pk=world.finance.pk),
                amount=first.amount,
                paid_on=timezone.localdate(),
                reference=f"SUSP-{i}",
            )

    outcomes = race(4, act)

    assert outcomes[0] == ("ok",)
    log = list(
        TransitionLog.objects.filter(
            alliance=plan.alliance, transition__in=["suspend", "tranche_pay"]
        )
        .order_by("id")
        .values_list("transition", flat=True)
    )
    paid = Payment.objects.filter(tranche=first).count()
    assert paid in (0, 1)
    # A payment recorded is always logged before the suspension, never after it.
    assert log == (["tranche_pay", "suspend"] if paid else ["suspend"])
    assert BusinessPlan.objects.get(pk=plan.pk).status == S.SUSPENDED


def test_a_contribution_verified_twice_at_once_is_verified_once(world):
    plan = world.build(S.ACTIVE)
    contribution = money.contribution_record(
        plan=plan,
        by=world.producer,
        kind="producer_cash",
        amount=D("1000000"),
        contributed_on=days_ago(1),
        description="Deposit",
        upload=pdf(),
    )

    def verify(i: int) -> None:
        money.contribution_verify(
            contribution=CounterpartContribution.objects.get(pk=contribution.pk),
            by=User.objects.get(pk=world.officer.pk),
        )

    outcomes = race(5, verify)

    assert sorted(o[0] for o in outcomes) == ["ok"] + ["refused"] * 4
    assert (
        TransitionLog.objects.filter(
            transition="contribution_verify", object_id=contribution.pk
        ).count()
        == 1
    )
