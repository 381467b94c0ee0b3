"""The collections of §10: who sees which rows, another organization's row is a 404,
filters, and a query count that stays the same at 2 rows and at 30."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import Role
from alliances.models import Delivery
from funding import services as money
from funding.agreements import agreement_draft
from funding.models import PurchaseAgreement
from monitoring.models import MonitoringReport
from plans import services
from plans.models import PlanStatus
from tests.factories import (
    BuyerFactory,
    FunderFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
    attach_evidence,
    member_of,
    pay_tranche,
)

from .support import error

D = Decimal


def ids(client, url) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def test_producer_organizations_visible_to_each_persona(api, world):
    world.build()  # an alliance of A with the buyer
    a, b = world.org_a.pk, world.org_b.pk
    url = "/api/v1/producer-organizations/"
    assert ids(api(world.producer), url) == [a]
    assert ids(api(world.producer_b), url) == [b]  # its own, even without an alliance
    assert ids(api(world.ta), url) == [a]
    assert ids(api(world.buyer_user), url) == [a]  # party to an alliance with A only
    assert ids(api(world.officer), url) == sorted([a, b])
    assert ids(api(world.outsider), url) == []
    assert api(world.producer_b).get(f"{url}{a}/").status_code == 404
    body = api(world.producer).get(f"{url}{a}/").json()
    assert (body["name"], body["members"], body["women"], body["youth"]) == ("Coop A", 30, 15, 10)


def test_directories_are_open_to_every_signed_in_user(api, world):
    client = api(world.producer)
    assert ids(client, "/api/v1/buyers/") == [world.buyer.pk]
    assert world.funder.pk in ids(client, "/api/v1/funders/")
    body = client.get(f"/api/v1/programs/{world.program.pk}/").json()
    assert (body["currency"], body["total_budget"], body["committed"], body["available"]) == (
        "XOF",
        "100000000.00",
        "0.00",
        "100000000.00",
    )
    assert [c["code"] for c in body["criteria"]] == ["market", "financial"]
    assert [r["code"] for r in body["legalization_requirements"]] == ["signed", "bank"]
    assert body["eligible_value_chains"][0]["products"] == [
        {"id": world.product.pk, "name": "Maize", "unit": "kg"}
    ]
    assert api().get("/api/v1/buyers/").status_code == 401


def test_programme_budget_figures_follow_commitments(api, world):
    world.build(PlanStatus.APPROVED)
    body = api(world.funder_user).get(f"/api/v1/programs/{world.program.pk}/").json()
    assert (body["committed"], body["available"]) == ("14000000.00", "86000000.00")


def test_rows_of_another_organization_are_invisible_and_404(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    delivery = Delivery.objects.create(
        alliance=plan.alliance,
        delivered_on=timezone.localdate(),
        volume=D("1000"),
        unit_price=D("240"),
        recorded_by=world.producer,
    )
    tranche = plan.commitment.tranches.get(number=1)
    agreement = PurchaseAgreement.objects.get(alliance=plan.alliance)
    appraisal = plan.current_version.appraisals.first()
    report = _report(plan, 0)
    rows = {
        "monitoring-reports": report.pk,
        "alliances": plan.alliance_id,
        "purchase-agreements": agreement.pk,
        "deliveries": delivery.pk,
        "tranches": tranche.pk,
        "appraisals": appraisal.pk,
    }
    for name, pk in rows.items():
        url = f"/api/v1/{name}/"
        reader = world.committee if name == "appraisals" else world.producer  # §9a
        assert ids(api(reader), url) != [], name
        assert ids(api(world.producer_b), url) == [], name
        assert api(world.producer_b).get(f"{url}{pk}/").status_code == 404, name
        assert api(world.regional_officer).get(f"{url}{pk}/").status_code == 404, name
        # A funder reads everything of the programme but individual appraisals (§9a).
        funder_reads = 404 if name == "appraisals" else 200
        assert api(world.funder_user).get(f"{url}{pk}/").status_code == funder_reads, name


def test_a_payment_and_its_reversal_each_count_as_a_change_of_the_tranche(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    first = plan.commitment.tranches.get(number=1)
    client = api(world.finance)
    start = timezone.now()

    def changed_since(minutes: int) -> list[int]:
        since = (start + datetime.timedelta(minutes=minutes)).isoformat().replace("+", "%2B")
        return ids(client, f"/api/v1/tranches/?updated_since={since}")

    with freeze_time(start + datetime.timedelta(minutes=10)):
        payment = pay_tranche(world, first, producer=world.producer, reference="UPD-1")
    assert changed_since(5) == [first.pk]
    with freeze_time(start + datetime.timedelta(minutes=20)):
        money.payment_reverse(payment=payment, by=world.finance, reason="Wrong account")
    assert changed_since(15) == [first.pk]
    assert changed_since(25) == []


def test_filters_of_tranches_and_deliveries(api, world):
    plan = world.build(PlanStatus.ACTIVE)
    other = world.build(PlanStatus.ACTIVE, org=world.org_b)
    first = plan.commitment.tranches.get(number=1)
    attach_evidence(first, by=world.producer)
    built = timezone.now()
    with freeze_time(built + datetime.timedelta(minutes=10)):
        money.tranche_request(tranche=first, by=world.producer)
    client = api(world.officer)
    assert ids(client, "/api/v1/tranches/?status=requested") == [first.pk]
    assert len(ids(client, f"/api/v1/tranches/?organization={world.org_b.pk}")) == 3
    assert len(ids(client, f"/api/v1/tranches/?plan={other.pk}&status=planned")) == 3
    # Changed since: the step moved the tranche; tranches created before did not change.
    since = (built + datetime.timedelta(minutes=5)).isoformat().replace("+", "%2B")
    assert ids(client, f"/api/v1/tranches/?updated_since={since}") == [first.pk]
    earlier = (built - datetime.timedelta(minutes=5)).isoformat().replace("+", "%2B")
    assert len(ids(client, f"/api/v1/tranches/?updated_since={earlier}")) == 6
    response = client.get("/api/v1/deliveries/?status=lost")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "status": ["Select a valid choice. lost is not one of the available choices."]
    }


# --- query counts ------------------------------------------------------------------------


def _plans(world, n):
    for i in range(n):
        world.build(org=world.org_b if i % 2 else world.org_a)


def _organizations(world, n):
    for _ in range(n):
        OrganizationFactory(region=world.region_a, members=3)


def _buyers(world, n):
    BuyerFactory.create_batch(n)


def _funders(world, n):
    FunderFactory.create_batch(n)


def _programs(world, n):
    for _ in range(n):
        program = ProgramFactory()
        program.eligible_regions.set([world.region_a])
        program.eligible_value_chains.set([world.product.value_chain])


def _agreements(world, n):
    for _ in range(n):
        plan = world.build()
        agreement_draft(
            alliance=plan.alliance,
            by=world.producer,
            product=world.product,
            unit="kg",
            annual_volume=D("100"),
            unit_price=D("250"),
            duration_months=12,
        )


def _deliveries(world, n):
    plan = world.build(PlanStatus.APPROVED)
    for i in range(n):
        Delivery.objects.create(
            alliance=plan.alliance,
            delivered_on=timezone.localdate() - datetime.timedelta(days=i),
            volume=D("100"),
            unit_price=D("250"),
            recorded_by=world.producer if i % 2 else world.ta,
        )


def _tranches(world, n, paid=2):
    world.program.tranche_count = n
    world.program.save(update_fields=["tranche_count"])
    plan = world.build(PlanStatus.ACTIVE)
    # Each step by a different person, so that their names are really read.
    for tranche in plan.commitment.tranches.order_by("number")[:paid]:
        attach_evidence(tranche, by=world.producer)
        money.tranche_request(tranche=tranche, by=world.producer)
        money.tranche_verify(tranche=tranche, by=world.officer)
        money.tranche_authorize(tranche=tranche, by=world.finance)
        money.tranche_pay(
            tranche=tranche,
            by=world.finance2,
            amount=tranche.amount,
            paid_on=timezone.localdate(),
            reference=f"R-{tranche.pk}",
        )


def _disbursements(world, n):
    _tranches(world, n, paid=n)


def _report(plan, i):
    start = timezone.localdate() - datetime.timedelta(days=90 * (i + 1))
    return MonitoringReport.objects.create(
        alliance=plan.alliance,
        period_start=start,
        period_end=start + datetime.timedelta(days=89),
        due_on=start + datetime.timedelta(days=105),
    )


def _monitoring_reports(world, n):
    plan = world.build(PlanStatus.APPROVED)
    for i in range(n):
        _report(plan, i)


def _appraisals(world, n):
    plan = world.build(PlanStatus.APPRAISAL)
    for _ in range(n):
        appraiser = member_of(UserFactory(), Role.APPRAISER)
        services.appraisal_assign(plan=plan, appraiser=appraiser, by=world.officer)


GROW = {
    "plans": _plans,
    "alliances": _plans,
    "producer-organizations": _organizations,
    "buyers": _buyers,
    "funders": _funders,
    "programs": _programs,
    "purchase-agreements": _agreements,
    "deliveries": _deliveries,
    "tranches": _tranches,
    "disbursements": _disbursements,
    "appraisals": _appraisals,
    "monitoring-reports": _monitoring_reports,
}
# Token and user, memberships with their regions (one query; two before issue 17), count,
# page (+ prefetches of the rows). Lists read ids first (core.pagination) take one more:
# the page's ids, then their rows.
QUERIES = {
    "plans": 5,
    "alliances": 5,
    "producer-organizations": 5,
    "buyers": 3,  # directories ask no policy question
    "funders": 3,
    "programs": 11,  # the programmes scope asks for the memberships (§9a); six prefetches
    "purchase-agreements": 5,
    "deliveries": 4,
    "tranches": 6,
    "disbursements": 4,
    "appraisals": 5,
    "monitoring-reports": 9,  # + values; catalogue, programme choices, sales, repayments
}


def count_rows_and_queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.json()["count"], len(queries)


@pytest.mark.parametrize("name", sorted(GROW))
def test_list_query_count_is_the_same_at_2_and_30_rows(api, world, name):
    client = api(world.officer)
    url = f"/api/v1/{name}/?page_size=200"
    existing, _queries = count_rows_and_queries(client, url)
    GROW[name](world, 2)
    rows, at_two = count_rows_and_queries(client, url)
    assert rows - existing >= 2
    GROW[name](world, 28)
    rows, at_thirty = count_rows_and_queries(client, url)
    assert rows - existing >= 30
    assert (at_two, at_thirty) == (QUERIES[name], QUERIES[name])
