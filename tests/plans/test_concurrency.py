"""Concurrent attempts on real PostgreSQL (DESIGN.md §3, §4): two committees approving at
once never commit more than the budget; a transition fired twice at once happens once; a
tranche paid twice at once is paid once. Each thread has its own database connection."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.policy import ActionRefused
from funding import services as money
from funding.models import GrantCommitment, Payment, ProgramFunding, Tranche
from plans import services
from plans.models import BusinessPlan, PlanStatus, TransitionLog
from tests.plans.support import authorize, tranches_of

D = Decimal
S = PlanStatus

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, action) -> list[tuple]:
    """Run `action(i)` in `count` threads released together; the outcome of each."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple] = [("not run",)] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            action(i)
            outcomes[i] = ("ok",)
        except ActionRefused as refusal:
            outcomes[i] = ("refused", refusal.code, refusal.reasons)
        except Exception as error:  # reported by the assertions below
            outcomes[i] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_concurrent_approvals_never_exceed_the_budget(world):
    plans = [world.build(S.COMMITTEE) for _ in range(4)]
    ProgramFunding.objects.filter(program=world.program).update(amount=D("20000000"))

    def approve(i: int) -> None:
        plan = BusinessPlan.objects.get(pk=plans[i].pk)
        committee = User.objects.get(pk=world.committee.pk)
        services.plan_approve(plan=plan, by=committee, approved_grant=D("14000000"))

    outcomes = race(4, approve)

    assert sorted(o[0] for o in outcomes) == ["ok", "refused", "refused", "refused"]
    refusal = (
        "refused",
        "conflict",
        (
            "The programme has XOF\u00a06,000,000 of its budget left; a grant of "
            "XOF\u00a014,000,000 would exceed it by XOF\u00a08,000,000.",
        ),
    )
    assert [o for o in outcomes if o[0] != "ok"] == [refusal] * 3
    assert GrantCommitment.objects.count() == 1
    assert world.program.committed == D("14000000")
    assert world.program.committed <= world.program.total_budget == D("20000000")
    statuses = sorted(BusinessPlan.objects.values_list("status", flat=True))
    assert statuses == [S.APPROVED, S.COMMITTEE, S.COMMITTEE, S.COMMITTEE]
    winner = plans[[o[0] for o in outcomes].index("ok")]
    assert GrantCommitment.objects.get().plan_id == winner.pk
    assert TransitionLog.objects.filter(transition="approve").count() == 1


def test_the_same_transition_fired_five_times_at_once_happens_once(world):
    plan = world.build(S.SUBMITTED)

    def start(_i: int) -> None:
        officer = User.objects.get(pk=world.officer.pk)
        services.plan_start_screening(plan=BusinessPlan.objects.get(pk=plan.pk), by=officer)

    outcomes = race(5, start)

    assert sorted(o[0] for o in outcomes) == ["ok", "refused", "refused", "refused", "refused"]
    assert [o for o in outcomes if o[0] != "ok"] == [
        (
            "refused",
            "wrong_state",
            ("“Start screening” is not possible for a plan at the “Screening” stage.",),
        )
    ] * 4
    plan.refresh_from_db()
    assert plan.status == S.SCREENING
    assert TransitionLog.objects.filter(transition="start_screening").count() == 1


def test_a_tranche_paid_ten_times_at_once_is_paid_once(world):
    plan = world.build(S.ACTIVE)
    first = tranches_of(plan)[0]
    authorize(world, first)

    def pay(i: int) -> None:
        money.tranche_pay(
            tranche=Tranche.objects.get(pk=first.pk),
            by=User.objects.get(pk=world.finance.pk),
            amount=first.amount,
            paid_on=timezone.localdate(),
            reference=f"TR-{i:04d}",
        )

    outcomes = race(10, pay)

    assert sorted(o[0] for o in outcomes) == ["ok"] + ["refused"] * 9
    assert [o for o in outcomes if o[0] != "ok"] == [
        (
            "refused",
            "wrong_state",
            ("Tranche 1 is paid; it cannot be sent to “record a payment”.",),
        )
    ] * 9
    payment = Payment.objects.get()
    assert (payment.tranche_id, payment.amount) == (first.pk, D("4666666"))
    first.refresh_from_db()
    plan.refresh_from_db()
    assert (first.status, plan.status) == (Tranche.Status.PAID, S.ACTIVE)
    assert TransitionLog.objects.filter(transition="tranche_pay").count() == 1
