"""The revolving fund page (§8): repayments in, loans out, the exact balance after each
entry; a loan over the balance refused; who reads and who records."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.models import RevolvingFundEntry
from monitoring.services import revolving_fund_record
from plans.models import PlanStatus

D = Decimal
TODAY = timezone.localdate


@pytest.fixture
def org(world):
    world.build(PlanStatus.DRAFT)  # the alliance gives the fund its currency (XOF)
    return world.org_a


def url(org):
    return reverse("monitoring:revolving-fund", args=[org.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def entries():
    return list(
        RevolvingFundEntry.objects.order_by("pk").values_list(
            "kind", "amount", "member__name", "note", "recorded_by__username"
        )
    )


def entry_form(kind, amount, member=None, note="", on=None) -> dict:
    return {
        "kind": kind,
        "occurred_on": (on or TODAY()).isoformat(),
        "amount": str(amount),
        "member": str(member.pk) if member else "",
        "note": note,
    }


def test_repayments_and_loans_give_the_exact_balance(client, world, org):
    ada, bea = org.members.order_by("pk")[:2]
    producer = as_user(client, world.producer)
    page = producer.get(url(org))
    assert page.status_code == 200
    assert page.context["form"] is not None
    assert page.context["balance"] == D("0")
    assert list(page.context["form"].fields["member"].queryset) == list(
        org.members.active().order_by("name", "pk")
    )
    yesterday = TODAY() - datetime.timedelta(days=1)
    posts = [
        entry_form("repayment", "150000", ada, "First instalment", on=yesterday),
        entry_form("repayment", "50000", bea),
        entry_form("loan", "120000", ada, "Seed loan"),
    ]
    for data in posts:
        response = producer.post(url(org), data)
        assert response.status_code == 302
        assert response.url == url(org)
    ta = as_user(client, world.ta)
    assert ta.post(url(org), entry_form("repayment", "7", None)).status_code == 302

    assert entries() == [
        ("repayment", D("150000.00"), ada.name, "First instalment", "producer"),
        ("repayment", D("50000.00"), bea.name, "", "producer"),
        ("loan", D("120000.00"), ada.name, "Seed loan", "producer"),
        ("repayment", D("7.00"), None, "", "ta_provider"),
    ]
    page = as_user(client, world.officer).get(url(org))
    assert page.status_code == 200
    assert (page.context["repaid"], page.context["lent"], page.context["balance"]) == (
        D("200007"),
        D("120000"),
        D("80007"),
    )
    # Newest first, each with the balance after it (in the order entries happened).
    assert [(e.kind, e.amount, e.balance_after) for e in page.context["page"].object_list] == [
        ("repayment", D("7.00"), D("80007.00")),
        ("loan", D("120000.00"), D("80000.00")),
        ("repayment", D("50000.00"), D("200000.00")),
        ("repayment", D("150000.00"), D("150000.00")),
    ]
    assert page.context["form"] is None  # the officer reads, does not record


def test_a_loan_over_the_balance_is_refused_and_nothing_is_saved(client, world, org):
    producer = as_user(client, world.producer)
    producer.post(url(org), entry_form("repayment", "1000"))
    before = entries()
    response = producer.post(url(org), entry_form("loan", "1001", note="Too much"))
    assert response.status_code == 409
    form = response.context["form"]
    assert form.errors["amount"] == ["More than the fund's balance."]
    assert "exceeds the fund's balance" in form.non_field_errors()[0]
    assert form["note"].value() == "Too much"
    assert entries() == before
    assert response.context["balance"] == D("1000")
    # The whole balance may be lent.
    assert producer.post(url(org), entry_form("loan", "1000")).status_code == 302
    assert as_user(client, world.producer).get(url(org)).context["balance"] == D("0")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"amount": "10.5"}, "amount"),  # XOF has no minor unit
        ({"kind": "gift"}, "kind"),
        # Tomorrow as the test runs, not as it was collected: a run may cross midnight.
        (
            {"occurred_on": lambda: (TODAY() + datetime.timedelta(days=1)).isoformat()},
            "occurred_on",
        ),
    ],
)
def test_bad_input_is_kept_and_nothing_is_saved(client, world, org, changes, field):
    changes = {name: value() if callable(value) else value for name, value in changes.items()}
    data = entry_form("repayment", "100") | changes
    response = as_user(client, world.producer).post(url(org), data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert entries() == []


def test_a_member_of_another_organization_is_not_offered(client, world, org):
    stranger = world.org_b.members.first()
    data = entry_form("repayment", "100", stranger)
    response = as_user(client, world.producer).post(url(org), data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["member"]
    assert entries() == []


def test_officer_reads_but_does_not_record(client, world, org):
    officer = as_user(client, world.officer)
    assert officer.get(url(org)).status_code == 200
    assert officer.post(url(org), entry_form("repayment", "100")).status_code == 403
    assert entries() == []


@pytest.mark.parametrize(
    "who", ["producer_b", "buyer_user", "me_officer", "regional_officer", "outsider"]
)
def test_others_do_not_find_the_fund(client, world, org, who):
    revolving_fund_record(
        organization=org, by=world.producer, kind="repayment", amount=D("500"), occurred_on=TODAY()
    )
    before = entries()
    user = as_user(client, getattr(world, who))
    assert user.get(url(org)).status_code == 404
    assert user.post(url(org), entry_form("loan", "100")).status_code == 404
    assert entries() == before


def test_anonymous_is_sent_to_log_in(client, org):
    assert client.get(url(org)).status_code == 302
    assert client.post(url(org), entry_form("repayment", "100")).status_code == 302
    assert entries() == []


def test_query_count_does_not_grow_with_the_entries(client, world, org):
    def add(count):
        for n in range(count):
            revolving_fund_record(
                organization=org,
                by=world.producer,
                kind="repayment",
                amount=D("100"),
                occurred_on=TODAY(),
                member=org.members.first() if n % 2 else None,
                note=f"Entry {n}",
            )

    producer = as_user(client, world.producer)
    add(2)
    producer.get(url(org))
    with CaptureQueriesContext(connection) as two:
        response = producer.get(url(org))
    assert len(response.context["page"].object_list) == 2
    add(38)
    with CaptureQueriesContext(connection) as forty:
        response = producer.get(url(org))
    assert len(response.context["page"].object_list) == 40
    assert response.context["balance"] == D("4000")
    assert len(forty) == len(two)
