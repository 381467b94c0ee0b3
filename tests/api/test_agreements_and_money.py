"""Purchase agreements, the legalization checklist, tranches and disbursements through
the API: each action allowed, and refused for a wrong role (403), another organization
(404), a wrong state (409) and bad input (400), refusals changing nothing."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from funding.models import LegalizationCheck, Payment, PurchaseAgreement, Tranche
from plans.models import PlanStatus
from tests.factories import EVIDENCE_PDF, ProgramFactory, attach_evidence
from tests.plans.support import snapshot

from .support import error

TERMS = {
    "product": None,
    "unit": "kg",
    "annual_volume": "120000",
    "unit_price": "235",
    "duration_months": 36,
    "payment_terms": "30 days after delivery",
}


def terms(world, **changes) -> dict:
    return {**TERMS, "product": world.product.pk, **changes}


def agreements() -> list:
    return list(PurchaseAgreement.objects.order_by("id").values_list("status", "versions__number"))


def test_agreement_drafted_sent_and_confirmed(api, world):
    plan = world.build(PlanStatus.APPROVED)
    response = api(world.producer).post(
        "/api/v1/purchase-agreements/",
        {"alliance": plan.alliance_id, **terms(world)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["current_version"]["number"]) == ("draft", 1)
    assert body["current_version"]["annual_volume"] == "120000.000"
    url = f"/api/v1/purchase-agreements/{body['id']}/"
    response = api(world.producer).patch(url, {"unit_price": "240"}, format="json")
    assert response.json()["current_version"]["unit_price"] == "240.00"  # draft: in place
    assert api(world.producer).post(url + "send/").json()["status"] == "sent"
    response = api(world.buyer_user).post(url + "confirm/", {"comment": "Agreed"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    # An amendment of a confirmed agreement is version 2, back in draft.
    response = api(world.officer).patch(url, {"annual_volume": "150000"}, format="json")
    assert (response.json()["status"], response.json()["current_version"]["number"]) == (
        "draft",
        2,
    )


def test_agreement_refusals_change_nothing(api, world):
    plan = world.build(PlanStatus.APPROVED)
    create = "/api/v1/purchase-agreements/"
    body = {"alliance": plan.alliance_id, **terms(world)}
    response = api(world.buyer_user).post(create, body, format="json")
    assert response.status_code == 403
    response = api(world.producer_b).post(create, body, format="json")
    assert error(response)["fields"] == {
        "alliance": [f'Invalid pk "{plan.alliance_id}" - object does not exist.']
    }
    response = api(world.producer).post(
        create, {**body, "duration_months": 0, "annual_volume": "0"}, format="json"
    )
    assert error(response)["fields"] == {
        "annual_volume": ["Give an annual volume greater than zero."],
        "duration_months": ["Give a duration of at least one month."],
    }
    assert agreements() == []

    pk = api(world.producer).post(create, body, format="json").json()["id"]
    before = agreements()
    response = api(world.producer).post(create, body, format="json")
    assert error(response)["fields"] == {
        "alliance": ["This alliance already has an agreement: amend it with PATCH."]
    }
    url = f"/api/v1/purchase-agreements/{pk}/"
    response = api(world.buyer_user).post(url + "confirm/")
    assert response.status_code == 409  # still a draft
    assert error(response)["detail"] == (
        "The agreement is draft: it cannot be sent to “confirm the agreement”."
    )
    assert api(world.producer_b).get(url).status_code == 404
    assert api(world.producer_b).post(url + "send/").status_code == 404
    api(world.producer).post(url + "send/")
    before = agreements()
    assert api(world.producer).post(url + "confirm/").status_code == 403
    response = api(world.buyer_user).post(url + "decline/", {"comment": ""}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {"comment": ["Give a reason."]}
    assert agreements() == before
    response = api(world.buyer_user).post(url + "decline/", {"comment": "Price"}, format="json")
    assert (response.json()["status"], response.json()["decline_reason"]) == ("declined", "Price")


def test_legalization_checklist(api, world):
    plan = world.build(PlanStatus.APPROVED)
    url = f"/api/v1/alliances/{plan.alliance_id}/legalization-checks/"
    signed, bank = world.program.legalization_requirements.order_by("order")
    assert api(world.producer_b).post(url, {"requirement": signed.pk}).status_code == 404
    assert api(world.producer).post(url, {"requirement": signed.pk}).status_code == 403
    response = api(world.officer).post(url, {"requirement": 999999})
    assert error(response)["fields"] == {"requirement": ["No such checklist item."]}
    elsewhere = ProgramFactory().legalization_requirements.first()
    response = api(world.officer).post(url, {"requirement": elsewhere.pk})
    assert response.status_code == 400
    assert error(response)["detail"] == "This item is not on the programme's checklist."
    assert not LegalizationCheck.objects.exists()
    response = api(world.officer).post(url, {"requirement": bank.pk, "note": "IBAN seen"})
    assert response.status_code == 200
    assert [(i["code"], i["done"], i["note"], i["done_by"]) for i in response.json()] == [
        ("signed", False, "", None),
        ("bank", True, "IBAN seen", "officer"),
    ]
    assert api(world.funder_user).get(url).json()[1]["done"] is True


# --- tranches and disbursements --------------------------------------------------------


def tranche_url(tranche, action="") -> str:
    return f"/api/v1/tranches/{tranche.pk}/" + (f"{action}/" if action else "")


def pay_body(tranche, **changes) -> dict:
    body = {
        "amount": str(tranche.amount),
        "paid_on": timezone.localdate().isoformat(),
        "reference": "TR-0001",
    }
    body.update(changes)
    return body


def test_tranche_requested_verified_authorized_and_paid(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = plan.commitment.tranches.get(number=1)
    response = api(world.producer).post(tranche_url(first, "request"))
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "Attach at least one evidence document before requesting tranche 1."
    )
    upload = SimpleUploadedFile("slip.pdf", EVIDENCE_PDF, content_type="application/pdf")
    response = api(world.producer).post(
        tranche_url(first, "evidence"), {"title": "Bank slip", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["title"], response.json()["original_name"]) == ("Bank slip", "slip.pdf")
    assert [d["title"] for d in api(world.officer).get(tranche_url(first, "evidence")).json()] == [
        "Bank slip"
    ]
    assert api(world.producer).post(tranche_url(first, "request")).json()["status"] == "requested"
    assert api(world.officer).post(tranche_url(first, "verify")).json()["status"] == "verified"
    response = api(world.finance).post(tranche_url(first, "authorize"))
    assert response.json()["status"] == "authorized"
    response = api(world.finance2).post(tranche_url(first, "pay"), pay_body(first), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["net_paid"], body["verified_by"], body["authorized_by"]) == (
        "paid",
        "4666666.00",
        "officer",
        "finance",
    )
    assert [(p["kind"], p["amount"], p["reference"]) for p in body["payments"]] == [
        ("payment", "4666666.00", "TR-0001")
    ]
    [disbursement] = api(world.producer).get("/api/v1/disbursements/").json()["results"]
    assert (disbursement["tranche"], disbursement["amount"], disbursement["currency"]) == (
        first.pk,
        "4666666.00",
        "XOF",
    )


def test_tranche_refusals_change_nothing(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first, second = plan.commitment.tranches.order_by("number")[:2]
    before = snapshot(plan)
    assert api(world.producer_b).post(tranche_url(first, "request")).status_code == 404
    assert api(world.officer).post(tranche_url(first, "request")).status_code == 403
    response = api(world.producer).post(tranche_url(first, "verify"))
    assert response.status_code == 403
    response = api(world.officer).post(tranche_url(first, "verify"))
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "Tranche 1 is planned; it cannot be sent to “verify a tranche request”."
    )
    response = api(world.producer).post(tranche_url(second, "request"))
    assert response.status_code == 409
    assert error(response)["detail"] == ("Tranche 1 must be paid before tranche 2 is requested.")
    assert snapshot(plan) == before


def test_payment_refusals_change_nothing(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = plan.commitment.tranches.get(number=1)
    attach_evidence(first, by=world.producer)
    api(world.producer).post(tranche_url(first, "request"))
    api(world.officer).post(tranche_url(first, "verify"))
    api(world.finance).post(tranche_url(first, "authorize"))
    before = snapshot(plan)
    client = api(world.finance2)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        tranche_url(first, "pay"),
        pay_body(first, amount="100", paid_on=tomorrow, reference=" "),
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "amount": ["The payment must be the tranche amount, XOF\u00a04,666,666."],
        "reference": ["Give the bank or treasury reference."],
        "paid_on": ["Give the payment date; it cannot be in the future."],
    }
    response = client.post(tranche_url(first, "pay"), {"amount": "x"}, format="json")
    assert error(response)["fields"] == {
        "amount": ["A valid number is required."],
        "paid_on": ["This field is required."],
        "reference": ["This field is required."],
    }
    response = api(world.producer).post(tranche_url(first, "pay"), pay_body(first), format="json")
    assert response.status_code == 403
    assert snapshot(plan) == before


def test_a_payment_is_reversed_not_edited(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = plan.commitment.tranches.get(number=1)
    attach_evidence(first, by=world.producer)
    for user, step in (
        (world.producer, "request"),
        (world.officer, "verify"),
        (world.finance, "authorize"),
    ):
        api(user).post(tranche_url(first, step))
    api(world.finance2).post(tranche_url(first, "pay"), pay_body(first), format="json")
    payment = Payment.objects.get()
    url = f"/api/v1/disbursements/{payment.pk}/reverse/"
    assert api(world.producer).post(url, {"reason": "Wrong account"}).status_code == 403
    assert api(world.producer_b).post(url, {"reason": "Wrong account"}).status_code == 404
    response = api(world.finance).post(url, {"reason": ""}, format="json")
    assert error(response)["fields"] == {"reason": ["Give a reason."]}
    assert Payment.objects.count() == 1
    response = api(world.finance).post(url, {"reason": "Wrong account"}, format="json")
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["reverses"]) == ("reversal", payment.pk)
    assert Tranche.objects.get(pk=first.pk).status == Tranche.Status.AUTHORIZED
    response = api(world.finance).post(url, {"reason": "Again"}, format="json")
    assert response.status_code == 409
    assert Payment.objects.count() == 2
