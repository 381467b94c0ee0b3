"""Counterpart contributions in the API (issue 19): recorded by the producer
organization's side with their evidence, verified by a programme officer, through the
services of the disbursement page; read by those who read the alliance's money (§9a)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from funding import services as money
from funding.models import CounterpartContribution
from plans.models import PlanDocument, PlanStatus, TransitionLog
from plans.services import plan_suspend
from tests.factories import EVIDENCE_PDF
from tests.funding.support import exe
from tests.uploads import stored_files

from .support import error

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]

URL = "/api/v1/counterpart-contributions/"


def pdf(name="slip.pdf"):
    return SimpleUploadedFile(name, EVIDENCE_PDF, content_type="application/pdf")


def record(api, user, for_plan, **data):
    body = {
        "plan": for_plan.pk,
        "kind": "producer_cash",
        "amount": "500000",
        "contributed_on": timezone.localdate().isoformat(),
        "description": "First deposit",
        "file": pdf(),
        **data,
    }
    return api(user).post(URL, body, format="multipart")


def recorded(world, plan) -> CounterpartContribution:
    return money.contribution_record(
        plan=plan,
        by=world.producer,
        kind="producer_in_kind",
        amount="250000",
        contributed_on=timezone.localdate(),
        description="Labour for the store",
        upload=pdf("labour.pdf"),
    )


def contributions_and_files() -> tuple:
    """The contributions, their evidence and the stored files (an active plan has its first
    counterpart deposit already, with its slip)."""
    return (
        sorted(CounterpartContribution.objects.values_list("pk", flat=True)),
        sorted(
            PlanDocument.objects.filter(contribution__isnull=False).values_list("pk", flat=True)
        ),
        stored_files(),
    )


def nothing_recorded(before):
    assert contributions_and_files() == before


@pytest.mark.parametrize("who", ["producer", "ta"])
def test_the_producer_side_records_a_contribution_with_its_evidence(api, world, who):
    plan = world.build(PlanStatus.APPROVED)

    response = record(api, getattr(world, who), plan)

    assert response.status_code == 201, response.json()
    contribution = CounterpartContribution.objects.get(plan=plan)
    document = contribution.evidence.get()
    body = response.json()
    assert body == {
        "id": contribution.pk,
        "plan": plan.pk,
        "alliance": plan.alliance_id,
        "alliance_code": plan.alliance.code,
        "kind": "producer_cash",
        "amount": "500000.00",
        "currency": "XOF",
        "contributed_on": timezone.localdate().isoformat(),
        "description": "First deposit",
        "status": "recorded",
        "recorded_by": getattr(world, who).username,
        "verified_by": None,
        "verified_at": None,
        "evidence": [body["evidence"][0]],
    }
    assert body["evidence"][0]["id"] == document.pk
    assert (document.kind, document.title, document.original_name) == (
        "evidence",
        "First deposit",
        "slip.pdf",
    )
    download = api(world.officer).get(body["evidence"][0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == EVIDENCE_PDF
    log = TransitionLog.objects.get(transition="contribution_record", object_id=contribution.pk)
    assert (log.actor, log.to_state) == (getattr(world, who), "recorded")


def test_an_officer_verifies_and_a_second_verification_is_a_409(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    contribution = recorded(world, plan)
    client = api(world.officer)

    response = client.post(f"{URL}{contribution.pk}/verify/", {"comment": "Seen"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["verified_by"]) == ("verified", "officer")
    contribution.refresh_from_db()
    assert (contribution.status, contribution.verified_by) == ("verified", world.officer)
    verified = TransitionLog.objects.filter(
        transition="contribution_verify", object_id=contribution.pk
    )
    assert verified.get().comment == "Seen"
    # The producer side is told, as after the page's verification.
    assert Notification.objects.filter(recipient=world.producer).exists()

    again = client.post(f"{URL}{contribution.pk}/verify/", {}, format="json")
    assert again.status_code == 409
    assert error(again)["detail"] == "This contribution is already verified."
    assert verified.count() == 1


@pytest.mark.parametrize("who", ["officer", "finance", "committee", "me_officer", "funder_user"])
def test_only_the_producer_side_records(api, world, who):
    plan = world.build(PlanStatus.ACTIVE)
    before = contributions_and_files()
    response = record(api, getattr(world, who), plan)
    assert response.status_code == 403
    assert error(response)["detail"].startswith("Only a ")
    nothing_recorded(before)


def test_the_buyer_may_not_record_either(api, world):
    # It sees the alliance, not its money: the page refuses it too (403).
    plan = world.build(PlanStatus.ACTIVE)
    before = contributions_and_files()
    response = record(api, world.buyer_user, plan)
    assert response.status_code == 403
    nothing_recorded(before)


@pytest.mark.parametrize("who", ["producer", "ta", "finance", "committee", "funder_user"])
def test_only_a_programme_officer_verifies(api, world, who):
    plan = world.build(PlanStatus.ACTIVE)
    contribution = recorded(world, plan)
    response = api(getattr(world, who)).post(f"{URL}{contribution.pk}/verify/", {}, format="json")
    assert response.status_code == 403
    contribution.refresh_from_db()
    assert (contribution.status, contribution.verified_by) == ("recorded", None)


@pytest.mark.parametrize("who", ["producer_b", "regional_officer", "buyer_user", "outsider"])
def test_who_does_not_read_the_money_gets_404(api, world, who):
    plan = world.build(PlanStatus.ACTIVE)
    contribution = recorded(world, plan)
    client = api(getattr(world, who))
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{contribution.pk}/").status_code == 404
    verify = client.post(f"{URL}{contribution.pk}/verify/", {}, format="json")
    assert verify.status_code == 404
    assert error(verify)["detail"] == "No such contribution."
    contribution.refresh_from_db()
    assert contribution.status == "recorded"


@pytest.mark.parametrize("who", ["producer_b", "regional_officer", "outsider"])
def test_recording_on_a_plan_one_does_not_see_is_a_404(api, world, who):
    plan = world.build(PlanStatus.ACTIVE)
    before = contributions_and_files()
    response = record(api, getattr(world, who), plan)
    assert response.status_code == 404
    assert error(response)["detail"] == "No such business plan."
    nothing_recorded(before)


@pytest.mark.parametrize("state", [PlanStatus.DRAFT, PlanStatus.SUSPENDED])
def test_outside_approved_active_or_monitoring_it_is_a_409(api, world, state):
    plan = world.build(state)
    before = contributions_and_files()
    response = record(api, world.producer, plan)
    assert response.status_code == 409
    assert "Counterpart contributions are recorded and verified while" in error(response)["detail"]
    nothing_recorded(before)


def test_verifying_when_the_alliance_is_suspended_is_a_409(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    contribution = recorded(world, plan)
    plan_suspend(plan=plan, by=world.officer, comment="Audit")
    response = api(world.officer).post(f"{URL}{contribution.pk}/verify/", {}, format="json")
    assert response.status_code == 409
    contribution.refresh_from_db()
    assert contribution.status == "recorded"


# Parameters are computed at collection: a week ahead stays in the future when the
# suite runs across midnight.
NEXT_WEEK = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"kind": "gold"}, {"kind"}),
        ({"amount": "0"}, {"amount"}),
        ({"amount": "12.5"}, {"amount"}),  # XOF has no minor unit
        ({"amount": "abc"}, {"amount"}),
        ({"contributed_on": NEXT_WEEK}, {"contributed_on"}),
        ({"contributed_on": "1999-12-31"}, {"contributed_on"}),
        ({"description": "   "}, {"description"}),
        ({"file": ""}, {"file"}),
        ({"file": exe()}, {"file"}),
        ({"plan": "x"}, {"plan"}),
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_nothing_is_saved(api, world, data, fields):
    plan = world.build(PlanStatus.ACTIVE)
    before = contributions_and_files()
    response = record(api, world.producer, plan, **data)
    assert response.status_code == 400, response.json()
    assert set(error(response)["fields"]) == fields
    nothing_recorded(before)


def test_the_service_messages_reach_the_client(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    response = record(
        api,
        world.producer,
        plan,
        amount="12.5",
        contributed_on=(timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
    )
    assert error(response)["fields"] == {
        "amount": ["XOF amounts cannot be finer than its minor unit."],
        "contributed_on": ["Give the date of the contribution; not in the future."],
    }


def test_list_filters_and_who_reads_it(api, world):
    # Approved, not signed yet: no first deposit on them, only what the test records.
    plan = world.build(PlanStatus.APPROVED)
    other = world.build(PlanStatus.APPROVED, org=world.org_b)
    first = recorded(world, plan)
    second = money.contribution_record(
        plan=other,
        by=world.producer_b,
        kind="buyer",
        amount="100000",
        contributed_on=timezone.localdate() - datetime.timedelta(days=3),
        description="Seed from the buyer",
        upload=pdf(),
    )
    money.contribution_verify(contribution=second, by=world.officer)
    earlier = set(
        CounterpartContribution.objects.exclude(pk__in=[first.pk, second.pk]).values_list(
            "pk", flat=True
        )
    )

    def ids(user, query=""):
        """The test's own contributions the list gives `user` (not the module's plan's)."""
        response = api(user).get(URL + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"] if row["id"] not in earlier]

    assert ids(world.producer) == [first.pk]
    assert ids(world.producer_b) == [second.pk]
    assert ids(world.funder_user) == ids(world.finance) == [first.pk, second.pk]
    assert ids(world.officer, "?status=verified") == [second.pk]
    assert ids(world.officer, f"?organization={world.org_a.pk}") == [first.pk]
    assert ids(world.officer, f"?plan={other.pk}&kind=buyer") == [second.pk]
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert ids(world.officer, f"?contributed_after={since}") == [first.pk]
    bad = api(world.officer).get(URL + "?status=lost")
    assert bad.status_code == 400
    assert set(error(bad)["fields"]) == {"status"}
    assert api().get(URL).status_code == 401


def test_the_list_keeps_its_query_count(api, world):
    plan = world.build(PlanStatus.APPROVED)  # no first deposit yet: the test's rows only
    recorded(world, plan)
    client = api(world.officer)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    count()  # the first request of a test warms what every request then reuses
    few, rows = count()
    for _ in range(11):
        recorded(world, plan)
    assert count() == (few, rows + 11)
