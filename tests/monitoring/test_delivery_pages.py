"""The deliveries page (§7): who sees it, who records, confirms, disputes and corrects,
bad input kept in the form, and confirmed deliveries feeding the sales indicators (§8)
to the exact Decimal."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances.deliveries import delivery_record
from alliances.models import Delivery
from monitoring.selectors import computed_values, indicator_table
from plans.models import PlanStatus, TransitionLog

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
TODAY = timezone.localdate


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def url(name, pk):
    return reverse(f"monitoring:{name}", args=[pk])


def as_user(client, user):
    client.force_login(user)
    return client


def record_form(volume, price, grade="A", on=None) -> dict:
    return {
        "record-delivered_on": (on or TODAY()).isoformat(),
        "record-volume": str(volume),
        "record-unit_price": str(price),
        "record-quality_grade": grade,
    }


def snapshot():
    return list(
        Delivery.objects.order_by("pk").values_list(
            "pk", "status", "volume", "unit_price", "delivered_on", "dispute_reason"
        )
    )


def a_delivery(world, plan, volume="1200", price="250"):
    return delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=TODAY(),
        volume=D(volume),
        unit_price=D(price),
        quality_grade="A",
    )


# --- deliveries feeding the indicators ----------------------------------------------------


def test_confirmed_deliveries_feed_the_sales_indicators_exactly(client, world, plan):
    producer = as_user(client, world.producer)
    for volume, price in (("1200.125", "250"), ("800", "260"), ("333.333", "245")):
        response = producer.post(url("delivery-record", plan.pk), record_form(volume, price))
        assert response.status_code == 302
        assert response.url == url("deliveries", plan.pk)
    first, second, third = Delivery.objects.order_by("pk")
    assert [d.status for d in (first, second, third)] == ["recorded"] * 3

    buyer = as_user(client, world.buyer_user)
    assert buyer.post(url("delivery-confirm", first.pk)).status_code == 302
    response = buyer.post(
        url("delivery-dispute", second.pk),
        {f"dispute-{second.pk}-comment": "We weighed 780.5", "confirmed": "yes"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.dispute_reason) == ("disputed", "We weighed 780.5")

    producer = as_user(client, world.producer)
    page = producer.get(url("deliveries", plan.pk))
    row = next(r for r in page.context["rows"] if r.delivery.pk == second.pk)
    assert row.correct_form is not None and row.confirm_form is None
    response = producer.post(
        url("delivery-correct", second.pk),
        {
            f"correct-{second.pk}-delivered_on": TODAY().isoformat(),
            f"correct-{second.pk}-volume": "780.5",
            f"correct-{second.pk}-unit_price": "260",
            f"correct-{second.pk}-quality_grade": "B",
            f"correct-{second.pk}-comment": "Reweighed at the warehouse",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.volume, second.quality_grade) == ("recorded", D("780.5"), "B")

    buyer = as_user(client, world.buyer_user)
    assert buyer.post(url("delivery-confirm", second.pk)).status_code == 302

    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "confirmed", second.pk: "confirmed", third.pk: "recorded"}
    volume = D("1200.125") + D("780.5")
    value = D("1200.125") * D("250") + D("780.5") * D("260")
    assert (volume, value) == (D("1980.625"), D("502961.25"))

    # The indicator table (and so the indicators page) counts only what the buyer confirmed.
    _reports, rows = indicator_table(plan.alliance)
    to_date = {r.indicator.code: r.to_date for r in rows}
    assert (to_date["sales_volume"], to_date["sales_value"]) == (volume, value)

    # The first reporting period (from the signing date, today) computes the same sums.
    report = plan.alliance.monitoring_reports.order_by("period_start").first()
    computed = {i.code: v for i, v in computed_values(report).items()}
    assert (computed["sales_volume"], computed["sales_value"]) == (volume, value)

    # The deliveries page says so, to the buyer too.
    page = buyer.get(url("deliveries", plan.pk))
    assert page.status_code == 200
    assert page.context["confirmed"] == (volume, value)
    assert page.context["annual_volume"] == "100,000"
    assert page.context["share_of_annual"] == D("0.01980625")
    assert "1,980.625 kg" in page.content.decode()
    assert "<dd>2%</dd>" in page.content.decode()  # 1.98% of the annual volume
    assert page.context["chart"].startswith("<") and "<svg" in page.content.decode()

    officer = as_user(client, world.me_officer)
    page = officer.get(url("indicators", plan.pk))
    assert page.status_code == 200
    html = page.content.decode()
    sales = html[html.index('id="indicator-sales_volume"') :]
    sales = sales[: sales.index("</tr>")]
    assert "1,980.625" in sales

    logged = list(
        TransitionLog.objects.filter(object_id=second.pk, transition__startswith="delivery_")
        .order_by("pk")
        .values_list("transition", "actor__username")
    )
    assert logged == [
        ("delivery_record", "producer"),
        ("delivery_dispute", "buyer"),
        ("delivery_correct", "producer"),
        ("delivery_confirm", "buyer"),
    ]


# --- who sees the page, who may act ------------------------------------------------------


@pytest.mark.parametrize("who", ["producer", "ta", "buyer_user", "officer", "me_officer"])
def test_the_alliance_reads_the_deliveries_page(client, world, plan, who):
    a_delivery(world, plan)
    response = as_user(client, getattr(world, who)).get(url("deliveries", plan.pk))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


@pytest.mark.parametrize("who", ["producer_b", "outsider", "regional_officer"])
def test_others_do_not_find_the_deliveries_page(client, world, plan, who):
    delivery = a_delivery(world, plan)
    before = snapshot()
    user = as_user(client, getattr(world, who))
    assert user.get(url("deliveries", plan.pk)).status_code == 404
    assert user.post(url("delivery-record", plan.pk), record_form("5", "250")).status_code == 404
    assert user.post(url("delivery-confirm", delivery.pk)).status_code == 404
    response = user.post(
        url("delivery-dispute", delivery.pk), {f"dispute-{delivery.pk}-comment": "No"}
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_anonymous_is_sent_to_log_in(client, world, plan):
    delivery = a_delivery(world, plan)
    before = snapshot()
    assert client.get(url("deliveries", plan.pk)).status_code == 302
    assert client.post(url("delivery-confirm", delivery.pk)).status_code == 302
    assert snapshot() == before


def test_buttons_follow_the_role(client, world, plan):
    delivery = a_delivery(world, plan)
    page = as_user(client, world.buyer_user).get(url("deliveries", plan.pk))
    row = page.context["rows"][0]
    assert (bool(row.confirm_form), bool(row.dispute_form), bool(row.correct_form)) == (
        True,
        True,
        False,
    )
    assert page.context["record_form"] is None
    assert f'action="{url("delivery-confirm", delivery.pk)}"' in page.content.decode()

    page = as_user(client, world.producer).get(url("deliveries", plan.pk))
    row = page.context["rows"][0]
    assert (bool(row.confirm_form), bool(row.dispute_form)) == (False, False)
    form = page.context["record_form"]
    assert form["unit_price"].value() == "250"  # XOF: no minor units
    assert str(form.fields["volume"].label) == "Volume (kg)"

    page = as_user(client, world.officer).get(url("deliveries", plan.pk))
    assert page.context["record_form"] is None
    assert page.context["rows"][0].confirm_form is None


def test_producer_cannot_confirm_nor_buyer_record(client, world, plan):
    delivery = a_delivery(world, plan)
    before = snapshot()
    producer = as_user(client, world.producer)
    assert producer.post(url("delivery-confirm", delivery.pk)).status_code == 403
    response = producer.post(
        url("delivery-dispute", delivery.pk), {f"dispute-{delivery.pk}-comment": "Mine"}
    )
    assert response.status_code == 403
    buyer = as_user(client, world.buyer_user)
    assert buyer.post(url("delivery-record", plan.pk), record_form("5", "250")).status_code == 403
    response = buyer.post(
        url("delivery-correct", delivery.pk),
        {f"correct-{delivery.pk}-delivered_on": TODAY().isoformat()},
    )
    assert response.status_code == 403
    officer = as_user(client, world.officer)
    assert officer.post(url("delivery-confirm", delivery.pk)).status_code == 403
    assert snapshot() == before


def test_dispute_needs_a_reason_and_wrong_state_is_refused(client, world, plan):
    delivery = a_delivery(world, plan)
    before = snapshot()
    buyer = as_user(client, world.buyer_user)
    response = buyer.post(
        url("delivery-dispute", delivery.pk), {f"dispute-{delivery.pk}-comment": "   "}
    )
    assert response.status_code == 400
    row = response.context["rows"][0]
    assert row.dispute_form.errors["comment"]
    assert snapshot() == before

    assert buyer.post(url("delivery-confirm", delivery.pk)).status_code == 302
    before = snapshot()
    response = buyer.post(
        url("delivery-dispute", delivery.pk), {f"dispute-{delivery.pk}-comment": "Too late"}
    )
    assert response.status_code == 409
    assert "not possible" in " ".join(str(m) for m in response.context["messages"])
    assert snapshot() == before
    # A confirmed delivery is not corrected either.
    producer = as_user(client, world.producer)
    response = producer.post(
        url("delivery-correct", delivery.pk),
        {
            f"correct-{delivery.pk}-delivered_on": TODAY().isoformat(),
            f"correct-{delivery.pk}-volume": "1",
            f"correct-{delivery.pk}-unit_price": "250",
        },
    )
    assert response.status_code == 409
    assert snapshot() == before


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"record-volume": "0"}, "volume"),
        ({"record-volume": "-3"}, "volume"),
        ({"record-volume": "lots"}, "volume"),
        ({"record-unit_price": "cheap"}, "unit_price"),
        ({"record-unit_price": "250.5"}, "unit_price"),  # XOF has no minor unit
        (
            # A week ahead: parameters are computed at collection, maybe before midnight.
            {"record-delivered_on": (TODAY() + datetime.timedelta(days=7)).isoformat()},
            "delivered_on",
        ),
        ({"record-delivered_on": "yesterday"}, "delivered_on"),
        ({"record-delivered_on": ""}, "delivered_on"),
    ],
)
def test_bad_delivery_input_is_kept_in_the_form(client, world, plan, changes, field):
    data = record_form("1200", "250") | changes
    response = as_user(client, world.producer).post(url("delivery-record", plan.pk), data)
    assert response.status_code == 400
    form = response.context["record_form"]
    assert list(form.errors) == [field]
    assert form.data.dict() == data
    assert not Delivery.objects.exists()


def test_bad_correction_is_kept_and_changes_nothing(client, world, plan):
    delivery = a_delivery(world, plan)
    as_user(client, world.buyer_user).post(
        url("delivery-dispute", delivery.pk),
        {f"dispute-{delivery.pk}-comment": "Short", "confirmed": "yes"},
    )
    before = snapshot()
    response = as_user(client, world.producer).post(
        url("delivery-correct", delivery.pk),
        {
            f"correct-{delivery.pk}-delivered_on": TODAY().isoformat(),
            f"correct-{delivery.pk}-volume": "0",
            f"correct-{delivery.pk}-unit_price": "250",
        },
    )
    assert response.status_code == 400
    row = response.context["rows"][0]
    assert list(row.correct_form.errors) == ["volume"]
    assert snapshot() == before


def test_no_delivery_before_the_agreement_is_signed(client, world):
    approved = world.build(PlanStatus.APPROVED)
    page = as_user(client, world.producer).get(url("deliveries", approved.pk))
    assert page.status_code == 200
    assert page.context["record_form"] is None
    response = client.post(url("delivery-record", approved.pk), record_form("5", "250"))
    assert response.status_code == 409
    assert response.context["record_form"].non_field_errors()
    assert not Delivery.objects.exists()


def test_the_list_does_not_query_per_delivery(client, world, plan):
    for _ in range(2):
        a_delivery(world, plan)
    buyer = as_user(client, world.buyer_user)
    buyer.get(url("deliveries", plan.pk))  # warm caches (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert buyer.get(url("deliveries", plan.pk)).status_code == 200
    for _ in range(48):
        a_delivery(world, plan)
    with CaptureQueriesContext(connection) as many:
        response = buyer.get(url("deliveries", plan.pk))
    assert len(response.context["rows"]) == 50
    assert len(many) == len(few)
