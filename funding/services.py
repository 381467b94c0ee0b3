"""Every movement of programme money (§4), one function per action.

Commitments reserve budget under a lock on the programme row, so two committees
approving at once can never commit more than the budget. Tranches move
planned -> requested -> verified -> authorized -> paid under a lock on the plan and the
tranche; three different people verify, authorize and pay each tranche; nothing is paid
while the alliance is suspended or cancelled; the sum paid never exceeds the commitment;
a payment is never edited, a correction is a reversal.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
    DateField,
    DateTimeField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    ALLOWED,
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    WRONG_STATE,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
)
from accounts.steps import Confirm, Step, StepTable, record_step, take_step
from core.dates import add_months, date_problem
from core.money import ZERO, format_money, is_whole_in, quantum
from plans.documents import document_upload, upload_problem
from plans.models import BusinessPlan, PlanDocument, PlanStatus
from plans.services import plan_finish_disbursement
from plans.workflow import parse_amount

from .models import (
    CounterpartContribution,
    GrantCommitment,
    LegalizationCheck,
    Payment,
    Program,
    Tranche,
)
from .selectors import commitment_net_paid, tranche_net_paid

# --- commitments -----------------------------------------------------------------------


def commitment_create(*, plan: BusinessPlan, amount: Decimal, by) -> GrantCommitment:
    """Reserve `amount` of the programme budget for `plan` (called by `plan_approve`)."""
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=plan.alliance.program_id)
        available = program.available
        if amount > available:
            raise ActionRefused(
                _(
                    "The programme has %(available)s of its budget left; a grant of %(grant)s "
                    "would exceed it by %(over)s."
                )
                % {
                    "available": format_money(available, program.currency),
                    "grant": format_money(amount, program.currency),
                    "over": format_money(amount - available, program.currency),
                },
                code=CONFLICT,
            )
        return GrantCommitment.objects.create(
            plan=plan, program=program, amount=amount, committed_by=by
        )


def commitment_release_undisbursed(*, plan: BusinessPlan) -> Decimal:
    """Give the undisbursed commitment back to the programme (called by `plan_cancel`)."""
    commitment = GrantCommitment.objects.select_for_update().filter(plan=plan).first()
    if commitment is None:
        return ZERO
    remaining = commitment.amount - commitment_net_paid(commitment)
    commitment.released_amount = remaining
    commitment.save(update_fields=["released_amount"])
    return remaining


def tranche_split(amount: Decimal, count: int, currency: str) -> list[Decimal]:
    """Equal parts in the currency's minor unit; the last part takes the remainder."""
    part = (amount / count).quantize(quantum(currency), rounding=ROUND_DOWN)
    return [part] * (count - 1) + [amount - part * (count - 1)]


def tranche_schedule_create(*, commitment: GrantCommitment, start: datetime.date) -> list[Tranche]:
    """The tranche schedule at signing: it sums exactly to the commitment."""
    program = commitment.program
    amounts = tranche_split(commitment.amount, program.tranche_count, program.currency)
    tranches = []
    # The standard release conditions are not stored: `Tranche.standard_conditions`
    # words them when read, in the reader's language.
    for number, amount in enumerate(amounts, start=1):
        tranches.append(
            Tranche(
                commitment=commitment,
                number=number,
                amount=amount,
                planned_date=add_months(start, (number - 1) * program.monitoring_period_months),
            )
        )
    return Tranche.objects.bulk_create(tranches)


# --- legalization checklist ------------------------------------------------------------


def legalization_check_record(*, alliance, requirement, by, note: str = "") -> LegalizationCheck:
    require_roles(
        by, alliance, {Role.PROGRAMME_OFFICER}, _("complete the legalization checklist")
    ).raise_if_refused()
    if requirement.program_id != alliance.program_id:
        raise ActionRefused(_("This item is not on the programme's checklist."), code=INVALID)
    status = BusinessPlan.objects.filter(alliance=alliance).values_list("status", flat=True).first()
    if status != PlanStatus.APPROVED:
        raise ActionRefused(
            _("The legalization checklist is completed between approval and signing."),
            code=WRONG_STATE,
        )
    check, _created = LegalizationCheck.objects.get_or_create(
        alliance=alliance, requirement=requirement, defaults={"done_by": by, "note": note}
    )
    return check


