"""Three different people touch every payment (§4): a programme officer verifies, a
finance officer who did not verify authorizes, and a finance officer who did neither
records the payment. Through the service, the page and the API; refusals change nothing."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Role
from funding import services as money
from funding.models import Payment
from plans.models import PlanStatus
from tests.factories import UserFactory, member_of
from tests.plans.support import refused

from .support import act, page, snapshot, to_status, tranches

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

AUTHORIZED_IT = (
    "You authorized this tranche: a finance officer who neither verified nor authorized it "
    "must record its payment."
)
VERIFIED_IT = (
    "You verified this tranche: a finance officer who neither verified nor authorized it "
    "must record its payment."
)


@pytest.fixture
def both(world):
    """A programme officer who is also a finance officer."""
    user = member_of(UserFactory(username="both"), Role.PROGRAMME_OFFICER)
    return member_of(user, Role.FINANCE_OFFICER)


def authorized(world, *, verifier=None, authorizer=None):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(
        world, tranches(plan)[0], "authorized", verifier=verifier, authorizer=authorizer
    )
    return plan, first


def pay(tranche, by):
    return money.tranche_pay(
        tranche=tranche,
        by=by,
        amount=tranche.amount,
        paid_on=timezone.localdate(),
        reference="TR-1",
    )


def pay_fields() -> dict:
    return {
        "paid_on": timezone.localdate().isoformat(),
        "amount": "4666666",
        "reference": "TR-1",
        "comment": "",
    }


def forms_and_notes(response) -> tuple[list, list]:
    row = response.context["rows"][0]
    return [f.action for f in row.forms], row.notes


# --- the service ---------------------------------------------------------------------------


def test_the_authorizer_may_not_pay(world):
    plan, first = authorized(world, authorizer=world.finance2)
    before = snapshot(plan)
    error = refused(lambda: pay(first, world.finance2), "forbidden")
    assert error.reasons == (AUTHORIZED_IT,)
    assert snapshot(plan) == before


def test_the_verifier_may_not_pay(world, both):
    plan, first = authorized(world, verifier=both, authorizer=world.finance2)
    before = snapshot(plan)
    error = refused(lambda: pay(first, both), "forbidden")
    assert error.reasons == (VERIFIED_IT,)
    assert snapshot(plan) == before


def test_three_different_people_pay(world):
    plan, first = authorized(world, authorizer=world.finance2)
    payment = pay(first, world.finance)
    first.refresh_from_db()
    assert (first.status, first.verified_by, first.authorized_by, payment.recorded_by) == (
        "paid",
        world.officer,
        world.finance2,
        world.finance,
    )


def test_after_a_reversal_the_authorizer_still_may_not_pay(world):
    plan, first = authorized(world, authorizer=world.finance2)
    payment = pay(first, world.finance)
    money.payment_reverse(payment=payment, by=world.finance, reason="Account closed")
    before = snapshot(plan)
    error = refused(lambda: pay(first, world.finance2), "forbidden")
    assert error.reasons == (AUTHORIZED_IT,)
    assert snapshot(plan) == before


# --- the page ------------------------------------------------------------------------------


def test_the_page_offers_pay_only_to_a_third_person(client, world, both):
    plan, _first = authorized(world, verifier=both, authorizer=world.finance2)
    response = page(client, world.finance2, "plan-disbursement", plan.pk)
    assert forms_and_notes(response) == ([], [AUTHORIZED_IT])
    response = page(client, both, "plan-disbursement", plan.pk)
    assert forms_and_notes(response) == ([], [VERIFIED_IT])
    response = page(client, world.finance, "plan-disbursement", plan.pk)
    assert forms_and_notes(response) == (["pay"], [])


@pytest.mark.parametrize("who", ["finance2", "both"])
def test_the_page_refuses_the_authorizer_or_verifier(client, world, both, who):
    plan, first = authorized(world, verifier=both, authorizer=world.finance2)
    payer = both if who == "both" else world.finance2
    before = snapshot(plan)
    response = act(client, payer, plan, "pay", first.pk, **pay_fields())
    assert response.status_code == 403
    assert snapshot(plan) == before
    assert not Payment.objects.exists()


def test_the_page_records_a_third_persons_payment(client, world, both):
    plan, first = authorized(world, verifier=both, authorizer=world.finance2)
    response = act(client, world.finance, plan, "pay", first.pk, **pay_fields())
    assert response.status_code == 302
    assert list(Payment.objects.values_list("tranche", "recorded_by")) == [
        (first.pk, world.finance.pk)
    ]


# --- the API -------------------------------------------------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def pay_body() -> dict:
    return {"amount": "4666666", "paid_on": timezone.localdate().isoformat(), "reference": "TR-1"}


@pytest.mark.parametrize(("who", "reason"), [("finance2", AUTHORIZED_IT), ("both", VERIFIED_IT)])
def test_the_api_answers_403_to_the_authorizer_or_verifier(world, both, who, reason):
    plan, first = authorized(world, verifier=both, authorizer=world.finance2)
    payer = both if who == "both" else world.finance2
    before = snapshot(plan)
    response = api_as(payer).post(f"/api/v1/tranches/{first.pk}/pay/", pay_body(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == reason
    assert snapshot(plan) == before


def test_the_api_records_a_third_persons_payment(world, both):
    plan, first = authorized(world, verifier=both, authorizer=world.finance2)
    response = api_as(world.finance).post(
        f"/api/v1/tranches/{first.pk}/pay/", pay_body(), format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["verified_by"], body["authorized_by"]) == (
        "paid",
        "both",
        "finance2",
    )
    assert body["payments"][0]["recorded_by"] == "finance"
