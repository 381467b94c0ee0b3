"""Lists read the page, not the table (issue 17; core/pagination.py).

A list's page is read ids first: the ids of the page from the list's scope, filters and
order (with only the joins they need), then the rows of those ids with everything shown
about them: members counted, the alliance and its parties joined, the latest version.
These tests pin that the pages show the same rows, in the same order, with the same
figures as before, and that every join and count is restricted to the page's ids.
"""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances import views as organization_views
from alliances.models import Member, ProducerOrganization
from core.pagination import IdsFirstPaginator, rows_in_order
from plans.models import BusinessPlan, PlanStatus
from plans.views import overview
from tests.factories import OrganizationFactory, UserFactory


def in_lists(sql: str, column: str) -> list[list[int]]:
    """The id lists of every `column IN (...)` of a query, in the order written."""
    found = re.findall(re.escape(column) + r" IN \(([\d, ]+)\)", sql)
    return [[int(pk) for pk in group.split(",")] for group in found]


def queries_touching(captured, table: str) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]


@pytest.fixture
def api(db):
    """`api(user)`: an API client sending the user's token (as tests/api/conftest.py)."""

    def make(user) -> APIClient:
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# --- the mechanism -----------------------------------------------------------------------


def test_rows_come_in_the_order_of_the_ids_and_skip_those_gone(db):
    a, b, c = (OrganizationFactory(name=name, members=0) for name in ("A", "B", "C"))
    rows = ProducerOrganization.objects.all()
    assert rows_in_order(rows, [c.pk, a.pk, 10**9, b.pk]) == [c, a, b]
    with CaptureQueriesContext(connection) as captured:
        assert rows_in_order(rows, []) == []
    assert len(captured) == 0


def test_a_page_holds_the_rows_queryset_instances_of_its_ids_only(db):
    organizations = [OrganizationFactory(name=f"Org {i}", members=i) for i in range(5)]
    paginator = IdsFirstPaginator(
        ProducerOrganization.objects.order_by("-name"),
        2,
        rows=ProducerOrganization.objects.annotate(n=Count("members")),
    )
    page = paginator.get_page(2)
    assert (paginator.count, paginator.num_pages) == (5, 3)
    assert [(o.name, o.n) for o in page.object_list] == [("Org 2", 2), ("Org 1", 1)]
    assert page.object_list == [organizations[2], organizations[1]]


# --- the organizations page --------------------------------------------------------------


@pytest.fixture
def four_organizations(world):
    """Coop A and Coop B of the world (30 members: 15 women, 10 youth) and two more; one
    of B's members left."""
    Member.objects.filter(organization=world.org_b, name="Member 1").update(active=False)
    coop_c = OrganizationFactory(name="Coop C", region=world.region_a, members=4)
    coop_d = OrganizationFactory(name="Coop D", region=world.region_b, members=0)
    return world.org_a, world.org_b, coop_c, coop_d


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, [("Coop A", "Alibori", 30), ("Coop B", "Zou", 29)]),
        (2, [("Coop C", "Alibori", 4), ("Coop D", "Zou", 0)]),
    ],
)
def test_organizations_page_counts_the_members_of_its_rows_only(
    client, world, four_organizations, monkeypatch, number, expected
):
    monkeypatch.setattr(organization_views, "PAGE_SIZE", 2)
    client.force_login(world.officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("alliances:organizations"), {"page": number})
    page = response.context["page"]
    assert [(o.name, o.region.name, o.active_members) for o in page.object_list] == expected
    assert page.paginator.count == 4
    # Members are counted once, for the page's two organizations and no other.
    (counting,) = queries_touching(captured, "alliances_member")
    assert in_lists(counting, '"alliances_producerorganization"."id"') == [
        [o.pk for o in page.object_list]
    ]
    for name, _region, active in expected:
        assert f"<td>{active}</td>" in response.content.decode(), name