# --- tranches --------------------------------------------------------------------------


PAYMENT_REVERSE = "payment_reverse"
# A reversal is journaled on the tranche but is not a step of its table: its question here.
PAYMENT_REVERSE_CONFIRM = Confirm(
    gettext_lazy("Reverse this payment?"),
    gettext_lazy(
        "You cannot undo this. The reversal stays in the ledger and the tranche must be paid again."
    ),
    gettext_lazy("Yes, reverse the payment"),
)


class TrancheSteps(StepTable):
    """A tranche's table: the plan row is locked before the tranche (the same order
    everywhere), and a step's decision adds the money rules (`tranche_step_decision`)."""

    def lock(self, subject):
        plan, locked = _lock(subject)
        locked.locked_plan = plan
        return locked

    def decide(self, user, subject, name: str, *, state: bool = True, **params) -> Decision:
        return tranche_step_decision(user, subject.locked_plan, subject, name)

    def alliance_of(self, subject):
        return subject.locked_plan.alliance


class ContributionSteps(StepTable):
    """A counterpart contribution's table: recorded (a creation), then verified, under
    the plan's lock."""

    def lock(self, subject):
        plan = _lock_plan(subject.plan)
        locked = CounterpartContribution.objects.select_for_update().get(pk=subject.pk)
        locked.locked_plan = plan
        return locked

    def decide(self, user, subject, name: str, *, state: bool = True, **params) -> Decision:
        return contribution_verify_decision(user, subject.locked_plan, subject)

    def alliance_of(self, subject):
        return subject.locked_plan.alliance


# The steps of a tranche (registered in `funding/registrations.py`): planned -> requested ->
# verified -> authorized -> paid; a payment reversed is journaled on the tranche too.
TRANCHE_STEPS = TrancheSteps(
    (
        Step(
            "request",
            gettext_lazy("request a tranche"),
            frozenset({Tranche.Status.PLANNED}),
            Tranche.Status.REQUESTED,
            frozenset({Role.PRODUCER, Role.TA_PROVIDER}),
            done=gettext_lazy("Tranche requested"),
            log_name="tranche_request",
        ),
        Step(
            "verify",
            gettext_lazy("verify a tranche request"),
            frozenset({Tranche.Status.REQUESTED}),
            Tranche.Status.VERIFIED,
            frozenset({Role.PROGRAMME_OFFICER}),
            done=gettext_lazy("Tranche verified"),
            log_name="tranche_verify",
        ),
        Step(
            "authorize",
            gettext_lazy("authorize a tranche"),
            frozenset({Tranche.Status.VERIFIED}),
            Tranche.Status.AUTHORIZED,
            frozenset({Role.FINANCE_OFFICER}),
            done=gettext_lazy("Tranche authorized"),
            log_name="tranche_authorize",
        ),
        Step(
            "pay",
            gettext_lazy("record a payment"),
            frozenset({Tranche.Status.AUTHORIZED}),
            Tranche.Status.PAID,
            frozenset({Role.FINANCE_OFFICER}),
            done=gettext_lazy("Tranche paid"),
            log_name="tranche_pay",
            confirm=Confirm(
                gettext_lazy("Record this payment?"),
                gettext_lazy(
                    "You cannot undo this. A recorded payment is never edited: a mistake is "
                    "corrected by a reversal."
                ),
                gettext_lazy("Yes, record the payment"),
                danger=False,
            ),
        ),
    ),
    other_log_steps={PAYMENT_REVERSE: gettext_lazy("Payment reversed")},
)


