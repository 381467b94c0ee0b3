"""Deliveries (§7) and the life of a monitoring report (§8), through services and API."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.policy import ActionRefused
from alliances.deliveries import (
    delivery_confirm,
    delivery_correct,
    delivery_dispute,
    delivery_record,
)
from alliances.models import Delivery
from monitoring.models import MonitoringReport
from monitoring.services import report_accept, report_return, report_submit
from plans.models import PlanStatus, TransitionLog
from tests.factories import fill_report

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal
TODAY = timezone.localdate


def refused(code, action):
    with pytest.raises(ActionRefused) as error:
        action()
    assert error.value.code == code
    return error.value


@pytest.fixture
def active(world):
    return world.build(PlanStatus.ACTIVE)


def record(world, plan, **changes):
    values = {
        "delivered_on": TODAY(),
        "volume": D("1200"),
        "unit_price": D("250"),
        "quality_grade": "A",
    }
    values.update(changes)
    return delivery_record(alliance=plan.alliance, by=world.producer, **values)


def test_delivery_recorded_confirmed_disputed_and_corrected(world, active):
    delivery = record(world, active)
    assert (delivery.status, delivery.volume) == (Delivery.Status.RECORDED, D("1200"))
    delivery_dispute(delivery=delivery, by=world.buyer_user, comment="We weighed 1,100 kg")
    assert (delivery.status, delivery.dispute_reason) == ("disputed", "We weighed 1,100 kg")
    delivery_correct(
        delivery=delivery,
        by=world.producer,
        delivered_on=TODAY(),
        volume=D("1100"),
        unit_price=D("250"),
        quality_grade="A",
    )
    assert (delivery.status, delivery.volume) == (Delivery.Status.RECORDED, D("1100.000"))
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    assert delivery.status == Delivery.Status.CONFIRMED
    assert list(
        TransitionLog.objects.filter(
            object_id=delivery.pk, transition__startswith="delivery_"
        ).values_list("transition", flat=True)
    ) == ["delivery_record", "delivery_dispute", "delivery_correct", "delivery_confirm"]


def test_delivery_refusals_change_nothing(world, active):
    delivery = record(world, active)
    refused("forbidden", lambda: delivery_confirm(delivery=delivery, by=world.producer))
    refused("not_found", lambda: delivery_confirm(delivery=delivery, by=world.producer_b))
    refused(
        "invalid", lambda: delivery_dispute(delivery=delivery, by=world.buyer_user, comment="  ")
    )
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.RECORDED
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    refused(
        "wrong_state",
        lambda: delivery_dispute(delivery=delivery, by=world.buyer_user, comment="Too late"),
    )
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.CONFIRMED


def test_bad_delivery_values_and_early_deliveries_are_refused(world, active):
    error = refused(
        "invalid",
        lambda: record(
            world, active, volume=D("0"), delivered_on=TODAY() + datetime.timedelta(days=1)
        ),
    )
    assert set(error.fields) == {"volume", "delivered_on"}
    draft = world.build(PlanStatus.DRAFT)
    refused("conflict", lambda: record(world, draft))
    refused(
        "forbidden",
        lambda: delivery_record(
            alliance=active.alliance,
            by=world.buyer_user,
            delivered_on=TODAY(),
            volume=D("1"),
            unit_price=D("1"),
        ),
    )
    assert not Delivery.objects.exists()


@pytest.fixture
def report(active):
    return MonitoringReport.objects.create(
        alliance=active.alliance,
        period_start=TODAY() - datetime.timedelta(days=90),
        period_end=TODAY(),
        due_on=TODAY(),
    )


def test_report_submitted_returned_resubmitted_and_accepted(world, report):
    fill_report(report, by=world.ta)
    report_submit(report=report, by=world.ta, narrative="Sales rose.")
    assert (report.status, report.narrative, report.submitted_by) == (
        "submitted",
        "Sales rose.",
        world.ta,
    )
    report_return(report=report, by=world.me_officer, comment="Add the women's figures")
    assert (report.status, report.return_reason) == ("returned", "Add the women's figures")
    report_submit(report=report, by=world.producer, narrative="Sales rose; 15 women.")
    report_accept(report=report, by=world.me_officer)
    assert (report.status, report.reviewed_by) == ("accepted", world.me_officer)
    refused("wrong_state", lambda: report_submit(report=report, by=world.producer))


def test_report_refusals_change_nothing(world, report):
    refused("forbidden", lambda: report_submit(report=report, by=world.buyer_user))
    refused("not_found", lambda: report_submit(report=report, by=world.producer_b))
    refused("wrong_state", lambda: report_accept(report=report, by=world.me_officer))
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    refused("forbidden", lambda: report_accept(report=report, by=world.officer))
    refused("invalid", lambda: report_return(report=report, by=world.me_officer, comment=""))
    report.refresh_from_db()
    assert report.status == "submitted"
