"""Tranche 1 is released once the agreement is signed and the first counterpart deposit
(producer cash) is verified (§4, `Tranche.standard_conditions`). Until then the request is
refused with the reason, and the page shows the request button disabled with it; the API
answers 409 with the same reason; nothing changes. The rule lives in one place
(`funding.services._previous_tranche_problem`, and its set-wise twin for the tasks)."""

from __future__ import annotations

import html

from funding import services as money
from plans import services
from plans.models import PlanStatus as S
from tests.factories import attach_evidence, first_deposit
from tests.plans.support import refused

from .support import D, page, pdf, snapshot, tranches

REASON = (
    "The first counterpart deposit (producer cash) must be verified before tranche 1 is requested."
)


def signed_without_deposit(world):
    plan = world.build(S.APPROVED)
    world.builder.step(plan, "agree", world.producer)
    services.plan_sign_agreement(plan=plan, by=world.officer)
    first = tranches(plan)[0]
    attach_evidence(first, by=world.producer)
    return plan, first


def test_tranche_1_waits_for_the_first_deposit_verified(world):
    plan, first = signed_without_deposit(world)
    before = snapshot(plan)
    error = refused(lambda: money.tranche_request(tranche=first, by=world.producer), "conflict")
    assert error.reasons == (REASON,)
    assert snapshot(plan) == before
    # Recorded is not enough, nor is a contribution in kind: verified producer cash.
    contribution = money.contribution_record(
        plan=plan, by=world.producer, kind="producer_cash", amount=D("1000000"),
        contributed_on=plan.created_at.date(), description="Deposit", upload=pdf(),
    )  # fmt: skip
    in_kind = money.contribution_record(
        plan=plan, by=world.producer, kind="producer_in_kind", amount=D("1000000"),
        contributed_on=plan.created_at.date(), description="Labour", upload=pdf(),
    )  # fmt: skip
    money.contribution_verify(contribution=in_kind, by=world.officer)
    assert refused(
        lambda: money.tranche_request(tranche=first, by=world.producer), "conflict"
    ).reasons == (REASON,)
    money.contribution_verify(contribution=contribution, by=world.officer)
    money.tranche_request(tranche=first, by=world.producer)
    first.refresh_from_db()
    assert (first.status, first.requested_by) == ("requested", world.producer)


def test_the_page_shows_the_request_disabled_with_the_reason(client, world):
    plan, first = signed_without_deposit(world)
    body = html.unescape(
        page(client, world.producer, "plan-disbursement", plan.pk).content.decode()
    )
    why = f"why-request-{first.pk}"
    assert f'<p class="notice" id="{why}">{REASON}</p>' in body
    assert (
        f'<button type="button" class="primary" disabled aria-describedby="{why}">'
        "Request this tranche</button>"
    ) in body
    first_deposit(world, plan, producer=world.producer)
    body = html.unescape(
        page(client, world.producer, "plan-disbursement", plan.pk).content.decode()
    )
    assert why not in body


def test_the_api_refuses_with_the_reason(client, world):
    plan, first = signed_without_deposit(world)
    before = snapshot(plan)
    client.force_login(world.producer)
    response = client.post(
        f"/api/v1/tranches/{first.pk}/request/", {}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == REASON
    assert snapshot(plan) == before
