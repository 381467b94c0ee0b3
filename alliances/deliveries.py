"""Deliveries to the buyer (§7): the PO records, the buyer confirms or disputes.

recorded -> confirmed | disputed; a disputed delivery corrected by the PO goes back to
recorded. Deliveries are recorded once the alliance is active (its agreement signed).
Confirmed deliveries are the sales to the buyer that monitoring counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
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
    Decision,
    refuse,
    require_roles,
)
from accounts.steps import record_step, status_move
from core.dates import date_problem
from core.money import is_whole_in

from .models import Delivery, PlanStatus

PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
BUYER_SIDE = frozenset({Role.BUYER})
SELLING_STAGES = (PlanStatus.ACTIVE, PlanStatus.MONITORING, PlanStatus.SUSPENDED)
S = Delivery.Status


@dataclass(frozen=True)
class DeliveryStep:
    """Who may take a step (a role on the alliance) and from which state (None: a new
    delivery, recorded once the agreement is signed)."""

    roles: frozenset[str]
    label: Promise  # the action, in a refusal
    source: str | None
    done: Promise  # what happened, in the timeline and notifications


DELIVERY_STEPS = {
    "record": DeliveryStep(
        PO_SIDE, gettext_lazy("record a delivery"), None, gettext_lazy("Delivery recorded")
    ),
    "confirm": DeliveryStep(
        frozenset({Role.BUYER}),
        gettext_lazy("confirm a delivery"),
        S.RECORDED,
        gettext_lazy("Delivery confirmed by the buyer"),
    ),
    "dispute": DeliveryStep(
        frozenset({Role.BUYER}),
        gettext_lazy("dispute a delivery"),
        S.RECORDED,
        gettext_lazy("Delivery disputed by the buyer"),
    ),
    "correct": DeliveryStep(
        PO_SIDE,
        gettext_lazy("correct a delivery"),
        S.DISPUTED,
        gettext_lazy("Disputed delivery corrected"),
    ),
}


def log_name(step: str) -> str:
    """A delivery step's name in the transition log."""
    return f"delivery_{step}"


# The steps the transition log records (registered in `AlliancesConfig.ready`).
DELIVERY_LOG_STEPS = {log_name(name): step.done for name, step in DELIVERY_STEPS.items()}
WRONG_STATE_MESSAGE = gettext_lazy("The delivery is at “%(status)s”: “%(action)s” is not possible.")


def delivery_step_decision(user, alliance, name: str, delivery=None, *, state=True) -> Decision:
    """May `user` take step `name` (on `delivery`)? The role on the alliance (404/403) and,
    with `state`, the delivery's state or, to record one, the alliance's stage (409).
    Pages ask it which forms to show."""
    step = DELIVERY_STEPS[name]
    decision = require_roles(user, alliance, step.roles, step.label)
    if not decision or not state:
        return decision
    if step.source is None:
        stage = getattr(getattr(alliance, "plan", None), "status", None)
        if stage not in SELLING_STAGES:
            return refuse(
                CONFLICT, _("Deliveries are recorded once the alliance's agreement is signed.")
            )
    elif delivery is not None and delivery.status != step.source:
        return refuse(
            WRONG_STATE,
            WRONG_STATE_MESSAGE % {"status": delivery.get_status_display(), "action": step.label},
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
            transition=log_name("record"),
            from_state="",
            to_state=delivery.status,
            by=by,
        )
    return delivery


def _move(delivery, *, name: str, target: str, changes=None, **step) -> Delivery:
    rule = DELIVERY_STEPS[name]

    def effect(locked: Delivery, comment: str) -> list[str]:
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        if target == S.DISPUTED:
            locked.dispute_reason = comment
            return [*(changes or {}), "dispute_reason", "updated_at"]
        return [*(changes or {}), "updated_at"]

    return status_move(
        delivery,
        roles=rule.roles,
        label=rule.label,
        transition=log_name(name),
        sources={rule.source},
        target=target,
        wrong_state=WRONG_STATE_MESSAGE,
        effect=effect,
        **step,
    )


def delivery_confirm(*, delivery, by, comment: str = "") -> Delivery:
    return _move(delivery, by=by, name="confirm", target=S.CONFIRMED, comment=comment)


def delivery_dispute(*, delivery, by, comment: str = "") -> Delivery:
    return _move(
        delivery, by=by, name="dispute", target=S.DISPUTED, comment=comment, reason_required=True
    )


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
        target=S.RECORDED,
        comment=comment,
        changes={
            "delivered_on": delivered_on,
            "volume": volume,
            "unit_price": unit_price,
            "quality_grade": quality_grade,
        },
    )
