"""Helpers of the agreement and disbursement tests: page requests, what a refusal must
leave untouched, and tranches moved along with the right personas."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from funding import services as money
from funding.models import CounterpartContribution, LegalizationCheck, PurchaseAgreement, Tranche
from plans.models import PlanDocument
from tests.factories import EVIDENCE_PDF, attach_evidence
from tests.plans.support import snapshot as plan_snapshot

D = Decimal
XOF = "XOF\u00a0"  # how core/formats.py writes the CFA franc in English


def pdf(name="evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")


def exe(name="receipt.pdf") -> SimpleUploadedFile:
    """A Windows executable dressed up as a PDF."""
    return SimpleUploadedFile(
        name, b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="application/pdf"
    )


def snapshot(plan) -> dict:
    """The plan's money (tranches, payments, commitment, budget) and everything this
    issue adds: evidence, contributions, the agreement and the checklist."""
    state = plan_snapshot(plan)
    state["documents"] = list(
        PlanDocument.objects.filter(plan=plan)
        .order_by("id")
        .values_list("kind", "title", "tranche", "contribution")
    )
    state["tranche_stamps"] = list(
        Tranche.objects.filter(commitment__plan=plan)
        .order_by("number")
        .values_list("requested_by", "verified_by", "authorized_by")
    )
    state["contributions"] = list(
        CounterpartContribution.objects.filter(plan=plan)
        .order_by("id")
        .values_list("kind", "amount", "status", "verified_by")
    )
    state["agreement"] = list(
        PurchaseAgreement.objects.filter(alliance=plan.alliance).values_list(
            "status", "decline_reason", "versions__number", "versions__annual_volume"
        )
    )
    state["checks"] = list(
        LegalizationCheck.objects.filter(alliance=plan.alliance)
        .order_by("id")
        .values_list("requirement", "done_by", "note")
    )
    return state


def tranches(plan) -> list[Tranche]:
    return list(Tranche.objects.filter(commitment__plan=plan).order_by("number"))


def to_status(world, tranche: Tranche, status: str, *, verifier=None, authorizer=None) -> Tranche:
    """Move a planned tranche on to `status` through the services."""
    order = ["requested", "verified", "authorized", "paid"]
    steps = order[: order.index(status) + 1]
    attach_evidence(tranche, by=world.producer)
    money.tranche_request(tranche=tranche, by=world.producer)
    if "verified" in steps:
        money.tranche_verify(tranche=tranche, by=verifier or world.officer)
    if "authorized" in steps:
        money.tranche_authorize(tranche=tranche, by=authorizer or world.finance2)
    if "paid" in steps:
        money.tranche_pay(
            tranche=tranche,
            by=world.finance,
            amount=tranche.amount,
            paid_on=timezone.localdate(),
            reference=f"TR-{tranche.pk}-{tranche.number}",
        )
    tranche.refresh_from_db()
    return tranche


def page(client, user, name, *args, **query):
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def act(client, user, plan, action, target=0, *, confirmed=True, **fields):
    """POST one action of the disbursement page, with its form fields (unprefixed); a step
    that cannot be undone (a payment, a reversal) as its confirmation page sends it,
    unless `confirmed` is False (its own button)."""
    client.force_login(user)
    prefix = f"{action}-{target}-"
    data = {"action": action, "target": target}
    data.update({prefix + k: v for k, v in fields.items()})
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse("plan-disbursement", args=[plan.pk]), data)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)
