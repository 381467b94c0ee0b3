"""Every movement of programme money (§4), one function per action.

Commitments reserve budget under a lock on the programme row, so two committees
approving at once can never commit more than the budget. Tranches move
planned -> requested -> verified -> authorized -> paid under a lock on the plan and the
tranche; the verifier never authorizes; nothing is paid while the alliance is suspended
or cancelled; the sum paid never exceeds the commitment; a payment is never edited, a
correction is a reversal.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    CONFLICT,
    INVALID,
    WRONG_STATE,
    ActionRefused,
    require_roles,
)
from plans.models import BusinessPlan, PlanStatus

from .models import GrantCommitment, LegalizationCheck, Payment, Program, Tranche
from .money import ZERO, format_money, is_whole_in, quantum
from .selectors import commitment_net_paid, tranche_net_paid


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


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
    for number, amount in enumerate(amounts, start=1):
        if number == 1:
            conditions = _("Agreement signed and first counterpart deposit verified.")
        else:
            conditions = _(
                "Tranche %(previous)s paid and the monitoring report due since accepted."
            ) % {"previous": number - 1}
        tranches.append(
            Tranche(
                commitment=commitment,
                number=number,
                amount=amount,
                planned_date=add_months(start, (number - 1) * program.monitoring_period_months),
                release_conditions=conditions,
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
    check, _created = LegalizationCheck.objects.get_or_create(
        alliance=alliance, requirement=requirement, defaults={"done_by": by, "note": note}
    )
    return check


# --- tranches --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheStep:
    name: str
    source: str
    target: str
    roles: frozenset[str]
    label: Promise


TRANCHE_STEPS = {
    s.name: s
    for s in (
        TrancheStep(
            "request",
            Tranche.Status.PLANNED,
            Tranche.Status.REQUESTED,
            frozenset({Role.PRODUCER, Role.TA_PROVIDER}),
            gettext_lazy("request a tranche"),
        ),
        TrancheStep(
            "verify",
            Tranche.Status.REQUESTED,
            Tranche.Status.VERIFIED,
            frozenset({Role.PROGRAMME_OFFICER}),
            gettext_lazy("verify a tranche request"),
        ),
        TrancheStep(
            "authorize",
            Tranche.Status.VERIFIED,
            Tranche.Status.AUTHORIZED,
            frozenset({Role.FINANCE_OFFICER}),
            gettext_lazy("authorize a tranche"),
        ),
        TrancheStep(
            "pay",
            Tranche.Status.AUTHORIZED,
            Tranche.Status.PAID,
            frozenset({Role.FINANCE_OFFICER}),
            gettext_lazy("record a payment"),
        ),
    )
}


def _lock(tranche: Tranche) -> tuple[BusinessPlan, Tranche]:
    """Lock the plan, then the tranche: the same order everywhere, so no deadlock."""
    plan = (
        BusinessPlan.objects.select_for_update(of=("self",))
        .select_related("alliance__program")
        .get(commitment__tranches=tranche)
    )
    locked = Tranche.objects.select_for_update().select_related("commitment").get(pk=tranche.pk)
    return plan, locked


def _check_step(step: TrancheStep, plan: BusinessPlan, tranche: Tranche, by) -> None:
    require_roles(by, plan.alliance, step.roles, str(step.label)).raise_if_refused()
    if tranche.status != step.source:
        raise ActionRefused(
            _("Tranche %(number)s is %(status)s; it cannot be sent to “%(action)s”.")
            % {
                "number": tranche.number,
                "status": str(tranche.get_status_display()).lower(),
                "action": str(step.label),
            },
            code=WRONG_STATE,
        )
    if plan.status != PlanStatus.ACTIVE:
        raise ActionRefused(
            _("The alliance is %(status)s: its tranches are frozen.")
            % {"status": str(plan.get_status_display()).lower()},
            code=CONFLICT,
        )


def _move(step: TrancheStep, plan: BusinessPlan, tranche: Tranche, by, comment: str) -> None:
    from plans.services import log_transition

    tranche.status = step.target
    now = timezone.now()
    fields = ["status"]
    stamp = {"request": "requested", "verify": "verified", "authorize": "authorized"}.get(step.name)
    if stamp:
        setattr(tranche, f"{stamp}_by", by)
        setattr(tranche, f"{stamp}_at", now)
        fields += [f"{stamp}_by", f"{stamp}_at"]
    tranche.save(update_fields=fields)
    log_transition(
        subject=tranche,
        alliance=plan.alliance,
        transition=f"tranche_{step.name}",
        from_state=step.source,
        to_state=step.target,
        by=by,
        comment=comment,
    )


def tranche_request(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    step = TRANCHE_STEPS["request"]
    with transaction.atomic():
        plan, locked = _lock(tranche)
        _check_step(step, plan, locked, by)
        if locked.number > 1:
            previous = Tranche.objects.get(commitment=locked.commitment, number=locked.number - 1)
            if tranche_net_paid(previous) < previous.amount:
                raise ActionRefused(
                    _("Tranche %(previous)s must be paid before tranche %(number)s is requested.")
                    % {"previous": previous.number, "number": locked.number},
                    code=CONFLICT,
                )
        _move(step, plan, locked, by, comment)
    tranche.refresh_from_db()
    return tranche


def tranche_verify(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    step = TRANCHE_STEPS["verify"]
    with transaction.atomic():
        plan, locked = _lock(tranche)
        _check_step(step, plan, locked, by)
        _move(step, plan, locked, by, comment)
    tranche.refresh_from_db()
    return tranche


def tranche_authorize(*, tranche: Tranche, by, comment: str = "") -> Tranche:
    step = TRANCHE_STEPS["authorize"]
    with transaction.atomic():
        plan, locked = _lock(tranche)
        _check_step(step, plan, locked, by)
        if locked.verified_by_id == by.pk:
            raise ActionRefused(
                _("You verified this tranche: another finance officer must authorize it."),
                code="forbidden",
            )
        _move(step, plan, locked, by, comment)
    tranche.refresh_from_db()
    return tranche


def tranche_pay(
    *, tranche: Tranche, by, amount, paid_on: datetime.date, reference: str, comment: str = ""
) -> Payment:
    """Record the payment of an authorized tranche; the last one moves the plan to monitoring."""
    from plans.services import plan_finish_disbursement
    from plans.workflow import parse_amount

    step = TRANCHE_STEPS["pay"]
    reference = (reference or "").strip()
    with transaction.atomic():
        plan, locked = _lock(tranche)
        _check_step(step, plan, locked, by)
        currency = plan.alliance.program.currency
        value = parse_amount(amount)
        errors: dict[str, list[str]] = {}
        if value is None or value != locked.amount or not is_whole_in(value, currency):
            errors["amount"] = [
                _("The payment must be the tranche amount, %(amount)s.")
                % {"amount": format_money(locked.amount, currency)}
            ]
        if not reference:
            errors["reference"] = [_("Give the bank or treasury reference.")]
        if paid_on is None or paid_on > timezone.localdate():
            errors["paid_on"] = [_("Give the payment date; it cannot be in the future.")]
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
                payment = Payment.objects.create(
                    tranche=locked,
                    amount=value,
                    paid_on=paid_on,
                    reference=reference,
                    recorded_by=by,
                )
        except IntegrityError as exc:
            raise ActionRefused(
                _("A payment with reference %(reference)s is already recorded.")
                % {"reference": reference},
                code=INVALID,
                fields={"reference": [_("This reference is already used.")]},
            ) from exc
        _move(step, plan, locked, by, comment)
        if not commitment.tranches.exclude(status=Tranche.Status.PAID).exists():
            plan_finish_disbursement(plan=plan)
    return payment


def payment_reverse(*, payment: Payment, by, reason: str) -> Payment:
    """Correct a payment by a reversal entry; the tranche can then be paid again."""
    from plans.services import log_transition

    reason = (reason or "").strip()
    with transaction.atomic():
        plan, locked = _lock(payment.tranche)
        require_roles(
            by, plan.alliance, {Role.FINANCE_OFFICER}, _("reverse a payment")
        ).raise_if_refused()
        original = Payment.objects.select_for_update().get(pk=payment.pk)
        if original.kind != Payment.Kind.PAYMENT or hasattr(original, "reversal"):
            raise ActionRefused(_("This payment is already reversed."), code=WRONG_STATE)
        if plan.status != PlanStatus.ACTIVE:
            raise ActionRefused(
                _("Only payments of an active alliance can be reversed."), code=CONFLICT
            )
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
        locked.save(update_fields=["status"])
        log_transition(
            subject=locked,
            alliance=plan.alliance,
            transition="payment_reverse",
            from_state=Tranche.Status.PAID,
            to_state=Tranche.Status.AUTHORIZED,
            by=by,
            comment=reason,
        )
    return reversal
