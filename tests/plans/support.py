"""Helpers shared by the plan tests: what a refusal must leave untouched, and tranche steps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.policy import ActionRefused
from funding import services as money
from funding.models import GrantCommitment, Payment, Tranche
from plans.models import BusinessPlan, CommitteeDecision, TransitionLog
from tests.factories import attach_evidence


def snapshot(plan: BusinessPlan) -> dict:
    """Everything a refused action on `plan` must leave exactly as it was."""
    fresh = BusinessPlan.objects.select_related("alliance__program").get(pk=plan.pk)
    program = fresh.alliance.program
    return {
        "status": fresh.status,
        "suspended_from": fresh.suspended_from,
        "approved_grant": fresh.approved_grant,
        "approval_conditions": fresh.approval_conditions,
        "logs": TransitionLog.objects.filter(alliance=fresh.alliance_id).count(),
        "versions": list(
            fresh.versions.order_by("number").values_list(
                "number", "frozen_at", "beneficiary_families", "women_members", "youth_members"
            )
        ),
        "decisions": CommitteeDecision.objects.filter(version__plan=fresh).count(),
        "commitments": list(
            GrantCommitment.objects.filter(plan=fresh).values_list("amount", "released_amount")
        ),
        "tranches": list(
            Tranche.objects.filter(commitment__plan=fresh)
            .order_by("number")
            .values_list("number", "amount", "status", "verified_by", "authorized_by")
        ),
        "payments": list(
            Payment.objects.filter(tranche__commitment__plan=fresh)
            .order_by("id")
            .values_list("kind", "amount", "reference")
        ),
        "available": program.available,
    }


def refused(call, code: str) -> ActionRefused:
    """Run `call`, which must be refused with `code`; return the refusal."""
    with pytest.raises(ActionRefused) as info:
        call()
    assert info.value.code == code, (info.value.code, info.value.reasons)
    return info.value


def tranches_of(plan: BusinessPlan) -> list[Tranche]:
    return list(Tranche.objects.filter(commitment__plan=plan).order_by("number"))


def authorize(world, tranche: Tranche, *, authorizer=None) -> Tranche:
    """Request (producer, with evidence), verify (officer) and authorize (second finance
    officer)."""

    attach_evidence(tranche, by=world.producer)
    money.tranche_request(tranche=tranche, by=world.producer)
    money.tranche_verify(tranche=tranche, by=world.officer)
    return money.tranche_authorize(tranche=tranche, by=authorizer or world.finance2)


def pay(world, tranche: Tranche, reference: str, amount: Decimal | None = None) -> Payment:
    return money.tranche_pay(
        tranche=tranche,
        by=world.finance,
        amount=tranche.amount if amount is None else amount,
        paid_on=timezone.localdate(),
        reference=reference,
    )
