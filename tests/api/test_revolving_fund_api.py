"""Revolving funds in the API (issue 19): the balance of each fund and its movements,
read by those who see the organization (the revolving-fund page's door), recorded by its
representatives and its TA provider through `monitoring.services.revolving_fund_record`."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.models import RevolvingFund, RevolvingFundEntry
from monitoring.services import revolving_fund_record
from plans.models import PlanStatus

from .support import error

pytestmark = pytest.mark.django_db

D = Decimal
FUNDS = "/api/v1/revolving-funds/"
ENTRIES = "/api/v1/revolving-fund-entries/"
TODAY = timezone.localdate


@pytest.fixture
def org(world):
    world.build(PlanStatus.DRAFT)  # the alliance gives the fund its currency (XOF)
    return world.org_a


def entries():
    return list(
        RevolvingFundEntry.objects.order_by("pk").values_list(
            "kind", "amount", "member__name", "note", "recorded_by__username"
        )
    )


def post(api, user, org, kind, amount, member=None, note="", on=None):
    body = {
        "organization": org.pk,
        "kind": kind,
        "amount": str(amount),
        "occurred_on": (on or TODAY()).isoformat(),
        "note": note,
    }
    if member is not None:
        body["member"] = member.pk
    return api(user).post(ENTRIES, body, format="json")


def test_repayments_and_loans_give_the_exact_balance(api, world, org):
    ada, bea = org.members.order_by("pk")[:2]
    yesterday = TODAY() - datetime.timedelta(days=1)
    first = post(api, world.producer, org, "repayment", "150000", ada, "First", on=yesterday)
    assert first.status_code == 201, first.json()
    fund = RevolvingFund.objects.get()
    assert first.json() == {
        "id": RevolvingFundEntry.objects.get().pk,
        "fund": fund.pk,
        "organization": org.pk,
        "kind": "repayment",
        "occurred_on": yesterday.isoformat(),
        "amount": "150000.00",
        "currency": "XOF",
        "member": ada.pk,
        "member_name": ada.name,
        "note": "First",
        "balance_after": "150000.00",
        "recorded_by": "producer",
        "recorded_at": first.json()["recorded_at"],
    }
    assert post(api, world.producer, org, "repayment", "50000", bea).status_code == 201
    assert post(api, world.producer, org, "loan", 120000, ada, "Seed loan").status_code == 201
    assert post(api, world.ta, org, "repayment", "7").status_code == 201
    assert entries() == [
        ("repayment", D("150000.00"), ada.name, "First", "producer"),
        ("repayment", D("50000.00"), bea.name, "", "producer"),
        ("loan", D("120000.00"), ada.name, "Seed loan", "producer"),
        ("repayment", D("7.00"), None, "", "ta_provider"),
    ]

    client = api(world.officer)
    body = client.get(f"{FUNDS}{fund.pk}/").json()
    assert (body["organization_name"], body["currency"], body["opened_on"]) == (
        "Coop A",
        "XOF",
        yesterday.isoformat(),
    )
    assert (body["repaid"], body["lent"], body["balance"]) == ("200007.00", "120000.00", "80007.00")
    # Newest first, each with the balance after it, in the order entries happened.
    rows = client.get(ENTRIES).json()["results"]
    assert [(r["kind"], r["amount"], r["balance_after"]) for r in rows] == [
        ("repayment", "7.00", "80007.00"),
        ("loan", "120000.00", "80000.00"),
        ("repayment", "50000.00", "200000.00"),
        ("repayment", "150000.00", "150000.00"),
    ]
    # A filter does not change the balance after an entry.
    loans = client.get(f"{ENTRIES}?kind=loan").json()["results"]
    assert [(r["amount"], r["balance_after"]) for r in loans] == [("120000.00", "80000.00")]
    mine = client.get(f"{ENTRIES}?member={ada.pk}&occurred_before={yesterday}").json()
    assert [r["note"] for r in mine["results"]] == ["First"]


def test_a_loan_over_the_balance_is_a_409_and_nothing_is_saved(api, world, org):
    post(api, world.producer, org, "repayment", "1000")
    before = entries()
    response = post(api, world.producer, org, "loan", "1001", note="Too much")
    assert response.status_code == 409
    body = error(response)
    assert (
        body["detail"] == "A loan of XOF\u00a01,001 exceeds the fund's balance of XOF\u00a01,000."
    )
    assert body["fields"] == {"amount": ["More than the fund's balance."]}
    assert entries() == before


def test_an_organization_without_an_alliance_is_a_409(api, world):
    response = post(api, world.producer_b, world.org_b, "repayment", "1000")
    assert response.status_code == 409
    assert error(response)["detail"] == (
        "The organization has no alliance yet: its revolving fund has no currency."
    )
    assert not RevolvingFund.objects.exists()


@pytest.mark.parametrize("who", ["officer"])
def test_officers_read_but_do_not_record(api, world, org, who):
    revolving_fund_record(
        organization=org, by=world.producer, kind="repayment", amount=D("500"), occurred_on=TODAY()
    )
    client = api(getattr(world, who))
    assert client.get(FUNDS).json()["count"] == 1
    assert client.get(ENTRIES).json()["count"] == 1
    response = post(api, getattr(world, who), org, "repayment", "1000")
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Only the organization's representatives and its technical assistance provider may "
        "record revolving-fund entries."
    )
    assert RevolvingFundEntry.objects.count() == 1


@pytest.mark.parametrize(
    "who",
    ["producer_b", "buyer_user", "regional_officer", "me_officer", "funder_user", "outsider"],
)
def test_who_does_not_see_the_organization_gets_404(api, world, org, who):
    """The page's door (`organizations_visible_to`): representatives, TA provider and the
    programme officers of its region; nobody else sees the fund."""
    revolving_fund_record(
        organization=org, by=world.producer, kind="repayment", amount=D("500"), occurred_on=TODAY()
    )
    fund, entry = RevolvingFund.objects.get(), RevolvingFundEntry.objects.get()
    client = api(getattr(world, who))
    assert client.get(FUNDS).json()["results"] == []
    assert client.get(ENTRIES).json()["results"] == []
    assert error(client.get(f"{FUNDS}{fund.pk}/"))["detail"] == "No such revolving fund."
    assert error(client.get(f"{ENTRIES}{entry.pk}/"))["detail"] == "No such revolving-fund entry."
    response = post(api, getattr(world, who), org, "repayment", "1000")
    assert response.status_code == 404
    assert error(response)["detail"] == "No such producer organization."
    assert RevolvingFundEntry.objects.count() == 1


# A week ahead: computed at collection, it stays in the future across midnight.
FUTURE = (TODAY() + datetime.timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"kind": "gift"}, {"kind"}),
        ({"amount": "0"}, {"amount"}),
        ({"amount": "-5"}, {"amount"}),
        ({"amount": "10.50"}, {"amount"}),  # XOF has no minor unit
        ({"amount": "ten"}, {"amount"}),
        ({"occurred_on": FUTURE}, {"occurred_on"}),
        ({"occurred_on": "1999-12-31"}, {"occurred_on"}),
        ({"note": "x" * 301}, {"note"}),
        ({"organization": "A"}, {"organization"}),
        ({"member": 2**62}, {"member"}),
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_nothing_is_saved(
    api, world, org, change, fields
):
    body = {
        "organization": org.pk,
        "kind": "repayment",
        "amount": "1000",
        "occurred_on": TODAY().isoformat(),
    } | change
    response = api(world.producer).post(ENTRIES, body, format="json")
    assert response.status_code == 400, response.json()
    assert set(error(response)["fields"]) == fields
    assert entries() == []
    assert not RevolvingFund.objects.exists()


def test_another_organizations_member_is_refused(api, world, org):
    stranger = world.org_b.members.first()
    response = post(api, world.producer, org, "repayment", "1000", member=stranger)
    assert response.status_code == 400
    assert error(response)["fields"] == {"member": ["Choose a member of this organization."]}
    assert entries() == []


def test_lists_keep_their_query_count(api, world, org):
    world.build(PlanStatus.DRAFT, org=world.org_b)

    def repay(organization, by, amount="100"):
        revolving_fund_record(
            organization=organization,
            by=by,
            kind="repayment",
            amount=D(amount),
            occurred_on=TODAY(),
        )

    repay(org, world.producer)
    repay(world.org_b, world.producer_b)
    client = api(world.officer)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    count(FUNDS)  # the first request of a test warms what every request then reuses
    few = [count(FUNDS)[0], count(ENTRIES)[0]]
    for _ in range(20):
        repay(org, world.producer, "1")
    assert [count(FUNDS), count(ENTRIES)] == [(few[0], 2), (few[1], 22)]
