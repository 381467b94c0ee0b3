from decimal import Decimal

import pytest

from accounts.policy import ActionRefused
from funding.agreements import agreement_confirm, agreement_decline, agreement_draft, agreement_send
from funding.models import PurchaseAgreement
from plans.models import PlanStatus

TERMS = {
    "unit": "kg",
    "annual_volume": Decimal("1000"),
    "unit_price": Decimal("250"),
    "duration_months": 24,
}


def test_missing_terms_are_refused_with_field_messages(world):
    plan = world.build(PlanStatus.APPROVED)
    with pytest.raises(ActionRefused) as refused:
        agreement_draft(
            alliance=plan.alliance,
            by=world.producer,
            product=world.product,
            unit="kg",
            unit_price=Decimal("250"),
            duration_months=0,
        )
    assert refused.value.code == "invalid"
    assert refused.value.fields == {
        "annual_volume": ["Give an annual volume greater than zero."],
        "duration_months": ["Give a duration of at least one month."],
    }
    assert not PurchaseAgreement.objects.exists()


def test_amendment_after_confirmation_is_a_new_version_confirmed_again(world):
    plan = world.build(PlanStatus.APPROVED)
    agreement = agreement_draft(
        alliance=plan.alliance, by=world.producer, product=world.product, **TERMS
    )
    agreement_send(agreement=agreement, by=world.producer)
    agreement_confirm(agreement=agreement, by=world.buyer_user)
    amended = agreement_draft(
        alliance=plan.alliance, by=world.officer, annual_volume=Decimal("1500")
    )
    assert amended.status == PurchaseAgreement.Status.DRAFT
    assert list(amended.versions.values_list("number", "annual_volume")) == [
        (1, Decimal("1000.000")),
        (2, Decimal("1500.000")),
    ]
    agreement_send(agreement=amended, by=world.officer)
    agreement_confirm(agreement=amended, by=world.buyer_user)
    amended.refresh_from_db()
    assert amended.status == PurchaseAgreement.Status.CONFIRMED


def test_only_the_buyer_party_confirms_and_a_decline_needs_a_reason(world):
    plan = world.build(PlanStatus.APPROVED)
    agreement = agreement_draft(
        alliance=plan.alliance, by=world.producer, product=world.product, **TERMS
    )
    with pytest.raises(ActionRefused) as refused:
        agreement_confirm(agreement=agreement, by=world.buyer_user)
    assert refused.value.code == "wrong_state"
    agreement_send(agreement=agreement, by=world.producer)
    with pytest.raises(ActionRefused) as refused:
        agreement_confirm(agreement=agreement, by=world.producer)
    assert refused.value.code == "forbidden"
    with pytest.raises(ActionRefused) as refused:
        agreement_decline(agreement=agreement, by=world.buyer_user, comment="  ")
    assert refused.value.code == "invalid"
    agreement.refresh_from_db()
    assert agreement.status == PurchaseAgreement.Status.SENT
    agreement_decline(agreement=agreement, by=world.buyer_user, comment="Price too high")
    agreement.refresh_from_db()
    assert (agreement.status, agreement.decline_reason) == ("declined", "Price too high")
