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

from accounts.models import Role
from accounts.policy import CONFLICT, INVALID, ActionRefused, require_roles
from funding.money import is_whole_in
from plans.models import PlanStatus
from plans.services import log_transition, status_move

from .models import Delivery

PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
SELLING_STAGES = (PlanStatus.ACTIVE, PlanStatus.MONITORING, PlanStatus.SUSPENDED)


def _check_values(alliance, *, delivered_on, volume, unit_price) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(delivered_on, datetime.date) or delivered_on > timezone.localdate():
        errors["delivered_on"] = [_("Give the delivery date; it cannot be in the future.")]
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
    require_roles(by, alliance, PO_SIDE, _("record a delivery")).raise_if_refused()
    stage = getattr(getattr(alliance, "plan", None), "status", None)
    if stage not in SELLING_STAGES:
        raise ActionRefused(
            _("Deliveries are recorded once the alliance's agreement is signed."), code=CONFLICT
        )
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
        log_transition(
            subject=delivery,
            alliance=alliance,
            transition="delivery_record",
            from_state="",
            to_state=delivery.status,
            by=by,
        )
    return delivery


def _move(delivery, *, roles, action, label, source, target, changes=None, **step) -> Delivery:
    def effect(locked: Delivery, comment: str) -> list[str]:
        for name, value in (changes or {}).items():
            setattr(locked, name, value)
        if target == Delivery.Status.DISPUTED:
            locked.dispute_reason = comment
            return [*(changes or {}), "dispute_reason", "updated_at"]
        return [*(changes or {}), "updated_at"]

    return status_move(
        delivery,
        roles=roles,
        label=label,
        transition=action,
        sources={source},
        target=target,
        wrong_state=_("The delivery is at “%(status)s”: “%(action)s” is not possible."),
        effect=effect,
        **step,
    )


def delivery_confirm(*, delivery, by, comment: str = "") -> Delivery:
    return _move(
        delivery,
        by=by,
        roles={Role.BUYER},
        action="delivery_confirm",
        label=_("confirm a delivery"),
        source=Delivery.Status.RECORDED,
        target=Delivery.Status.CONFIRMED,
        comment=comment,
    )


def delivery_dispute(*, delivery, by, comment: str = "") -> Delivery:
    return _move(
        delivery,
        by=by,
        roles={Role.BUYER},
        action="delivery_dispute",
        label=_("dispute a delivery"),
        source=Delivery.Status.RECORDED,
        target=Delivery.Status.DISPUTED,
        comment=comment,
        reason_required=True,
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
        roles=PO_SIDE,
        action="delivery_correct",
        label=_("correct a delivery"),
        source=Delivery.Status.DISPUTED,
        target=Delivery.Status.RECORDED,
        comment=comment,
        changes={
            "delivered_on": delivered_on,
            "volume": volume,
            "unit_price": unit_price,
            "quality_grade": quality_grade,
        },
    )