# --- the producer organizations of the API -----------------------------------------------


def test_api_counts_the_members_of_the_page_only(api, world, four_organizations):
    url = "/api/v1/producer-organizations/?page_size=2&page=2&ordering=name"
    with CaptureQueriesContext(connection) as captured:
        body = api(world.officer).get(url).json()
    assert body["count"] == 4
    assert [(r["name"], r["members"], r["women"], r["youth"]) for r in body["results"]] == [
        ("Coop C", 4, 2, 2),  # the factory: odd members women, every third 25 years old
        ("Coop D", 0, 0, 0),
    ]
    (counting,) = queries_touching(captured, "alliances_member")
    assert in_lists(counting, '"alliances_producerorganization"."id"') == [
        [r["id"] for r in body["results"]]
    ]


def test_api_organization_reads_its_counts_as_before(api, world, four_organizations):
    body = api(world.officer).get(f"/api/v1/producer-organizations/{world.org_b.pk}/").json()
    assert (body["name"], body["members"], body["women"], body["youth"]) == ("Coop B", 29, 14, 10)


def test_api_organizations_order_by_what_the_client_asks(api, world, four_organizations):
    body = api(world.officer).get("/api/v1/producer-organizations/?ordering=-name").json()
    assert [r["name"] for r in body["results"]] == ["Coop D", "Coop C", "Coop B", "Coop A"]
    assert [r["members"] for r in body["results"]] == [0, 4, 29, 30]


# --- plans: home, the plan list, the API -------------------------------------------------


@pytest.fixture
def three_plans(world):
    """Three draft plans, changed an hour apart (newest last), and their expected order."""
    plans = [world.build(PlanStatus.DRAFT, org=org) for org in (world.org_a, world.org_b)]
    plans.append(world.build(PlanStatus.DRAFT))
    start = timezone.now() - datetime.timedelta(hours=5)
    for hours, plan in enumerate(plans):
        BusinessPlan.objects.filter(pk=plan.pk).update(
            updated_at=start + datetime.timedelta(hours=hours)
        )
    return list(reversed(plans))  # newest activity first


PLAN_JOINS = (
    "alliances_alliance",
    "alliances_producerorganization",
    "funding_program",
    "alliances_region",
    "alliances_valuechain",
)


def rows_of_plans(plans) -> list[tuple]:
    return [
        (
            p.pk,
            p.alliance.code,
            p.alliance.producer_organization.name,
            p.alliance.program.code,
            p.alliance.region.name,
            p.alliance.value_chain.name,
        )
        for p in plans
    ]


def assert_plans_joined_for_the_page_only(captured, page_ids) -> None:
    """One query joins the plans to their alliance and parties: for the page's ids, which
    come from the plans alone (the default sort needs no join)."""
    joined = [
        sql
        for sql in queries_touching(captured, "funding_program")
        if '"plans_businessplan"' in sql
    ]
    assert len(joined) == 1
    assert in_lists(joined[0], '"plans_businessplan"."id"') == [page_ids]
    assert all(table in joined[0] for table in PLAN_JOINS)
    (ids_query,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "plans_businessplan"."id" AS "pk"')
    ]
    assert "JOIN" not in ids_query
    assert 'ORDER BY "plans_businessplan"."updated_at" DESC, "plans_businessplan"."id" DESC' in (
        ids_query
    )


def test_plan_list_joins_the_page_only(client, world, three_plans, monkeypatch):
    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    client.force_login(world.officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("plan-list"), {"page": 1})
    page = response.context["page"]
    assert page.paginator.count == 3
    assert rows_of_plans(page.object_list) == rows_of_plans(three_plans[:2])
    assert_plans_joined_for_the_page_only(captured, [p.pk for p in three_plans[:2]])
    second = client.get(reverse("plan-list"), {"page": 2}).context["page"]
    assert rows_of_plans(second.object_list) == rows_of_plans(three_plans[2:])