# The steps of a counterpart contribution (registered in `funding/registrations.py`).
C = CounterpartContribution.Status
CONTRIBUTION_STEPS = ContributionSteps(
    (
        Step(
            "record",
            gettext_lazy("record a counterpart contribution"),
            frozenset(),  # creates the contribution
            C.RECORDED,
            frozenset({Role.PRODUCER, Role.TA_PROVIDER}),
            done=gettext_lazy("Counterpart contribution recorded"),
            log_name="contribution_record",
        ),
        Step(
            "verify",
            gettext_lazy("verify a counterpart contribution"),
            frozenset({C.RECORDED}),
            C.VERIFIED,
            frozenset({Role.PROGRAMME_OFFICER}),
            done=gettext_lazy("Counterpart contribution verified"),
            log_name="contribution_verify",
        ),
    )
)


def _lock(tranche: Tranche) -> tuple[BusinessPlan, Tranche]:
    """Lock the plan, then the tranche: the same order everywhere, so no deadlock."""
    plan = BusinessPlan.objects.for_step().get(commitment__tranches=tranche)
    locked = Tranche.objects.select_for_update().select_related("commitment").get(pk=tranche.pk)
    locked.commitment.plan = plan  # the same row, with its alliance: "Tranche 1 of ALL-1"
    return plan, locked


def tranche_step_decision(by, plan: BusinessPlan, tranche: Tranche, name: str) -> Decision:
    """May `by` take step `name` on `tranche` now? Role, object, state and the step's rules.

    The services ask it under their locks; pages ask it (without locks) for their buttons.
    """
    step = TRANCHE_STEPS[name]
    decision = require_roles(by, plan.alliance, step.roles, str(step.label))
    if not decision:
        return decision
    if tranche.status not in step.sources:
        return refuse(
            WRONG_STATE,
            _("Tranche %(number)s is %(status)s; it cannot be sent to “%(action)s”.")
            % {
                "number": tranche.number,
                "status": str(tranche.get_status_display()).lower(),
                "action": str(step.label),
            },
        )
    if plan.status != PlanStatus.ACTIVE:
        return refuse(
            CONFLICT,
            _("The alliance is %(status)s: its tranches are frozen.")
            % {"status": str(plan.get_status_display()).lower()},
        )
    if name == "authorize" and tranche.verified_by_id == by.pk:
        return refuse(
            FORBIDDEN, _("You verified this tranche: another finance officer must authorize it.")
        )
    if name == "pay":
        # Three different people touch every payment: verifier, authorizer, payer (§4).
        if tranche.verified_by_id == by.pk:
            return refuse(
                FORBIDDEN,
                _(
                    "You verified this tranche: a finance officer who neither verified nor "
                    "authorized it must record its payment."
                ),
            )
        if tranche.authorized_by_id == by.pk:
            return refuse(
                FORBIDDEN,
                _(
                    "You authorized this tranche: a finance officer who neither verified nor "
                    "authorized it must record its payment."
                ),
            )
    if name == "request":
        problem = _previous_tranche_problem(plan, tranche)
        if problem:
            return refuse(CONFLICT, problem)
        if not tranche.evidence.exists():
            return refuse(
                CONFLICT,
                _("Attach at least one evidence document before requesting tranche %(number)s.")
                % {"number": tranche.number},
            )
    return ALLOWED


def _previous_tranche_problem(plan: BusinessPlan, tranche: Tranche) -> str:
    """What keeps `tranche` from being requested now, in words ("" when its conditions
    hold): the one rule of a tranche's release (§4), asked by the request itself, the
    page's disabled button and, set-wise, the producer's task (`tranches_requestable`).
    Tranche 1 waits for the first counterpart deposit verified (the agreement is signed:
    the alliance is active); tranche n+1 for tranche n paid and the registered conditions
    (the monitoring reports due since tranche n was requested accepted)."""
    if tranche.number == 1:
        if not first_deposit_verified(plan).exists():
            return _(
                "The first counterpart deposit (producer cash) must be verified before "
                "tranche %(number)s is requested."
            ) % {"number": tranche.number}
        return ""
    previous = Tranche.objects.get(commitment_id=tranche.commitment_id, number=tranche.number - 1)
    if tranche_net_paid(previous) < previous.amount:
        return _("Tranche %(previous)s must be paid before tranche %(number)s is requested.") % {
            "previous": previous.number,
            "number": tranche.number,
        }
    paid_on = (
        previous.payments.filter(kind=Payment.Kind.PAYMENT, reversal__isnull=True)
        .order_by("-paid_on")
        .values_list("paid_on", flat=True)
        .first()
    )
    # Tranche n's request checked what was due until then; what fell due while it was
    # verified, authorized and paid is checked now, with what fell due since.
    requested_on = timezone.localdate(previous.requested_at) if previous.requested_at else None
    since = min((day for day in (paid_on, requested_on) if day), default=timezone.localdate())
    for condition, _holds in _NEXT_TRANCHE_CONDITIONS:
        problem = condition(plan, tranche, since)
        if problem:
            return problem
    return ""


