"""The indicator catalogue and the values of monitoring reports in the API (§8, §10)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliances.deliveries import delivery_confirm, delivery_record
from monitoring.models import Indicator, IndicatorValue, MonitoringReport
from monitoring.services import report_accept
from plans.models import PlanStatus
from tests.api.support import error
from tests.factories import fill_report, report_entries

pytestmark = pytest.mark.prebuilt(PlanStatus.ACTIVE)

D = Decimal


def _first_report(plan) -> MonitoringReport:
    return plan.alliance.monitoring_reports.order_by("period_start").first()


def test_indicators_list_and_detail(api, world):
    Indicator.objects.filter(code="improved_area").update(active=False)
    client = api(world.producer)
    body = client.get("/api/v1/indicators/").json()
    assert body["count"] == 8
    assert [row["code"] for row in body["results"]] == [
        "sales_volume",
        "sales_value",
        "yield",
        "household_income",
        "members_trained",
        "members",
        "jobs",
        "revolving_repayments",
    ]
    jobs = Indicator.objects.get(code="jobs")
    assert client.get(f"/api/v1/indicators/{jobs.pk}/").json() == {
        "id": jobs.pk,
        "code": "jobs",
        "name": "Jobs created",
        "unit": "jobs",
        "aggregation": "sum",
        "source": "reported",
        "is_money": False,
        "by_sex": True,
        "by_youth": True,
    }
    computed = client.get("/api/v1/indicators/?source=delivery_value").json()["results"]
    assert [(r["code"], r["is_money"]) for r in computed] == [("sales_value", True)]
    retired = Indicator.objects.get(code="improved_area")
    assert error(client.get(f"/api/v1/indicators/{retired.pk}/"))["detail"] == (
        "No such indicator."
    )
    assert client.post("/api/v1/indicators/", {"code": "x"}, format="json").status_code == 405
    assert api().get("/api/v1/indicators/").status_code == 401


def test_indicator_names_in_the_language_of_the_request(api, world):
    client = api(world.producer)
    jobs = Indicator.objects.get(code="jobs")
    shown = {
        language: client.get(f"/api/v1/indicators/{jobs.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
        for language in ("en", "fr", "es")
    }
    assert {k: (v["name"], v["unit"]) for k, v in shown.items()} == {
        "en": ("Jobs created", "jobs"),
        "fr": ("Emplois créés", "emplois"),
        "es": ("Empleos creados", "empleos"),
    }
    Indicator.objects.filter(pk=jobs.pk).update(name_es=None)
    spanish = client.get(f"/api/v1/indicators/{jobs.pk}/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert (spanish["name"], spanish["unit"]) == ("Jobs created", "empleos")


def test_submit_with_values_stores_them_and_shows_them(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = _first_report(plan)
    entries = report_entries(report, value="12")
    entries["yield"] = {"value": 2.5}
    entries["jobs"] = {"value": 3, "women": "1", "youth": 2}
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"narrative": "Good quarter.", "values": entries, "comment": "On time"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["narrative"], body["submitted_by"]) == (
        "submitted",
        "Good quarter.",
        "producer",
    )
    values = {v["indicator"]: v for v in body["values"]}
    assert values["jobs"] == {
        "indicator": "jobs",
        "value": "3.000",
        "women": "1.000",
        "youth": "2.000",
        "computed": False,
    }
    assert values["yield"]["value"] == "2.500"
    # Computed indicators show their live figure (nothing delivered yet).
    assert values["sales_volume"] == {
        "indicator": "sales_volume",
        "value": "0.000",
        "women": None,
        "youth": None,
        "computed": True,
    }
    assert [v["indicator"] for v in body["values"]] == [
        "sales_volume",
        "sales_value",
        "yield",
        "household_income",
        "members_trained",
        "members",
        "jobs",
        "improved_area",
        "revolving_repayments",
    ]
    stored = IndicatorValue.objects.get(report=report, indicator__code="jobs")
    assert (stored.value, stored.women, stored.youth) == (D("3"), D("1"), D("2"))
    assert IndicatorValue.objects.filter(report=report).count() == 6


def test_bad_values_are_400_with_field_names_and_nothing_is_stored(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = _first_report(plan)
    entries = report_entries(report)
    entries["yield"] = {"value": "lots"}
    entries["jobs"] = {"value": "2", "women": "5", "youth": "1"}
    entries["carbon"] = {"value": "1"}
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"narrative": "Quarter.", "values": entries},
        format="json",
    )
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert fields == {
        "values": ["These indicators are not reported by this alliance: carbon."],
        "yield": ["Give a number for “Yield”."],
        "jobs.women": ["“Jobs created”: the figure for women cannot exceed the total."],
    }
    report.refresh_from_db()
    assert (report.status, report.narrative) == ("due", "")
    assert not IndicatorValue.objects.filter(report=report).exists()
    # A comma is never guessed at: "197,000" is neither 197 nor 197000 to the API.
    entries = report_entries(report)
    entries["yield"] = {"value": "197,000"}
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"narrative": "Quarter.", "values": entries},
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"yield": ["Give a number for “Yield”."]}
    assert not IndicatorValue.objects.filter(report=report).exists()
    # A figure of the wrong JSON type is refused by the request's own checks.
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"narrative": "Quarter.", "values": {"yield": {"value": [1]}}},
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"values": ["Give a number."]}
    # A value missing: the draft would be fine, the submission is not; nothing is kept.
    entries = report_entries(report)
    del entries["members"]
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"narrative": "Quarter.", "values": entries},
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "values": ["Give a value for: Members of the organization."]
    }
    assert not IndicatorValue.objects.filter(report=report).exists()
    # Complete values but no narrative: refused, and the values are not kept either.
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/",
        {"values": report_entries(report)},
        format="json",
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "values": ["Write the narrative: what happened in the period."]
    }
    assert not IndicatorValue.objects.filter(report=report).exists()


def test_buyer_cannot_see_reports_and_funder_only_reads(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = _first_report(plan)
    fill_report(report, by=world.producer)
    url = f"/api/v1/monitoring-reports/{report.pk}/"
    assert api(world.buyer_user).get(url).status_code == 404
    assert api(world.buyer_user).get("/api/v1/monitoring-reports/").json()["count"] == 0
    assert api(world.buyer_user).post(f"{url}submit/", {}, format="json").status_code == 404
    funder = api(world.funder_user)
    body = funder.get(url).json()
    assert {v["indicator"]: v["value"] for v in body["values"]}["yield"] == "10.000"
    response = funder.post(f"{url}submit/", {"values": report_entries(report, "99")}, format="json")
    assert response.status_code == 403
    assert funder.post(f"{url}accept/", {}, format="json").status_code == 403
    report.refresh_from_db()
    assert report.status == "due"
    assert IndicatorValue.objects.get(report=report, indicator__code="yield").value == D("10")


def test_live_computed_values_until_accepted_then_stored(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    report = _first_report(plan)
    today = timezone.localdate()
    delivery = delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=today,
        volume=D("1200"),
        unit_price=D("250"),
    )
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    fill_report(report, by=world.producer)
    client = api(world.me_officer)

    def figures(body):
        return {v["indicator"]: (v["value"], v["computed"]) for v in body["values"]}

    detail = figures(client.get(f"/api/v1/monitoring-reports/{report.pk}/").json())
    listed = client.get(f"/api/v1/monitoring-reports/?alliance={plan.alliance_id}").json()
    row = next(r for r in listed["results"] if r["id"] == report.pk)
    assert figures(row) == detail
    assert detail["sales_volume"] == ("1200.000", True)
    assert detail["sales_value"] == ("300000.000", True)
    response = api(world.producer).post(
        f"/api/v1/monitoring-reports/{report.pk}/submit/", {}, format="json"
    )
    assert response.status_code == 200
    report_accept(report=report, by=world.me_officer)
    # A later delivery does not rewrite the accepted report.
    later = delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=today,
        volume=D("800"),
        unit_price=D("250"),
    )
    delivery_confirm(delivery=later, by=world.buyer_user)
    accepted = figures(client.get(f"/api/v1/monitoring-reports/{report.pk}/").json())
    assert accepted["sales_volume"] == ("1200.000", True)
    listed = client.get(f"/api/v1/monitoring-reports/?alliance={plan.alliance_id}").json()
    next_report = next(r for r in listed["results"] if r["id"] != report.pk)
    assert figures(next_report)["sales_volume"] == ("0.000", True)


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.json()["count"], len(queries)


def test_report_list_query_count_does_not_grow_with_values(api, world):
    client = api(world.officer)
    url = "/api/v1/monitoring-reports/?page_size=200"
    plan = world.build(PlanStatus.ACTIVE)
    reports = list(plan.alliance.monitoring_reports.order_by("period_start"))
    fill_report(reports[0], by=world.producer)
    # The first request of a token also looks up whether its user must use two-factor
    # sign-in (remembered for a few minutes, as for a session): count from the second.
    _count(client, url)
    rows, at_few = _count(client, url)
    for report in reports[1:10]:
        fill_report(report, by=world.producer)
    other = world.build(PlanStatus.ACTIVE, org=world.org_b)
    for report in other.alliance.monitoring_reports.all()[:5]:
        fill_report(report, by=world.producer_b)
    start = timezone.localdate() - datetime.timedelta(days=1)
    assert MonitoringReport.objects.filter(period_start__gte=start).count() > 30
    more, at_many = _count(client, url)
    assert more > rows
    assert at_many == at_few
