"""Purchase agreement pages: drafting from the plan, sending, the buyer's confirmation or
reasoned decline, amendments as versions, the PDF, the buyer's list, and the legalization
checklist followed by signing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funding.agreements import agreement_confirm, agreement_draft, agreement_send
from funding.models import LegalizationCheck, PurchaseAgreement, Tranche
from plans.models import PlanStatus
from tests.factories import BuyerFactory, UserFactory, member_of

from .support import page, snapshot

D = Decimal
S = PlanStatus
# Most tests begin with a plan in this status: built once for the module.
pytestmark = pytest.mark.prebuilt(S.APPROVED)

TERMS = {
    "unit": "kg",
    "annual_volume": "120000",
    "quality_specification": "Moisture under 13%",
    "price_type": "fixed",
    "unit_price": "235",
    "market_reference": "",
    "delivery_schedule": "Monthly, October to March",
    "payment_terms": "30 days after delivery",
    "duration_months": "36",
    "buyer_support": "Bags and drying advice",
}


def draft(world, plan, **changes):
    terms = {
        "product": world.product,
        "unit": "kg",
        "annual_volume": D("120000"),
        "unit_price": D("235"),
        "duration_months": 36,
    }
    terms.update(changes)
    return agreement_draft(alliance=plan.alliance, by=world.producer, **terms)


def sent(world, plan):
    agreement = draft(world, plan)
    return agreement_send(agreement=agreement, by=world.producer)


def post_action(client, user, plan, action, comment="", *, confirmed=True):
    """POST an action of the agreement page; declining as its confirmation page sends it,
    unless `confirmed` is False (the decline button itself)."""
    client.force_login(user)
    data = {"action": action, f"{action}-comment": comment}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse("plan-agreement", args=[plan.pk]), data)


# --- who may open what ---------------------------------------------------------------------

PAGES = [
    # page, allowed, wrong role (403), outsider (404)
    ("plan-agreement", ["producer", "ta", "buyer_user", "officer", "funder_user"], "appraiser", "producer_b"),
    ("plan-agreement-edit", ["producer", "ta", "officer"], "buyer_user", "producer_b"),
    ("plan-agreement-pdf", ["producer", "buyer_user", "finance"], "appraiser", "regional_officer"),
    ("plan-legalization", ["officer", "producer", "committee"], "buyer_user", "producer_b"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "allowed", "wrong_role", "outsider"), PAGES)
def test_page_access(client, world, name, allowed, wrong_role, outsider):
    plan = world.build(S.APPROVED)
    sent(world, plan)
    for who in allowed:
        assert page(client, getattr(world, who), name, plan.pk).status_code == 200, who
    assert page(client, getattr(world, wrong_role), name, plan.pk).status_code == 403
    assert page(client, getattr(world, outsider), name, plan.pk).status_code == 404


def test_another_buyer_does_not_see_the_agreement(client, world):
    plan = world.build(S.APPROVED)
    sent(world, plan)
    other = member_of(UserFactory(username="buyer_two"), "buyer", buyer=BuyerFactory())
    assert page(client, other, "plan-agreement", plan.pk).status_code == 404
    assert post_action(client, other, plan, "confirm").status_code == 404
    assert page(client, other, "agreement-list").context["page"].paginator.count == 0


def test_tabs_from_approval_for_those_who_may_open_them(client, world):
    plan = world.build(S.APPROVED)
    tabs = reverse("plan-agreement", args=[plan.pk]), reverse("plan-disbursement", args=[plan.pk])
    content = page(client, world.officer, "plan-detail", plan.pk).content.decode()
    assert all(tab in content for tab in tabs)
    content = page(client, world.buyer_user, "plan-detail", plan.pk).content.decode()
    assert (tabs[0] in content, tabs[1] in content) == (True, False)
    early = world.build(S.COMMITTEE)
    content = page(client, world.officer, "plan-detail", early.pk).content.decode()
    assert reverse("plan-agreement", args=[early.pk]) not in content


# --- drafting, sending, confirming ---------------------------------------------------------


def test_draft_form_is_prefilled_from_the_alliance(client, world):
    plan = world.build(S.APPROVED)
    response = page(client, world.producer, "plan-agreement-edit", plan.pk)
    form = response.context["form"]
    assert (form["product"].value(), form["unit"].value(), form["duration_months"].value()) == (
        world.product.pk,
        "kg",
        "60",  # shown as the user's language writes it (core/number_fields.py)
    )
    assert list(form.fields["product"].queryset) == [world.product]


def test_producer_drafts_and_sends_the_buyer_confirms(client, world):
    plan = world.build(S.APPROVED)
    client.force_login(world.producer)
    response = client.post(
        reverse("plan-agreement-edit", args=[plan.pk]), {"product": world.product.pk, **TERMS}
    )
    assert response.status_code == 302
    agreement = PurchaseAgreement.objects.get()
    version = agreement.current_version
    assert (agreement.status, version.number, version.annual_volume, version.unit_price) == (
        "draft",
        1,
        D("120000"),
        D("235"),
    )
    assert [
        a
        for a, _label, _form in page(client, world.producer, "plan-agreement", plan.pk).context[
            "actions"
        ]
    ] == ["send"]
    assert page(client, world.buyer_user, "plan-agreement", plan.pk).context["actions"] == []
    assert post_action(client, world.producer, plan, "send").status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "sent"
    home = page(client, world.buyer_user, "home")
    assert [(t.key, t.count) for t in home.context["my_tasks"]] == [
        ("to_confirm_agreement", 1),
        ("to_confirm_delivery", 0),
    ]
    actions = page(client, world.buyer_user, "plan-agreement", plan.pk).context["actions"]
    assert [a for a, _label, _form in actions] == ["confirm", "decline"]

    assert post_action(client, world.buyer_user, plan, "confirm", "Agreed.").status_code == 302

    agreement.refresh_from_db()
    assert agreement.status == "confirmed"
    assert agreement.current_version.confirmed_at is not None
    assert [
        (t.key, t.count) for t in page(client, world.buyer_user, "home").context["my_tasks"]
    ] == [("to_confirm_agreement", 0), ("to_confirm_delivery", 0)]


def test_bad_terms_keep_the_input_and_save_nothing(client, world):
    plan = world.build(S.APPROVED)
    client.force_login(world.producer)
    response = client.post(
        reverse("plan-agreement-edit", args=[plan.pk]),
        {
            "product": world.product.pk,
            **TERMS,
            "annual_volume": "0",
            "unit": "",
            "duration_months": "x",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {
        "annual_volume": ["Ensure this value is greater than or equal to 0.001."],
        "unit": ["This field is required."],
        "duration_months": ["Write numbers like 1,234,567."],
    }
    assert form["payment_terms"].value() == "30 days after delivery"
    assert not PurchaseAgreement.objects.exists()


def test_decline_needs_a_reason_and_only_the_buyer_answers(client, world):
    plan = world.build(S.APPROVED)
    sent(world, plan)
    before = snapshot(plan)
    response = post_action(client, world.buyer_user, plan, "decline", "  ")
    assert response.status_code == 400
    assert dict(response.context["actions"][1][2].errors) == {
        "comment": ["This field is required."]
    }
    assert post_action(client, world.producer, plan, "confirm").status_code == 403
    assert post_action(client, world.officer, plan, "decline", "No").status_code == 403
    assert post_action(client, world.producer_b, plan, "confirm").status_code == 404
    assert post_action(client, world.buyer_user, plan, "sign").status_code == 404
    assert snapshot(plan) == before

    response = post_action(client, world.buyer_user, plan, "decline", "The price is too high.")

    assert response.status_code == 302
    client.get(response.url)  # the confirmation message is read
    agreement = PurchaseAgreement.objects.get()
    assert (agreement.status, agreement.decline_reason) == ("declined", "The price is too high.")
    before = snapshot(plan)
    response = post_action(client, world.buyer_user, plan, "confirm")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        "The agreement is declined by the buyer: it cannot be sent to “confirm the agreement”."
    ]
    assert snapshot(plan) == before


def test_amendment_is_a_new_version_confirmed_again(client, world):
    plan = world.build(S.ACTIVE)  # its agreement is confirmed
    client.force_login(world.officer)
    response = client.post(
        reverse("plan-agreement-edit", args=[plan.pk]),
        {"product": world.product.pk, **TERMS, "annual_volume": "150000"},
    )
    assert response.status_code == 302
    agreement = PurchaseAgreement.objects.get()
    assert agreement.status == "draft"
    assert list(agreement.versions.values_list("number", "annual_volume", "created_by")) == [
        (1, D("100000.000"), world.producer.pk),
        (2, D("150000.000"), world.officer.pk),
    ]
    response = page(client, world.buyer_user, "plan-agreement", plan.pk)
    assert [v.number for v in response.context["versions"]] == [1, 2]
    assert response.context["shown"].number == 2
    earlier = page(client, world.buyer_user, "plan-agreement", plan.pk, version="1")
    assert (earlier.context["shown"].annual_volume, earlier.context["is_current"]) == (
        D("100000.000"),
        False,
    )
    assert page(client, world.buyer_user, "plan-agreement", plan.pk, version="9").status_code == 404
    post_action(client, world.officer, plan, "send")
    post_action(client, world.buyer_user, plan, "confirm")
    agreement.refresh_from_db()
    assert agreement.status == "confirmed"


def test_pdf_for_signature(client, world):
    plan = world.build(S.ACTIVE)
    response = page(client, world.buyer_user, "plan-agreement-pdf", plan.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="agreement-{plan.alliance.code}-v1.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert (
        page(client, world.buyer_user, "plan-agreement-pdf", plan.pk, version="7").status_code
        == 404
    )
    none_yet = world.build(S.APPROVED)
    assert page(client, world.producer, "plan-agreement-pdf", none_yet.pk).status_code == 404


# --- the buyer's list ------------------------------------------------------------------------


def test_buyer_lists_its_agreements_by_status(client, world):
    mine = world.build(S.APPROVED)
    sent(world, mine)
    confirmed = world.build(S.ACTIVE)
    theirs = world.build(S.APPROVED, buyer=BuyerFactory(name="Other buyer"))
    draft(world, theirs)
    response = page(client, world.buyer_user, "agreement-list")
    assert {a.alliance_id for a in response.context["page"].object_list} == {
        mine.alliance_id,
        confirmed.alliance_id,
    }
    response = page(client, world.buyer_user, "agreement-list", status="sent")
    assert [a.alliance_id for a in response.context["page"].object_list] == [mine.alliance_id]
    response = page(client, world.buyer_user, "agreement-list", status="bogus")
    assert response.context["page"].paginator.count == 2


# --- the legalization checklist and signing ----------------------------------------------


def test_officer_completes_the_checklist_then_signs(client, world):
    plan = world.build(S.APPROVED)
    agreement = sent(world, plan)

    agreement_confirm(agreement=agreement, by=world.buyer_user)
    signed, bank = world.program.legalization_requirements.order_by("order")
    response = page(client, world.officer, "plan-legalization", plan.pk)
    assert [(r.code, c, f is not None) for r, c, f in response.context["items"]] == [
        ("signed", None, True),
        ("bank", None, True),
    ]
    assert response.context["sign_problems"] == (
        "The legalization checklist is not complete: Alliance agreement signed; "
        "Bank account registered.",
    )
    url = reverse("plan-legalization", args=[plan.pk])
    client.force_login(world.producer)
    assert (
        client.post(url, {"requirement": signed.pk, f"item-{signed.pk}-note": ""}).status_code
        == 403
    )
    assert not LegalizationCheck.objects.exists()
    client.force_login(world.officer)
    assert client.post(url, {"requirement": 99999}).status_code == 404
    for requirement, note in ((signed, "Signed on 3 May"), (bank, "")):
        response = client.post(
            url, {"requirement": requirement.pk, f"item-{requirement.pk}-note": note}
        )
        assert response.status_code == 302
    assert list(
        LegalizationCheck.objects.order_by("id").values_list("requirement", "done_by", "note")
    ) == [
        (signed.pk, world.officer.pk, "Signed on 3 May"),
        (bank.pk, world.officer.pk, ""),
    ]
    response = page(client, world.officer, "plan-legalization", plan.pk)
    assert (response.context["can_sign"], response.context["sign_problems"]) == (True, ())
    assert "done by" in response.content.decode()
    response = client.post(
        reverse("plan-action", args=[plan.pk, "sign_agreement"]), {"sign_agreement-comment": ""}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "active"
    assert list(Tranche.objects.filter(commitment__plan=plan).values_list("number", "amount")) == [
        (1, D("4666666")),
        (2, D("4666666")),
        (3, D("4666668")),
    ]
    response = page(client, world.officer, "plan-legalization", plan.pk)
    assert [f for _r, _c, f in response.context["items"]] == [None, None]


def test_producer_reads_the_checklist_but_cannot_sign(client, world):
    plan = world.build(S.APPROVED)
    response = page(client, world.producer, "plan-legalization", plan.pk)
    assert [f for _r, _c, f in response.context["items"]] == [None, None]
    assert (response.context["can_sign"], response.context["sign_problems"]) == (False, ())