def first_deposit_verified(plan) -> QuerySet:
    """The verified producer-cash contributions of `plan` (an outer reference too): the
    first counterpart deposit that tranche 1 waits for."""
    return CounterpartContribution.objects.filter(
        plan=plan,
        kind=CounterpartContribution.Kind.PRODUCER_CASH,
        status=CounterpartContribution.Status.VERIFIED,
    )


def tranches_requestable(tranches: QuerySet) -> QuerySet:
    """The tranches of `tranches` that may be requested now, set-wise (one query): the
    twin of `_previous_tranche_problem` for many tranches at once (the producer's task).
    Each is planned, on an active alliance, and its conditions hold."""
    previous = Tranche.objects.filter(
        commitment=OuterRef("commitment"), number=OuterRef("number") - 1
    )
    paid_on = Subquery(
        Payment.objects.filter(
            tranche__commitment=OuterRef("commitment"),
            tranche__number=OuterRef("number") - 1,
            kind=Payment.Kind.PAYMENT,
            reversal__isnull=True,
        )
        .order_by("-paid_on")
        .values("paid_on")[:1],
        output_field=DateField(),
    )
    requested_on = TruncDate(
        Subquery(previous.values("requested_at")[:1], output_field=DateTimeField())
    )
    today = Value(timezone.localdate(), output_field=DateField())
    since = Least(Coalesce(requested_on, paid_on, today), Coalesce(paid_on, requested_on, today))
    later = Q(number__gt=1) & Exists(previous.filter(status=Tranche.Status.PAID))
    for _condition, holds in _NEXT_TRANCHE_CONDITIONS:
        later &= holds()
    first = Q(number=1) & Exists(first_deposit_verified(OuterRef("commitment__plan")))
    return (
        tranches.filter(status=Tranche.Status.PLANNED, commitment__plan__status=PlanStatus.ACTIVE)
        .annotate(since=since)
        .filter(first | later)
    )


# What else must hold before tranche n+1 is requested, registered by the apps above
# (`register_next_tranche_condition`; monitoring: the reports due since tranche n was
# requested are accepted). A condition returns what is missing, in words, or "".
_NEXT_TRANCHE_CONDITIONS: list = []


def register_next_tranche_condition(condition, *, holds) -> None:
    """`condition(plan, tranche, since) -> str`: `since` is the day tranche n was requested
    (or paid, if the payment is dated earlier), from which what falls due counts.
    `holds() -> Q`: the same condition over many tranches, for `tranches_requestable`,
    whose rows carry `since` (`OuterRef("since")` in a subquery)."""
    if all(condition is not registered for registered, _holds in _NEXT_TRANCHE_CONDITIONS):
        _NEXT_TRANCHE_CONDITIONS.append((condition, holds))


def _stamp(name: str, by):
    """The effect of a tranche's step: who requested, verified or authorized it, when."""

    def stamp(locked: Tranche, _comment: str) -> list[str]:
        what = {"request": "requested", "verify": "verified", "authorize": "authorized"}.get(name)
        if not what:
            return []
        setattr(locked, f"{what}_by", by)
        setattr(locked, f"{what}_at", timezone.now())
        return [f"{what}_by", f"{what}_at"]

    return stamp


