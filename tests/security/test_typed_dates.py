"""Typed dates stay in a sane window (1 January 2000 to ten years after today) wherever a
person types one: the payment of a tranche, a counterpart contribution, a delivery and
its correction, a revolving-fund entry, the API and the admin. Out of the window, the
field says so and nothing is saved; the services refuse it too, so nothing bypasses it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.policy import ActionRefused
from alliances.deliveries import delivery_correct, delivery_dispute, delivery_record
from alliances.models import Delivery
from core.dates import date_problem, latest_date
from funding import services as money
from funding.models import CounterpartContribution, Payment, Program
from monitoring.models import RevolvingFundEntry
from monitoring.services import revolving_fund_record
from plans.models import PlanStatus
from tests.funding.support import act, pdf, snapshot, to_status, tranches
from tests.test_admin import _program_post

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
TODAY = timezone.localdate


def ten_years_on(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 10)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 10, day=28)


def eleven_years_on(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 11)
    except ValueError:
        return day.replace(year=day.year + 11, day=28)


def message() -> str:
    return (
        "Enter a date between Jan. 1, 2000 and "
        f"{date_format(ten_years_on(TODAY()), 'DATE_FORMAT')}."
    )


BAD = ["0001-01-01", "1999-12-31", "eleven-years"]
GOOD = ["2000-01-01", "today"]


def typed(value: str) -> str:
    if value == "eleven-years":
        return eleven_years_on(TODAY()).isoformat()
    if value == "today":
        return TODAY().isoformat()
    return value


# --- the rule ------------------------------------------------------------------------------


def test_the_window_and_its_message():
    today = datetime.date(2026, 5, 14)
    assert date_problem(datetime.date(2000, 1, 1), today) == ""
    assert date_problem(datetime.date(2036, 5, 14), today) == ""
    assert date_problem(today, today) == ""
    assert date_problem(datetime.date(1999, 12, 31), today) == (
        "Enter a date between Jan. 1, 2000 and May 14, 2036."
    )
    assert date_problem(datetime.date(2036, 5, 15), today) != ""
    assert date_problem(datetime.date(1, 1, 1), today) != ""
    assert latest_date(datetime.date(2024, 2, 29)) == datetime.date(2034, 2, 28)
    with translation.override("fr"):
        assert "1 janvier 2000" in date_problem(datetime.date(1, 1, 1), today)
        assert "14 mai 2036" in date_problem(datetime.date(1, 1, 1), today)


# --- payment of a tranche: page, API, service ----------------------------------------------


def pay_fields(paid_on: str) -> dict:
    return {"paid_on": paid_on, "amount": "4666666", "reference": "TR-1", "comment": ""}


@pytest.mark.parametrize("value", BAD)
def test_pay_page_refuses_a_date_out_of_the_window(client, world, value):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    before = snapshot(plan)
    response = act(client, world.finance, plan, "pay", first.pk, **pay_fields(typed(value)))
    assert response.status_code == 400
    assert response.context["rows"][0].forms[0].form.errors == {"paid_on": [message()]}
    assert snapshot(plan) == before


@pytest.mark.parametrize("value", GOOD)
def test_pay_page_takes_a_date_in_the_window(client, world, value):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    response = act(client, world.finance, plan, "pay", first.pk, **pay_fields(typed(value)))
    assert response.status_code == 302
    assert list(Payment.objects.values_list("paid_on", "recorded_by")) == [
        (datetime.date.fromisoformat(typed(value)), world.finance.pk)
    ]


def api_as(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def pay_url(tranche) -> str:
    return f"/api/v1/tranches/{tranche.pk}/pay/"


@pytest.mark.parametrize("value", BAD)
def test_pay_api_refuses_a_date_out_of_the_window(world, value):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    before = snapshot(plan)
    body = {"amount": "4666666", "paid_on": typed(value), "reference": "TR-1"}
    response = api_as(world.finance).post(pay_url(first), body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"paid_on": [message()]}
    assert snapshot(plan) == before


@pytest.mark.parametrize("value", GOOD)
def test_pay_api_takes_a_date_in_the_window(world, value):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    body = {"amount": "4666666", "paid_on": typed(value), "reference": "TR-1"}
    response = api_as(world.finance).post(pay_url(first), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["payments"][0]["paid_on"] == typed(value)


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(1999, 12, 31)])
def test_the_payment_service_refuses_it_too(world, day):
    plan = world.build(PlanStatus.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    before = snapshot(plan)
    with pytest.raises(ActionRefused) as info:
        money.tranche_pay(
            tranche=first, by=world.finance, amount=first.amount, paid_on=day, reference="TR-1"
        )
    assert (info.value.code, info.value.fields) == ("invalid", {"paid_on": [message()]})
    assert snapshot(plan) == before


# --- counterpart contributions -------------------------------------------------------------


def contribution_fields(on: str) -> dict:
    return {
        "kind": "buyer",
        "amount": "50000",
        "contributed_on": on,
        "description": "Seed from the buyer",
        "file": pdf(),
    }


@pytest.mark.parametrize("value", BAD)
def test_contribution_page_refuses_a_date_out_of_the_window(client, world, value):
    plan = world.build(PlanStatus.APPROVED)  # before signing: no first deposit yet
    before = snapshot(plan)
    response = act(client, world.producer, plan, "record", 0, **contribution_fields(typed(value)))
    assert response.status_code == 400
    assert response.context["record_form"].form.errors == {"contributed_on": [message()]}
    assert snapshot(plan) == before
    assert not CounterpartContribution.objects.filter(plan=plan).exists()


@pytest.mark.parametrize("value", GOOD)
def test_contribution_page_takes_a_date_in_the_window(client, world, value):
    plan = world.build(PlanStatus.APPROVED)  # before signing: no first deposit yet
    response = act(client, world.producer, plan, "record", 0, **contribution_fields(typed(value)))
    assert response.status_code == 302
    recorded = CounterpartContribution.objects.filter(plan=plan)
    assert list(recorded.values_list("contributed_on", flat=True)) == [
        datetime.date.fromisoformat(typed(value))
    ]


def test_the_contribution_service_refuses_it_too(world):
    plan = world.build(PlanStatus.APPROVED)  # before signing: no first deposit yet
    with pytest.raises(ActionRefused) as info:
        money.contribution_record(
            plan=plan,
            by=world.producer,
            kind="buyer",
            amount=D("50000"),
            contributed_on=datetime.date(1999, 12, 31),
            description="Seed from the buyer",
            upload=pdf(),
        )
    assert (info.value.code, info.value.fields) == ("invalid", {"contributed_on": [message()]})
    assert not CounterpartContribution.objects.filter(plan=plan).exists()


# --- deliveries and their corrections ------------------------------------------------------


def deliveries() -> list:
    return list(Delivery.objects.order_by("pk").values_list("status", "volume", "delivered_on"))


def record_data(on: str) -> dict:
    return {
        "record-delivered_on": on,
        "record-volume": "1200",
        "record-unit_price": "250",
        "record-quality_grade": "A",
    }


@pytest.mark.parametrize("value", BAD)
def test_delivery_page_refuses_a_date_out_of_the_window(client, world, value):
    plan = world.build(PlanStatus.ACTIVE)
    client.force_login(world.producer)
    response = client.post(
        reverse("monitoring:delivery-record", args=[plan.pk]), record_data(typed(value))
    )
    assert response.status_code == 400
    assert response.context["record_form"].errors == {"delivered_on": [message()]}
    assert deliveries() == []


@pytest.mark.parametrize("value", GOOD)
def test_delivery_page_takes_a_date_in_the_window(client, world, value):
    plan = world.build(PlanStatus.ACTIVE)
    client.force_login(world.producer)
    response = client.post(
        reverse("monitoring:delivery-record", args=[plan.pk]), record_data(typed(value))
    )
    assert response.status_code == 302
    assert deliveries() == [("recorded", D("1200"), datetime.date.fromisoformat(typed(value)))]


def disputed_delivery(world, plan) -> Delivery:
    delivery = delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=TODAY(),
        volume=D("1200"),
        unit_price=D("250"),
    )
    return delivery_dispute(delivery=delivery, by=world.buyer_user, comment="Short by 200 kg")


@pytest.mark.parametrize("value", BAD)
def test_correction_page_refuses_a_date_out_of_the_window(client, world, value):
    plan = world.build(PlanStatus.ACTIVE)
    delivery = disputed_delivery(world, plan)
    before = deliveries()
    client.force_login(world.producer)
    prefix = f"correct-{delivery.pk}-"
    response = client.post(
        reverse("monitoring:delivery-correct", args=[delivery.pk]),
        {
            prefix + "delivered_on": typed(value),
            prefix + "volume": "1000",
            prefix + "unit_price": "250",
        },
    )
    assert response.status_code == 400
    assert response.context["rows"][0].correct_form.errors == {"delivered_on": [message()]}
    assert deliveries() == before


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(1999, 12, 31)])
def test_the_delivery_services_refuse_it_too(world, day):
    plan = world.build(PlanStatus.ACTIVE)
    delivery = disputed_delivery(world, plan)
    before = deliveries()
    values = {"delivered_on": day, "volume": D("1000"), "unit_price": D("250")}
    with pytest.raises(ActionRefused) as info:
        delivery_record(alliance=plan.alliance, by=world.producer, **values)
    assert (info.value.code, info.value.fields) == ("invalid", {"delivered_on": [message()]})
    with pytest.raises(ActionRefused) as info:
        delivery_correct(delivery=delivery, by=world.producer, **values)
    assert (info.value.code, info.value.fields) == ("invalid", {"delivered_on": [message()]})
    assert deliveries() == before


# --- the revolving fund --------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD)
def test_revolving_fund_page_refuses_a_date_out_of_the_window(client, world, value):
    world.build(PlanStatus.DRAFT)  # the alliance gives the fund its currency
    client.force_login(world.producer)
    response = client.post(
        reverse("monitoring:revolving-fund", args=[world.org_a.pk]),
        {"kind": "repayment", "occurred_on": typed(value), "amount": "1000", "note": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"occurred_on": [message()]}
    assert not RevolvingFundEntry.objects.exists()


def test_the_revolving_fund_service_refuses_it_too(world):
    world.build(PlanStatus.DRAFT)
    with pytest.raises(ActionRefused) as info:
        revolving_fund_record(
            organization=world.org_a,
            by=world.producer,
            kind="repayment",
            amount=D("1000"),
            occurred_on=datetime.date(1, 1, 1),
        )
    assert (info.value.code, info.value.fields) == ("invalid", {"occurred_on": [message()]})
    assert not RevolvingFundEntry.objects.exists()


# --- the admin and the date pickers --------------------------------------------------------


@pytest.mark.django_db
def test_admin_programme_dates_take_the_same_rule(admin_client):
    url = reverse("admin:funding_program_add")
    before = Program.objects.count()
    response = admin_client.post(url, _program_post(opens_on="0001-01-01"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["opens_on"] == [message()]
    assert Program.objects.count() == before


def test_date_pickers_offer_the_window(client, world):
    plan = world.build(PlanStatus.ACTIVE)
    client.force_login(world.producer)
    page = client.get(reverse("monitoring:deliveries", args=[plan.pk])).content.decode()
    assert f'min="2000-01-01" max="{ten_years_on(TODAY()).isoformat()}"' in page
