"""API actions on deliveries and monitoring reports (§10)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from alliances.deliveries import delivery_record
from monitoring.models import MonitoringReport
from plans.models import PlanStatus
from tests.factories import fill_report


def test_api_buyer_confirms_and_m_and_e_officer_returns(api, world):
    active = world.build(PlanStatus.ACTIVE)
    today = timezone.localdate()
    delivery = delivery_record(
        alliance=active.alliance,
        by=world.producer,
        delivered_on=today,
        volume=Decimal("1200"),
        unit_price=Decimal("250"),
    )
    report = MonitoringReport.objects.create(
        alliance=active.alliance,
        period_start=today - datetime.timedelta(days=90),
        period_end=today,
        due_on=today,
    )
    assert (
        api(world.producer).post(f"/api/v1/deliveries/{delivery.pk}/confirm/", {}).status_code
        == 403
    )
    response = api(world.buyer_user).post(f"/api/v1/deliveries/{delivery.pk}/confirm/", {})
    assert (response.status_code, response.json()["status"]) == (200, "confirmed")
    assert (
        api(world.buyer_user)
        .post(f"/api/v1/deliveries/{delivery.pk}/dispute/", {"comment": "x"})
        .status_code
        == 409
    )
    fill_report(report, by=world.producer, narrative="")
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/", {"narrative": "All good"}
    )
    assert (response.status_code, response.json()["status"]) == (200, "submitted")
    assert (
        api(world.me_officer)
        .post(f"/api/v1/monitoring-reports/{report.pk}/return/", {"comment": ""})
        .status_code
        == 400
    )
    response = api(world.me_officer).post(
        f"/api/v1/monitoring-reports/{report.pk}/return/", {"comment": "Missing figures"}
    )
    assert (response.status_code, response.json()["return_reason"]) == (200, "Missing figures")
    assert (
        api(world.producer_b)
        .post(f"/api/v1/monitoring-reports/{report.pk}/submit/", {})
        .status_code
        == 404
    )