def tranche_request(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    """Ask for a tranche: evidence attached, the previous tranche paid and the monitoring
    reports due since its request accepted."""
    return take_step(
        TRANCHE_STEPS, "request", tranche, by=by, comment=comment, effect=_stamp("request", by)
    )


def tranche_verify(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    return take_step(
        TRANCHE_STEPS, "verify", tranche, by=by, comment=comment, effect=_stamp("verify", by)
    )


def tranche_authorize(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    return take_step(
        TRANCHE_STEPS, "authorize", tranche, by=by, comment=comment, effect=_stamp("authorize", by)
    )


def tranche_pay_errors(
    tranche: Tranche, *, amount, paid_on: datetime.date | None, reference: str, currency: str
) -> dict[str, list[str]]:
    """What is wrong with the payment typed for `tranche`, by field (empty: nothing). The
    payment page asks it before its confirmation; `tranche_pay` asks it again under lock."""
    value = parse_amount(amount)
    errors: dict[str, list[str]] = {}
    if value is None or value != tranche.amount or not is_whole_in(value, currency):
        errors["amount"] = [
            _("The payment must be the tranche amount, %(amount)s.")
            % {"amount": format_money(tranche.amount, currency)}
        ]
    if not (reference or "").strip():
        errors["reference"] = [_("Give the bank or treasury reference.")]
    if paid_on is None or paid_on > timezone.localdate():
        errors["paid_on"] = [_("Give the payment date; it cannot be in the future.")]
    elif problem := date_problem(paid_on):
        errors["paid_on"] = [problem]
    return errors


def tranche_pay(
    *, tranche: Tranche, by, amount, paid_on: datetime.date, reference: str, comment: str = ""
) -> Payment:
    """Record the payment of an authorized tranche; the last one moves the plan to monitoring."""

    reference = (reference or "").strip()
    recorded: list[Payment] = []

    def record_payment(locked: Tranche, _comment: str) -> list[str]:
        plan = locked.locked_plan
        currency = plan.alliance.program.currency
        value = parse_amount(amount)
        errors = tranche_pay_errors(
            locked, amount=amount, paid_on=paid_on, reference=reference, currency=currency
        )
        if errors:
            raise ActionRefused(
                [m for ms in errors.values() for m in ms], code=INVALID, fields=errors
            )
        commitment = locked.commitment
        paid = commitment_net_paid(commitment)
        if paid + value > commitment.amount:
            raise ActionRefused(
                _("Paying %(amount)s would exceed the commitment of %(committed)s.")
                % {
                    "amount": format_money(value, currency),
                    "committed": format_money(commitment.amount, currency),
                },
                code=CONFLICT,
            )
        try:
            with transaction.atomic():
                recorded.append(
                    Payment.objects.create(
                        tranche=locked,
                        amount=value,
                        paid_on=paid_on,
                        reference=reference,
                        recorded_by=by,
                    )
                )
        except IntegrityError as exc:
            raise ActionRefused(
                _("A payment with reference %(reference)s is already recorded.")
                % {"reference": reference},
                code=INVALID,
                fields={"reference": [_("This reference is already used.")]},
            ) from exc
        return []

    with transaction.atomic():
        take_step(TRANCHE_STEPS, "pay", tranche, by=by, comment=comment, effect=record_payment)
        commitment = tranche.commitment
        if not commitment.tranches.exclude(status=Tranche.Status.PAID).exists():
            plan_finish_disbursement(plan=commitment.plan)
    return recorded[0]


def payment_reverse_decision(by, plan: BusinessPlan, payment: Payment) -> Decision:
    decision = require_roles(by, plan.alliance, {Role.FINANCE_OFFICER}, _("reverse a payment"))
    if not decision:
        return decision
    if payment.kind != Payment.Kind.PAYMENT or hasattr(payment, "reversal"):
        return refuse(WRONG_STATE, _("This payment is already reversed."))
    if plan.status != PlanStatus.ACTIVE:
        return refuse(CONFLICT, _("Only payments of an active alliance can be reversed."))
    return ALLOWED


def payment_reverse(*, payment: Payment, by, reason: str) -> Payment:
    """Correct a payment by a reversal entry; the tranche can then be paid again."""

    reason = (reason or "").strip()
    with transaction.atomic():
        plan, locked = _lock(payment.tranche)
        original = Payment.objects.select_for_update().get(pk=payment.pk)
        payment_reverse_decision(by, plan, original).raise_if_refused()
        if not reason:
            raise ActionRefused(
                _("A reason is required to reverse a payment."),
                code=INVALID,
                fields={"reason": [_("Give a reason.")]},
            )
        reversal = Payment.objects.create(
            tranche=locked,
            kind=Payment.Kind.REVERSAL,
            amount=original.amount,
            paid_on=timezone.localdate(),
            reference=f"{original.reference}-REV",
            reverses=original,
            reason=reason,
            recorded_by=by,
        )
        locked.status = Tranche.Status.AUTHORIZED
        locked.save(update_fields=["status", "updated_at"])
        record_step(
            subject=locked,
            alliance=plan.alliance,
            transition=PAYMENT_REVERSE,
            from_state=Tranche.Status.PAID,
            to_state=Tranche.Status.AUTHORIZED,
            by=by,
            comment=reason,
        )
    return reversal


# --- evidence ----------------------------------------------------------------------------

EVIDENCE_ROLES = frozenset({Role.PRODUCER, Role.TA_PROVIDER})


def evidence_attach_decision(
    by, plan: BusinessPlan, *, tranche: Tranche | None = None, contribution=None
) -> Decision:
    """May `by` attach an evidence document to this tranche request or contribution now?

    The producer organization's side attaches evidence to a planned tranche of an active
    alliance, or to a contribution that is not verified yet; then it is frozen."""
    decision = require_roles(by, plan.alliance, EVIDENCE_ROLES, _("attach evidence"))
    if not decision:
        return decision
    if tranche is not None:
        if tranche.commitment.plan_id != plan.pk:
            return refuse(NOT_FOUND, _("No such tranche."))
        if tranche.status != Tranche.Status.PLANNED:
            return refuse(
                WRONG_STATE,
                _("Tranche %(number)s is %(status)s: its evidence can no longer change.")
                % {
                    "number": tranche.number,
                    "status": str(tranche.get_status_display()).lower(),
                },
            )
        if plan.status != PlanStatus.ACTIVE:
            return refuse(
                CONFLICT,
                _("The alliance is %(status)s: its tranches are frozen.")
                % {"status": str(plan.get_status_display()).lower()},
            )
        return ALLOWED
    if contribution is not None:
        if contribution.plan_id != plan.pk:
            return refuse(NOT_FOUND, _("No such contribution."))
        if contribution.status != CounterpartContribution.Status.RECORDED:
            return refuse(WRONG_STATE, _("This contribution is verified: its evidence is final."))
        return _contribution_state_decision(plan)
    return refuse(INVALID, _("Evidence belongs to a tranche or a contribution."))


# --- counterpart contributions ---------------------------------------------------------

CONTRIBUTION_STATES = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.MONITORING})


def _contribution_state_decision(plan: BusinessPlan) -> Decision:
    if plan.status not in CONTRIBUTION_STATES:
        return refuse(
            CONFLICT,
            _(
                "Counterpart contributions are recorded and verified while the alliance is "
                "approved, active or in monitoring; it is %(status)s."
            )
            % {"status": str(plan.get_status_display()).lower()},
        )
    return ALLOWED


def contribution_record_decision(by, plan: BusinessPlan) -> Decision:
    step = CONTRIBUTION_STEPS["record"]
    decision = require_roles(by, plan.alliance, step.roles, str(step.label))
    return decision if not decision else _contribution_state_decision(plan)


def contribution_verify_decision(by, plan: BusinessPlan, contribution) -> Decision:
    step = CONTRIBUTION_STEPS["verify"]
    decision = require_roles(by, plan.alliance, step.roles, str(step.label))
    if not decision:
        return decision
    if contribution.plan_id != plan.pk:
        return refuse(NOT_FOUND, _("No such contribution."))
    if contribution.status != CounterpartContribution.Status.RECORDED:
        return refuse(WRONG_STATE, _("This contribution is already verified."))
    return _contribution_state_decision(plan)


def _lock_plan(plan: BusinessPlan) -> BusinessPlan:
    return BusinessPlan.objects.for_step().get(pk=plan.pk)


def _contribution_errors(*, currency, kind, amount, contributed_on, description, upload) -> dict:

    errors: dict[str, list[str]] = {}
    if kind not in CounterpartContribution.Kind.values:
        errors["kind"] = [_("Choose producer cash, producer in kind or buyer.")]
    value = parse_amount(amount)
    if value is None or value <= 0:
        errors["amount"] = [_("Enter an amount greater than zero.")]
    elif not is_whole_in(value, currency):
        errors["amount"] = [
            _("%(currency)s amounts cannot be finer than its minor unit.") % {"currency": currency}
        ]
    if contributed_on is None or contributed_on > timezone.localdate():
        errors["contributed_on"] = [_("Give the date of the contribution; not in the future.")]
    elif problem := date_problem(contributed_on):
        errors["contributed_on"] = [problem]
    if not (description or "").strip():
        errors["description"] = [_("Say what was contributed.")]
    if upload is None:
        errors["file"] = [_("Attach the evidence: a receipt, a bank slip, a photo.")]
    else:
        _content_type, problem = upload_problem(upload)
        if problem:
            errors["file"] = [problem]
    return errors


def contribution_record(
    *,
    plan: BusinessPlan,
    by,
    kind: str,
    amount,
    contributed_on: datetime.date | None,
    description: str,
    upload,
    title: str = "",
) -> CounterpartContribution:
    """Record a counterpart contribution with its evidence document, both or neither."""

    with transaction.atomic():
        locked = _lock_plan(plan)
        contribution_record_decision(by, locked).raise_if_refused()
        errors = _contribution_errors(
            currency=locked.alliance.program.currency,
            kind=kind,
            amount=amount,
            contributed_on=contributed_on,
            description=description,
            upload=upload,
        )
        if errors:
            raise ActionRefused(
                [m for ms in errors.values() for m in ms], code=INVALID, fields=errors
            )
        contribution = CounterpartContribution.objects.create(
            plan=locked,
            kind=kind,
            amount=parse_amount(amount),
            contributed_on=contributed_on,
            description=description.strip(),
            recorded_by=by,
        )
        document_upload(
            plan=locked,
            by=by,
            kind=PlanDocument.Kind.EVIDENCE,
            title=title or description.strip(),
            upload=upload,
            contribution=contribution,
        )
        record_step(
            subject=contribution,
            alliance=locked.alliance,
            transition=CONTRIBUTION_STEPS.journal_name("record"),
            from_state="",
            to_state=CounterpartContribution.Status.RECORDED,
            by=by,
            comment=description.strip(),
        )
    return contribution


def contribution_verify(
    *, contribution: CounterpartContribution, by, comment: str = ""
) -> CounterpartContribution:
    """An officer confirms the contribution against its evidence."""

    def stamp(locked: CounterpartContribution, _comment: str) -> list[str]:
        locked.verified_by = by
        locked.verified_at = timezone.now()
        return ["verified_by", "verified_at"]

    return take_step(
        CONTRIBUTION_STEPS, "verify", contribution, by=by, comment=comment, effect=stamp
    )


# --- effects of a plan's transitions (registered in `funding/registrations.py`) -------------


def on_plan_approved(plan, *, by) -> None:
    """Approval reserves the approved grant from the programme's budget (§4)."""
    commitment_create(plan=plan, amount=plan.approved_grant, by=by)


def on_plan_signed(plan, *, by) -> None:
    """Signing turns the commitment into its schedule of tranches."""
    tranche_schedule_create(commitment=plan.commitment, start=timezone.localdate())


def on_plan_cancelled(plan, *, by) -> None:
    """Cancelling gives the undisbursed part of the commitment back to the programme."""
    commitment_release_undisbursed(plan=plan)