def test_home_joins_its_latest_plans_only_and_counts_none(client, world, three_plans, monkeypatch):
    """Home shows the latest plans and leads to the others: it reads one id more than it
    shows, to know whether there are others, and counts nothing."""
    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    client.force_login(world.officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert rows_of_plans(response.context["plans"]) == rows_of_plans(three_plans[:2])
    assert response.context["more_plans"]
    assert_plans_joined_for_the_page_only(captured, [p.pk for p in three_plans[:2]])
    # No pager's count of the plans (the figures by stage are counted, and kept per user).
    counts = [q for q in queries_touching(captured, "plans_businessplan") if '"__count"' in q]
    assert counts == []


def test_plan_list_sorts_and_filters_before_taking_the_page(
    client, world, three_plans, monkeypatch
):
    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    client.force_login(world.officer)
    by_organization = sorted(
        three_plans, key=lambda p: (p.alliance.producer_organization.name, p.alliance.code)
    )
    response = client.get(reverse("plan-list"), {"sort": "organization", "page": 2})
    assert rows_of_plans(response.context["page"].object_list) == rows_of_plans(by_organization[2:])
    response = client.get(reverse("plan-list"), {"q": "coop b"})
    assert [p.pk for p in response.context["page"].object_list] == [
        p.pk for p in three_plans if p.alliance.producer_organization_id == world.org_b.pk
    ]


def test_api_plans_join_and_read_versions_for_the_page_only(api, world, three_plans):
    with CaptureQueriesContext(connection) as captured:
        body = api(world.officer).get("/api/v1/plans/?page_size=2").json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [p.pk for p in three_plans[:2]]
    assert [
        (r["title"], r["version"], r["alliance"]["code"], r["alliance"]["buyer"]["name"])
        for r in body["results"]
    ] == [("Maize shelling and storage", 1, p.alliance.code, "Buyer One") for p in three_plans[:2]]
    (versions,) = queries_touching(captured, "plans_planversion")
    assert in_lists(versions, '"plans_businessplan"."id"') == [[p.pk for p in three_plans[:2]]]
    assert "alliances_product" in versions and "alliances_buyer" in versions


def test_api_plans_keep_their_scope_and_filters(api, world, three_plans):
    client = api(world.regional_officer)  # region B only: Coop B's plan
    body = client.get("/api/v1/plans/").json()
    assert [r["id"] for r in body["results"]] == [
        p.pk for p in three_plans if p.alliance.producer_organization_id == world.org_b.pk
    ]
    body = api(world.officer).get(f"/api/v1/plans/?organization={world.org_a.pk}").json()
    assert [r["id"] for r in body["results"]] == [
        p.pk for p in three_plans if p.alliance.producer_organization_id == world.org_a.pk
    ]
    assert api(UserFactory()).get("/api/v1/plans/").json()["count"] == 0


def test_api_alliances_join_the_page_only(api, world, three_plans):
    with CaptureQueriesContext(connection) as captured:
        body = api(world.officer).get("/api/v1/alliances/?page_size=2&ordering=-code").json()
    codes = sorted((p.alliance.code for p in three_plans), reverse=True)
    assert [r["code"] for r in body["results"]] == codes[:2]
    assert [r["status"] for r in body["results"]] == ["draft", "draft"]
    (joined,) = queries_touching(captured, "alliances_product")
    assert in_lists(joined, '"alliances_alliance"."id"') == [[r["id"] for r in body["results"]]]


def test_api_programmes_sum_the_page_only(api, world):
    with CaptureQueriesContext(connection) as captured:
        body = api(world.officer).get("/api/v1/programs/").json()
    (program,) = body["results"]
    assert (program["id"], program["committed"]) == (world.program.pk, "0.00")
    (summing,) = queries_touching(captured, "funding_grantcommitment")
    assert in_lists(summing, '"funding_program"."id"') == [[world.program.pk]]
