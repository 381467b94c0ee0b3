"""The money rules this issue adds to the services: evidence before a request, the
monitoring report before the next tranche, counterpart contributions, the checklist only
between approval and signing, reversals and cancellation to the cent, and the database
constraints that hold the same invariants."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Role
from funding import services as money
from funding.models import CounterpartContribution, GrantCommitment, Payment, Tranche
from funding.selectors import alliance_ledger, counterpart_by_kind
from monitoring.models import MonitoringReport
from plans import services
from plans.documents import document_upload
from plans.models import PlanDocument, PlanStatus
from tests.factories import ProgramFactory, UserFactory, attach_evidence, member_of
from tests.plans.support import refused

from .support import days_ago, exe, pdf, snapshot, to_status, tranches

D = Decimal
S = PlanStatus
# Most tests begin with a plan in this status: built once for the module.
pytestmark = pytest.mark.prebuilt(S.ACTIVE)


# --- evidence ------------------------------------------------------------------------------


def test_a_request_needs_evidence(world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    before = snapshot(plan)

    error = refused(lambda: money.tranche_request(tranche=first, by=world.producer), "conflict")

    assert error.reasons == ("Attach at least one evidence document before requesting tranche 1.",)
    assert snapshot(plan) == before
    document = attach_evidence(first, by=world.ta, title="Counterpart deposit slip")
    assert (document.kind, document.tranche, document.uploaded_by) == ("evidence", first, world.ta)
    money.tranche_request(tranche=first, by=world.ta)
    assert (first.status, first.requested_by) == ("requested", world.ta)


@pytest.mark.parametrize(
    ("who", "code", "reason"),
    [
        ("officer", "forbidden", "Only a producer organization representative or technical "
         "assistance provider of this alliance may attach evidence."),
        ("producer_b", "not_found", "You do not have access to this alliance."),
        ("buyer_user", "forbidden", "Only a producer organization representative or technical "
         "assistance provider of this alliance may attach evidence."),
    ],
)  # fmt: skip
def test_evidence_by_the_wrong_person_is_refused(world, who, code, reason):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    before = snapshot(plan)

    error = refused(lambda: attach_evidence(first, by=getattr(world, who)), code)

    assert error.reasons == (reason,)
    assert snapshot(plan) == before


def test_evidence_is_frozen_once_the_tranche_is_requested(world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "requested")
    before = snapshot(plan)

    error = refused(lambda: attach_evidence(first, by=world.producer), "wrong_state")

    assert error.reasons == ("Tranche 1 is requested: its evidence can no longer change.",)
    assert snapshot(plan) == before


def test_no_evidence_while_the_alliance_is_suspended(world):
    plan = world.build(S.SUSPENDED)
    first = tranches(plan)[0]
    before = snapshot(plan)

    error = refused(lambda: attach_evidence(first, by=world.producer), "conflict")

    assert error.reasons == ("The alliance is suspended: its tranches are frozen.",)
    assert snapshot(plan) == before


def test_evidence_of_another_plans_tranche_is_not_found(world):
    plan = world.build(S.ACTIVE)
    other = world.build(S.ACTIVE)

    error = refused(
        lambda: document_upload(
            plan=plan,
            by=world.producer,
            kind="evidence",
            title="x",
            upload=pdf(),
            tranche=tranches(other)[0],
        ),
        "not_found",
    )
    assert error.reasons == ("No such tranche.",)
    assert not PlanDocument.objects.filter(kind="evidence", tranche__isnull=False).exists()


def test_a_disguised_executable_is_not_evidence(world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]

    error = refused(
        lambda: document_upload(
            plan=plan, by=world.producer, kind="evidence", title="x", upload=exe(), tranche=first
        ),
        "invalid",
    )
    assert error.fields == {
        "file": [
            "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
            "whatever its name says."
        ]
    }
    assert not first.evidence.exists()


# --- the monitoring report due since the previous payment ------------------------------


def _pay_first(world, plan, paid_on):
    first = to_status(world, tranches(plan)[0], "authorized")
    money.tranche_pay(
        tranche=first, by=world.finance, amount=first.amount, paid_on=paid_on, reference="TR-1"
    )
    second = tranches(plan)[1]
    attach_evidence(second, by=world.producer)
    return second


def _report(alliance, due_on, status="due", start=None):
    start = start or due_on.replace(day=1)
    return MonitoringReport.objects.create(
        alliance=alliance, period_start=start, period_end=due_on, due_on=due_on, status=status
    )


def test_next_tranche_waits_for_the_report_due_since_the_payment(world):
    plan = world.build(S.ACTIVE)
    second = _pay_first(world, plan, days_ago(60))
    report = _report(plan.alliance, days_ago(30))
    _report(plan.alliance, days_ago(90), start=days_ago(120))  # due before the payment
    _report(plan.alliance, days_ago(-10), start=days_ago(5))  # not due yet
    other = world.build(S.ACTIVE, org=world.org_b)
    _report(other.alliance, days_ago(20))  # another alliance's
    before = snapshot(plan)

    for status in ("due", "submitted", "returned"):
        MonitoringReport.objects.filter(pk=report.pk).update(status=status)
        error = refused(
            lambda: money.tranche_request(tranche=second, by=world.producer), "conflict"
        )
        assert error.reasons == (
            f"The monitoring report due on {date_format(days_ago(30), 'DATE_FORMAT')} must be "
            "accepted before tranche 2 is requested.",
        )
        assert snapshot(plan) == before

    MonitoringReport.objects.filter(pk=report.pk).update(status="accepted")
    money.tranche_request(tranche=second, by=world.producer)
    assert second.status == "requested"


def test_every_report_due_since_is_named(world):
    plan = world.build(S.ACTIVE)
    second = _pay_first(world, plan, days_ago(100))
    _report(plan.alliance, days_ago(70), start=days_ago(100))
    _report(plan.alliance, days_ago(0), start=days_ago(30))  # due today counts
    error = refused(lambda: money.tranche_request(tranche=second, by=world.producer), "conflict")
    dates = ", ".join(date_format(d, "DATE_FORMAT") for d in (days_ago(70), days_ago(0)))
    assert error.reasons == (
        f"The monitoring reports due on {dates} must be accepted before tranche 2 is requested.",
    )


def test_the_report_gate_counts_from_the_payment_that_stands(world):
    """A reversed payment does not count: the report window starts at the new payment."""
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    wrong = money.tranche_pay(
        tranche=first, by=world.finance, amount=first.amount, paid_on=days_ago(50), reference="A"
    )
    money.payment_reverse(payment=wrong, by=world.finance, reason="Wrong account.")
    money.tranche_pay(
        tranche=first, by=world.finance, amount=first.amount, paid_on=days_ago(10), reference="B"
    )
    _report(plan.alliance, days_ago(30))  # due after the reversed payment only
    second = tranches(plan)[1]
    attach_evidence(second, by=world.producer)
    money.tranche_request(tranche=second, by=world.producer)
    assert second.status == "requested"


# --- counterpart contributions -----------------------------------------------------------


def _record(world, plan, by=None, **changes):
    fields = {
        "kind": "producer_cash",
        "amount": D("1500000"),
        "contributed_on": days_ago(3),
        "description": "Members' first cash deposit",
        "upload": pdf("slip.pdf"),
    }
    fields.update(changes)
    return money.contribution_record(plan=plan, by=by or world.producer, **fields)


def test_contribution_recorded_with_evidence_then_verified(world):
    plan = world.build(S.APPROVED)
    contribution = _record(world, plan)
    assert (
        contribution.kind,
        contribution.amount,
        contribution.status,
        contribution.recorded_by,
    ) == ("producer_cash", D("1500000"), "recorded", world.producer)
    [document] = contribution.evidence.all()
    assert (document.kind, document.title, document.original_name) == (
        "evidence",
        "Members' first cash deposit",
        "slip.pdf",
    )
    money.contribution_verify(contribution=contribution, by=world.officer, comment="Slip seen.")
    assert (contribution.status, contribution.verified_by) == ("verified", world.officer)
    assert [(r.kind, r.planned, r.recorded, r.verified) for r in counterpart_by_kind(plan)] == [
        ("producer_cash", D("3000000"), D("1500000"), D("1500000")),
        ("producer_in_kind", D("1000000"), D("0"), D("0")),
        ("buyer", D("2000000"), D("0"), D("0")),
    ]
    ledger = alliance_ledger(plan)
    assert (ledger.counterpart_planned, ledger.counterpart_verified) == (
        D("6000000"),
        D("1500000"),
    )
    log = plan.alliance.transition_logs.order_by("id").values_list(
        "transition", "to_state", "actor"
    )
    assert list(log)[-2:] == [
        ("contribution_record", "recorded", world.producer.pk),
        ("contribution_verify", "verified", world.officer.pk),
    ]


def test_contribution_with_bad_input_saves_nothing(world):
    plan = world.build(S.ACTIVE)
    before = snapshot(plan)
    error = refused(
        lambda: _record(
            world,
            plan,
            kind="credit",
            amount="12.5",
            contributed_on=days_ago(-1),
            description="  ",
            upload=exe(),
        ),
        "invalid",
    )
    assert error.fields == {
        "kind": ["Choose producer cash, producer in kind or buyer."],
        "amount": ["XOF amounts cannot be finer than its minor unit."],
        "contributed_on": ["Give the date of the contribution; not in the future."],
        "description": ["Say what was contributed."],
        "file": [
            "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
            "whatever its name says."
        ],
    }
    error = refused(lambda: _record(world, plan, amount="0", upload=None), "invalid")
    assert error.fields == {
        "amount": ["Enter an amount greater than zero."],
        "file": ["Attach the evidence: a receipt, a bank slip, a photo."],
    }
    assert snapshot(plan) == before


@pytest.mark.parametrize(
    ("status", "who", "code", "reason"),
    [
        (S.ACTIVE, "officer", "forbidden", "Only a producer organization representative or "
         "technical assistance provider of this alliance may record a counterpart contribution."),
        (S.ACTIVE, "producer_b", "not_found", "You do not have access to this alliance."),
        (S.COMMITTEE, "producer", "conflict", "Counterpart contributions are recorded and "
         "verified while the alliance is approved, active or in monitoring; it is committee "
         "decision."),
        (S.CANCELLED, "ta", "conflict", "Counterpart contributions are recorded and verified "
         "while the alliance is approved, active or in monitoring; it is cancelled."),
    ],
)  # fmt: skip
def test_contribution_refusals_change_nothing(world, status, who, code, reason):
    plan = world.build(status)
    before = snapshot(plan)
    error = refused(lambda: _record(world, plan, by=getattr(world, who)), code)
    assert error.reasons == (reason,)
    assert snapshot(plan) == before


def test_verification_refusals_change_nothing(world):
    plan = world.build(S.ACTIVE)
    contribution = _record(world, plan)
    before = snapshot(plan)
    for who, code, reason in (
        (world.producer, "forbidden", "Only a programme officer of this alliance may verify a "
         "counterpart contribution."),
        (world.finance, "forbidden", "Only a programme officer of this alliance may verify a "
         "counterpart contribution."),
        (world.regional_officer, "not_found", "You do not have access to this alliance."),
    ):  # fmt: skip
        error = refused(
            lambda u=who: money.contribution_verify(contribution=contribution, by=u), code
        )
        assert error.reasons == (reason,)
    assert snapshot(plan) == before
    money.contribution_verify(contribution=contribution, by=world.officer)
    before = snapshot(plan)
    error = refused(
        lambda: money.contribution_verify(contribution=contribution, by=world.officer),
        "wrong_state",
    )
    assert error.reasons == ("This contribution is already verified.",)
    assert snapshot(plan) == before


# --- the legalization checklist --------------------------------------------------------------


def test_checklist_only_between_approval_and_signing(world):
    plan = world.build(S.ACTIVE)
    requirement = world.program.legalization_requirements.first()
    plan.alliance.legalization_checks.all().delete()
    error = refused(
        lambda: money.legalization_check_record(
            alliance=plan.alliance, requirement=requirement, by=world.officer
        ),
        "wrong_state",
    )
    assert error.reasons == (
        "The legalization checklist is completed between approval and signing.",
    )
    assert not plan.alliance.legalization_checks.exists()


# --- reversals and cancellation, to the cent ---------------------------------------------


@pytest.fixture
def usd_world(world):
    """The same personas on a programme in US dollars (two decimals) with odd cents."""
    program = ProgramFactory(currency="USD", max_grant_per_alliance=D("100000"))
    program.eligible_regions.set([world.region_a, world.region_b])
    program.eligible_value_chains.set([world.product.value_chain])
    world.program = program
    return world


def test_reversal_restores_the_balance_to_the_cent(usd_world):
    w = usd_world
    plan = w.build(S.COMMITTEE, grant=D("10000.10"))
    services.plan_approve(plan=plan, by=w.committee, approved_grant=D("10000.10"))
    w.builder.step(plan, "agree", w.producer)
    w.builder.step(plan, "deposit", w.producer)
    services.plan_sign_agreement(plan=plan, by=w.officer)
    first, second, third = tranches(plan)
    assert [first.amount, second.amount, third.amount] == [
        D("3333.36"),
        D("3333.36"),
        D("3333.38"),
    ]
    to_status(w, first, "paid")
    second = to_status(w, second, "paid")
    before = alliance_ledger(plan)
    assert (before.net_paid, before.remaining) == (D("6666.72"), D("3333.38"))
    payment = Payment.objects.get(tranche=second)

    money.payment_reverse(payment=payment, by=w.finance2, reason="Paid to a closed account.")

    after = alliance_ledger(plan)
    assert (after.paid, after.reversed, after.net_paid, after.remaining) == (
        D("6666.72"),
        D("3333.36"),
        D("3333.36"),
        D("6666.74"),
    )
    assert after.remaining - before.remaining == payment.amount == D("3333.36")
    second.refresh_from_db()
    assert second.status == Tranche.Status.AUTHORIZED
    money.tranche_pay(
        tranche=second,
        by=w.finance,
        amount=D("3333.36"),
        paid_on=timezone.localdate(),
        reference="TR-2-AGAIN",
    )
    assert alliance_ledger(plan).remaining == D("3333.38")


def test_cancel_releases_exactly_the_remaining_amount(world):
    plan = world.build(S.ACTIVE)
    first, second, _third = tranches(plan)
    to_status(world, first, "paid")
    to_status(world, second, "authorized")
    available = world.program.available
    assert alliance_ledger(plan).remaining == D("9333334")

    services.plan_cancel(plan=plan, by=world.officer, comment="The cooperative dissolved.")

    commitment = GrantCommitment.objects.get(plan=plan)
    assert commitment.released_amount == D("9333334")
    assert world.program.available - available == D("9333334")
    ledger = alliance_ledger(plan)
    assert (ledger.committed, ledger.released, ledger.net_paid, ledger.remaining) == (
        D("14000000"),
        D("9333334"),
        D("4666666"),
        D("0"),
    )
    before = snapshot(plan)
    error = refused(
        lambda: money.tranche_pay(
            tranche=second,
            by=world.finance,
            amount=second.amount,
            paid_on=timezone.localdate(),
            reference="LATE",
        ),
        "conflict",
    )
    assert error.reasons == ("The alliance is cancelled: its tranches are frozen.",)
    assert snapshot(plan) == before


def test_maker_checker_also_for_a_finance_officer_who_verifies(world):
    both = member_of(UserFactory(username="both"), Role.PROGRAMME_OFFICER)
    member_of(both, Role.FINANCE_OFFICER)
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "verified", verifier=both)
    decision = money.tranche_step_decision(both, plan, first, "authorize")
    assert (decision.allowed, decision.code, decision.reasons) == (
        False,
        "forbidden",
        ("You verified this tranche: another finance officer must authorize it.",),
    )
    assert money.tranche_step_decision(world.finance, plan, first, "authorize").allowed


# --- the same invariants, held by the database --------------------------------------------


def _violates(constraint, write):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        write()
    assert constraint in str(info.value)


def test_database_constraints_hold_the_money_invariants(world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "paid")
    commitment = plan.commitment
    _violates(
        "tranche_maker_checker",
        lambda: Tranche.objects.filter(pk=first.pk).update(authorized_by=first.verified_by),
    )
    _violates("tranche_amount_pos", lambda: Tranche.objects.filter(pk=first.pk).update(amount=0))
    _violates(
        "commitment_release_range",
        lambda: GrantCommitment.objects.filter(pk=commitment.pk).update(
            released_amount=commitment.amount + 1
        ),
    )
    _violates(
        "payment_amount_pos",
        lambda: Payment.objects.create(
            tranche=first,
            amount=0,
            paid_on=timezone.localdate(),
            reference="Z",
            recorded_by=world.finance,
        ),
    )
    _violates(
        "payment_unique_reference",
        lambda: Payment.objects.create(
            tranche=first,
            amount=1,
            paid_on=timezone.localdate(),
            reference=Payment.objects.get().reference,
            recorded_by=world.finance,
        ),
    )
    _violates(
        "payment_reversal_shape",
        lambda: Payment.objects.create(
            tranche=first,
            kind="reversal",
            amount=1,
            paid_on=timezone.localdate(),
            reference="R",
            recorded_by=world.finance,
        ),
    )
    _violates(
        "contribution_amount_pos",
        lambda: CounterpartContribution.objects.create(
            plan=plan,
            kind="buyer",
            amount=0,
            contributed_on=timezone.localdate(),
            description="x",
            recorded_by=world.producer,
        ),
    )
