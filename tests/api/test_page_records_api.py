"""What the pages showed and the API lacked (issue 19's known gaps): a frozen version, the
committee's decisions, the timeline and the audit history of a plan; grant commitments;
recording and correcting a delivery; the caller's profile. Each reads through the page's
scope and writes through the page's service."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances.deliveries import delivery_dispute
from alliances.models import Delivery
from core.labels import log_model
from funding import services as money
from plans.models import PlanStatus, PlanVersion
from plans.services import plan_resubmit
from tests.factories import attach_evidence

from .support import error

# Most tests that build begin with an active plan: built once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]


def test_a_frozen_version_reads_as_it_was_submitted(api, world):
    plan = world.build(PlanStatus.REVISION_REQUESTED)
    first_title = plan.current_version.title
    plan_resubmit(plan=plan, by=world.producer, comment="Revised")
    PlanVersion.objects.filter(plan=plan, number=2).update(title="Revised plan")
    client = api(world.producer)

    first = client.get(f"/api/v1/plans/{plan.pk}/versions/1/")

    assert first.status_code == 200
    assert (first.json()["number"], first.json()["title"]) == (1, first_title)
    assert first.json()["budget_lines"] != []
    assert client.get(f"/api/v1/plans/{plan.pk}/versions/2/").json()["title"] == "Revised plan"
    missing = client.get(f"/api/v1/plans/{plan.pk}/versions/3/")
    assert (missing.status_code, error(missing)["detail"]) == (404, "No such version.")
    assert api(world.producer_b).get(f"/api/v1/plans/{plan.pk}/versions/1/").status_code == 404


def test_the_buyer_reads_a_version_without_its_budget(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    body = api(world.buyer_user).get(f"/api/v1/plans/{plan.pk}/versions/1/").json()
    assert (body["budget_lines"], body["cash_flows"], body["analysis"]) == ([], [], None)


def test_decisions_for_those_who_read_the_plans_content(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    url = f"/api/v1/plans/{plan.pk}/decisions/"
    [decision] = api(world.producer).get(url).json()
    assert (decision["version"], decision["outcome"], decision["approved_grant"]) == (
        1,
        "approved",
        "14000000.00",
    )
    assert api(world.buyer_user).get(url).json() == []
    assert api(world.producer_b).get(url).status_code == 404


def test_the_timeline_lists_every_step_of_the_alliance_in_order(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    body = api(world.producer).get(f"/api/v1/plans/{plan.pk}/timeline/").json()
    steps = [(row["record"], row["transition"], row["to_state"]) for row in body["results"]]
    assert steps[0] == ("plans.BusinessPlan", "submit", "submitted")
    assert ("plans.BusinessPlan", "approve", "approved") in steps
    assert ("funding.PurchaseAgreement", "agreement_confirm", "confirmed") in steps
    assert steps[-1] == ("plans.BusinessPlan", "sign_agreement", "active")
    assert body["count"] == len(steps)
    first = body["results"][0]
    assert (first["actor"], first["from_state"], first["step"]) == (
        "producer",
        "draft",
        "Submit",
    )


def test_the_buyer_reads_no_money_step_in_the_timeline_page_or_api(api, client, world):
    """§9a: the buyer reads the plan's, the agreement's and the deliveries' steps, never a
    tranche's or a contribution's; the officer reads them all."""
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.get(number=1)
    attach_evidence(tranche, by=world.producer)
    money.tranche_request(tranche=tranche, by=world.producer)
    url = f"/api/v1/plans/{plan.pk}/timeline/"
    money_records = {"funding.Tranche", "funding.CounterpartContribution"}

    officer = {row["record"] for row in api(world.officer).get(url).json()["results"]}
    buyer = {row["record"] for row in api(world.buyer_user).get(url).json()["results"]}

    assert "funding.Tranche" in officer
    assert buyer.isdisjoint(money_records)
    assert {"plans.BusinessPlan", "funding.PurchaseAgreement"} <= buyer
    client.force_login(world.buyer_user)
    page = client.get(reverse("plan-detail", args=[plan.pk]))
    assert page.status_code == 200
    assert {log_model(row) for row in page.context["timeline"]}.isdisjoint(money_records)


@pytest.mark.audited
def test_the_audit_history_is_for_programme_officers(api, world):
    plan = world.build(PlanStatus.APPROVED)
    url = f"/api/v1/plans/{plan.pk}/history/"
    body = api(world.officer).get(url).json()
    assert body["count"] > 0
    assert {"at", "actor", "record", "name", "action", "changes", "comment"} == set(
        body["results"][0]
    )
    refused = api(world.producer).get(url)
    assert (refused.status_code, error(refused)["detail"]) == (
        403,
        "Only the programme's officers and administrators may read a plan's history.",
    )
    assert api(world.producer_b).get(url).status_code == 404


def test_commitments_for_those_who_read_the_money(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    commitment = plan.commitment
    rows = api(world.producer).get("/api/v1/commitments/").json()["results"]
    assert rows == [
        {
            "id": commitment.pk,
            "plan": plan.pk,
            "alliance": plan.alliance_id,
            "alliance_code": plan.alliance.code,
            "program": world.program.pk,
            "amount": "14000000.00",
            "released_amount": "0.00",
            "currency": world.program.currency,
            "committed_at": rows[0]["committed_at"],
        }
    ]
    assert api(world.buyer_user).get("/api/v1/commitments/").json()["results"] == []
    assert api(world.buyer_user).get(f"/api/v1/commitments/{commitment.pk}/").status_code == 404


def test_a_delivery_is_recorded_disputed_and_corrected(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    today = timezone.localdate()
    body = {
        "alliance": plan.alliance_id,
        "delivered_on": today.isoformat(),
        "volume": "1200",
        "unit_price": "250",
        "quality_grade": "A",
    }
    recorded = api(world.producer).post("/api/v1/deliveries/", body, format="json")
    assert recorded.status_code == 201, recorded.json()
    delivery = Delivery.objects.get()
    assert (recorded.json()["id"], recorded.json()["status"], delivery.volume) == (
        delivery.pk,
        "recorded",
        Decimal("1200.000"),
    )
    delivery_dispute(delivery=delivery, by=world.buyer_user, comment="Short weight")
    url = f"/api/v1/deliveries/{delivery.pk}/correct/"
    correction = {**body, "volume": "1140", "comment": "Weighed again"}
    del correction["alliance"]
    corrected = api(world.producer).post(url, correction, format="json")
    assert (corrected.status_code, corrected.json()["status"]) == (200, "recorded")
    delivery.refresh_from_db()
    assert delivery.volume == Decimal("1140.000")
    # Only a disputed delivery is corrected.
    assert api(world.producer).post(url, correction, format="json").status_code == 409


def test_a_delivery_refused_changes_nothing(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    body = {"alliance": plan.alliance_id, "delivered_on": tomorrow.isoformat()}
    bad = api(world.producer).post(
        "/api/v1/deliveries/", {**body, "volume": "0", "unit_price": "250"}, format="json"
    )
    assert (bad.status_code, sorted(error(bad)["fields"])) == (400, ["delivered_on", "volume"])
    good = {**body, "delivered_on": timezone.localdate().isoformat(), "volume": "5"}
    good["unit_price"] = "250"
    assert api(world.producer_b).post("/api/v1/deliveries/", good, format="json").status_code == 404
    assert api(world.buyer_user).post("/api/v1/deliveries/", good, format="json").status_code == 403
    draft = world.build(PlanStatus.DRAFT)
    early = api(world.producer).post(
        "/api/v1/deliveries/", {**good, "alliance": draft.alliance_id}, format="json"
    )
    assert early.status_code == 409
    assert not Delivery.objects.exists()


def test_the_caller_changes_their_profile_as_on_the_profile_page(api, world):
    client = api(world.producer)
    response = client.patch(
        "/api/v1/me/",
        {"preferred_language": "fr", "email_notifications": False, "first_name": "Awa"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["preferred_language"], body["email_notifications"], body["first_name"]) == (
        "fr",
        False,
        "Awa",
    )
    world.producer.refresh_from_db()
    assert (world.producer.preferred_language, world.producer.email_notifications) == ("fr", False)
    taken = client.patch("/api/v1/me/", {"email": world.officer.email}, format="json")
    assert (taken.status_code, error(taken)["fields"]) == (
        400,
        {"email": ["Another account uses this e-mail address."]},
    )
    bad = client.patch("/api/v1/me/", {"preferred_language": "xx"}, format="json")
    assert (bad.status_code, list(error(bad)["fields"])) == (400, ["preferred_language"])
    world.producer.refresh_from_db()
    assert world.producer.email != world.officer.email
