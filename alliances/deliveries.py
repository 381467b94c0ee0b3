"""Deliveries to the buyer (§7): the PO records, the buyer confirms or disputes.

recorded -> confirmed | disputed; a disputed delivery corrected by the PO goes back to
recorded. Deliveries are recorded once the alliance is active (its agreement signed).
Confirmed deliveries are the sales to the buyer that monitoring counts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    CONFLICT,
    INVALID,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
)
from accounts.steps import Confirm, Step, StepTable, record_step, take_step
from core.dates import date_problem
from core.money import is_whole_in

from .models import Delivery, PlanStatus

PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
BUYER_SIDE = frozenset({Role.BUYER})
SELLING_STAGES = (PlanStatus.ACTIVE, PlanStatus.MONITORING, PlanStatus.SUSPENDED)
S = Delivery.Status


WRONG_STATE_MESSAGE = gettext_lazy("The delivery is at “%(status)s”: “%(action)s” is not possible.")

# The steps of a delivery (registered in `alliances/registrations.py`). Recording creates the
# delivery (no source state), once the alliance's agreement is signed.
DELIVERY_STEPS = StepTable(
    (
        Step(
            "record",
            gettext_lazy("record a delivery"),
            frozenset(),
            S.RECORDED,
            PO_SIDE,
            done=gettext_lazy("Delivery recorded"),
            log_name="delivery_record",
        ),
        Step(
            "confirm",
            gettext_lazy("confirm a delivery"),
            frozenset({S.RECORDED}),
            S.CONFIRMED,
            BUYER_SIDE,
            done=gettext_lazy("Delivery confirmed by the buyer"),
            log_name="delivery_confirm",
        ),
        Step(
            "dispute",
            gettext_lazy("dispute a delivery"),
            frozenset({S.RECORDED}),
            S.DISPUTED,
            BUYER_SIDE,
            done=gettext_lazy("Delivery disputed by the buyer"),
            log_name="delivery_dispute",
            reason_required=True,
            confirm=Confirm(
                gettext_lazy("Dispute this delivery?"),
                gettext_lazy(
                    "You cannot undo this. The delivery does not count as a sale unless the "
                    "producer organization corrects it and you confirm the correction."
                ),
                gettext_lazy("Yes, dispute the delivery"),
            ),
        ),
        Step(
            "correct",
            gettext_lazy("correct a delivery"),
            frozenset({S.DISPUTED}),
            S.RECORDED,
            PO_SIDE,
            done=gettext_lazy("Disputed delivery corrected"),
            log_name="delivery_correct",
        ),
    ),
    wrong_state=WRONG_STATE_MESSAGE,
)


def delivery_step_decision(user, alliance, name: str, delivery=None, *, state=True) -> Decision:
    """May `user` take step `name` (on `delivery`)? The role on the alliance (404/403) and,
    with `state`, the delivery's state or, to record one, the alliance's stage (409).
    Pages ask it which forms to show."""
    step = DELIVERY_STEPS[name]
    if delivery is not None:
        return DELIVERY_STEPS.decide(user, delivery, name, state=state)
    decision = require_roles(user, alliance, step.roles, step.label)
    if not decision or not state:
        return decision
    if not step.sources:
        stage = getattr(getattr(alliance, "plan", None), "status", None)
        if stage not in SELLING_STAGES:
            return refuse(
                CONFLICT, _("Deliveries are recorded once the alliance's agreement is signed.")
            )
    return decision


def _check_values(alliance, *, delivered_on, volume, unit_price) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(delivered_on, datetime.date) or delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("Give the delivery date; it cannot be in the future.")]
    elif problem := date_problem(delivered_on):
        errors["delivered_on"] = [problem]
    if volume is None or Decimal(volume) <= 0:
        errors["volume"] = [_("Give a volume greater than zero.")]
    currency = alliance.program.currency
    if unit_price is None or Decimal(unit_price) < 0 or not is_whole_in(unit_price, currency):
        errors["unit_price"] = [
            _("Give a unit price of zero or more, in whole %(currency)s minor units.")
            % {"currency": currency}
        ]
    if errors:
        raise ActionRefused([m for ms in errors.values() for m in ms], code=INVALID, fields=errors)


def delivery_record(
    *, alliance, by, delivered_on, volume, unit_price, quality_grade: str = ""
) -> Delivery:
    delivery_step_decision(by, alliance, "record").raise_if_refused()
    _check_values(alliance, delivered_on=delivered_on, volume=volume, unit_price=unit_price)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            alliance=alliance,
            delivered_on=delivered_on,
            volume=volume,
            unit_price=unit_price,
            quality_grade=quality_grade,
            recorded_by=by,
        )
        record_step(
            subject=delivery,
            alliance=alliance,
            transition=DELIVERY_STEPS.journal_name("record"),
            from_state="",
            to_state=delivery.status,
            by=by,
        )
    return delivery


def _move(delivery, *, by, name: str, comment: str = "", changes=None) -> Delivery:
    disputing = DELIVERY_STEPS[name].target == S.DISPUTED

    def effect(locked: Delivery, comment: str) -> list[str]:
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        if disputing:
            locked.dispute_reason = comment
            return [*(changes or {}), "dispute_reason", "updated_at"]
        return [*(changes or {}), "updated_at"]

    return take_step(DELIVERY_STEPS, name, delivery, by=by, comment=comment, effect=effect)


def delivery_confirm(*, delivery, by, comment: str = "") -> Delivery:
    return _move(delivery, by=by, name="confirm", comment=comment)


def delivery_dispute(*, delivery, by, comment: str = "") -> Delivery:
    return _move(delivery, by=by, name="dispute", comment=comment)


def delivery_correct(
    *, delivery, by, delivered_on, volume, unit_price, quality_grade: str = "", comment=""
) -> Delivery:
    """The PO corrects a disputed delivery; it goes back to the buyer (recorded)."""
    _check_values(
        delivery.alliance, delivered_on=delivered_on, volume=volume, unit_price=unit_price
    )
    return _move(
        delivery,
        by=by,
        name="correct",
        comment=comment,
        changes={
            "delivered_on": delivered_on,
            "volume": volume,
            "unit_price": unit_price,
            "quality_grade": quality_grade,
        },
    )
