"""The home page of each role: its tasks with their first records, the figures the person
watches (amounts in the programme's currency, `core.formats`), and a fixed number of
queries whatever the portfolio; an ordinary page pays one query for the header's task
counts."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from alliances.deliveries import delivery_confirm, delivery_record
from alliances.models import Delivery
from monitoring.models import MonitoringReport
from monitoring.services import report_submit
from plans.models import PlanStatus as S
from tests.factories import PlanBuilder, fill_report
from tests.funding.support import to_status, tranches


def queries(client, user, name, *args) -> tuple[int, object]:
    client.force_login(user)
    client.get(reverse(name, args=args))  # warm: the session and language
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return len(captured), response


def portfolio(world, size: int) -> None:
    builder = PlanBuilder(world)
    world.program.fundings.update(amount=10**10)
    for _ in range(size):
        builder.build(S.SUBMITTED)
        active = builder.build(S.ACTIVE)
        to_status(world, tranches(active)[0], "verified")


def test_home_and_an_ordinary_page_cost_the_same_with_more_data(client, world):
    """Each person's home and agreements page, with one alliance at each stage, then four:
    the same number of queries (one portfolio for all of them)."""
    people = ["officer", "regional_officer", "finance", "producer", "me_officer", "buyer_user",
              "committee", "appraiser"]  # fmt: skip

    def costs() -> dict[str, tuple[int, int]]:
        return {
            who: (
                queries(client, getattr(world, who), "home")[0],
                queries(client, getattr(world, who), "agreement-list")[0],
            )
            for who in people
        }

    portfolio(world, 1)
    small = costs()
    portfolio(world, 4)
    assert costs() == small


def test_finance_watches_budget_committed_and_paid(client, world):
    plan = world.build(S.ACTIVE)
    to_status(world, tranches(plan)[0], "paid")
    to_status(world, tranches(world.build(S.ACTIVE))[0], "verified")
    _count, response = queries(client, world.finance, "home")
    figures = [(f.label, f.value) for f in response.context["figures"]]
    assert figures == [
        ("Grants committed", "XOF\u00a028,000,000"),
        ("Grants paid", "XOF\u00a04,666,666"),
        ("Tranches awaiting authorization", "1"),
        ("Tranches awaiting payment", "0"),
    ]
    assert [(t.key, t.count) for t in response.context["my_tasks"]] == [("to_disburse", 1)]
    body = response.content.decode()
    assert "XOF\u00a04,666,666" in body


def test_finance_figures_are_kept_and_forgotten_at_a_step(client, world, settings):
    # Kept as the task counts are (issue 17: the sum of payments reads every payment).
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    plan = world.build(S.ACTIVE)
    to_status(world, tranches(plan)[0], "verified")

    def figures():
        return {
            f.label: f.value for f in queries(client, world.finance, "home")[1].context["figures"]
        }

    assert figures()["Tranches awaiting authorization"] == "1"
    kept = figures()
    assert kept["Grants paid"] == "XOF\u00a00"
    # A step on an alliance concerns the (national) finance officer: figures read again.
    to_status(world, tranches(world.build(S.ACTIVE))[0], "paid")
    assert figures() == {**kept, "Grants committed": "XOF\u00a028,000,000",
                         "Grants paid": "XOF\u00a04,666,666"}  # fmt: skip
    cache.clear()


def recorded_delivery(world, plan, volume=D("1000")):
    """A delivery of today recorded by the producer (a step), waiting for the buyer."""
    return delivery_record(
        alliance=plan.alliance,
        by=world.producer,
        delivered_on=timezone.localdate(),
        volume=volume,
        unit_price=D("250"),
    )


def test_buyer_and_me_figures_are_kept_and_forgotten_at_a_step(client, world, settings):
    """The buyer's and the M&E officer's figures count every agreement, delivery and report
    of their alliances: kept between pages, read again after a step that concerns them."""
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    active = world.build(S.ACTIVE)
    report = MonitoringReport.objects.create(
        alliance=active.alliance,
        period_start=timezone.localdate() - datetime.timedelta(days=90),
        period_end=timezone.localdate(),
        due_on=timezone.localdate(),
    )

    def figures(user):
        return {f.label: f.value for f in queries(client, user, "home")[1].context["figures"]}

    delivered = "Deliveries confirmed in the last 12 months"
    to_review = "Monitoring reports to review"
    delivery = recorded_delivery(world, active, volume=D("10"))  # a step: nothing kept yet
    assert (figures(world.buyer_user)[delivered], figures(world.me_officer)[to_review]) == (
        "0",
        "0",
    )
    # Behind the steps' back nothing shows until the kept figures are forgotten...
    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.SUBMITTED)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.CONFIRMED)
    assert (figures(world.buyer_user)[delivered], figures(world.me_officer)[to_review]) == (
        "0",
        "0",
    )
    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.DUE)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.RECORDED)
    # ...and a step on the alliance forgets them for both.
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer, narrative="Sales rose.")
    delivery_confirm(delivery=delivery, by=world.buyer_user)
    assert (figures(world.buyer_user)[delivered], figures(world.me_officer)[to_review]) == (
        "1",
        "1",
    )
    cache.clear()


def test_the_officer_watches_plans_per_stage_and_the_producer_its_next_tranche(client, world):
    world.build(S.SUBMITTED)
    world.build(S.COMMITTEE)
    plan = world.build(S.ACTIVE)
    _count, response = queries(client, world.officer, "home")
    assert [(f.label, f.value) for f in response.context["figures"]] == [
        ("Plans at “Submitted”", "1"),
        ("Plans at “Screening”", "0"),
        ("Plans at “Appraisal”", "0"),
        ("Plans at “Committee decision”", "1"),
        ("Plans at “Approved”", "0"),
    ]
    _count, response = queries(client, world.producer, "home")
    next_tranche = [f for f in response.context["figures"] if "next tranche" in f.label]
    assert [(f.label, f.value, f.note, f.url) for f in next_tranche] == [
        (
            f"{plan.alliance.code}: next tranche, number 1",
            "XOF\u00a04,666,666",
            "Its conditions hold: you can request it.",
            reverse("plan-disbursement", args=[plan.pk]) + "#tranche-1",
        )
    ]


def test_the_committee_watches_what_waits_for_it_and_the_buyer_its_agreements(client, world):
    world.build(S.COMMITTEE)
    world.build(S.COMMITTEE)
    active = world.build(S.ACTIVE)  # approved by the committee, then signed
    world.build(S.REJECTED)
    _count, response = queries(client, world.committee, "home")
    assert [(f.label, f.value) for f in response.context["figures"]] == [
        ("Plans at “Committee decision”", "2"),
        ("Plans at “Approved”", "0"),
        ("Plans at “Rejected”", "1"),
    ]
    delivery_confirm(delivery=recorded_delivery(world, active), by=world.buyer_user)
    _count, response = queries(client, world.buyer_user, "home")
    assert [(f.label, f.value) for f in response.context["figures"]] == [
        ("Purchase agreements in force", "1"),
        ("Deliveries confirmed in the last 12 months", "1"),
    ]
    # Another buyer's alliance counts for nobody here.
    _count, response = queries(client, world.producer_b, "home")
    assert not [f for f in response.context["figures"] if "agreements in force" in f.label]


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_producer_sees_only_its_organizations_plans(client, world):
    mine = world.build(S.DRAFT)
    theirs = world.build(S.DRAFT, org=world.org_b)
    client.force_login(world.producer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert list(response.context["plans"]) == [mine]
    assert mine.alliance.code in response.content.decode()
    assert theirs.alliance.code not in response.content.decode()


def test_regional_officer_sees_only_its_regions(client, world):
    world.build(S.DRAFT)
    theirs = world.build(S.DRAFT, org=world.org_b)
    client.force_login(world.regional_officer)
    response = client.get(reverse("home"))
    assert list(response.context["plans"]) == [theirs]


def test_user_without_role_sees_nothing(client, world):
    world.build(S.DRAFT)
    client.force_login(world.outsider)
    response = client.get(reverse("home"))
    assert list(response.context["plans"]) == []
    assert "There are no business plans for you to see yet." in response.content.decode()


def _plans(world, count):
    builder = PlanBuilder(world)
    for _ in range(count):
        builder.build(S.DRAFT)


@pytest.mark.parametrize("count", [2, 50])
def test_home_query_count_does_not_grow_with_rows(client, world, count, django_assert_num_queries):
    _plans(world, count)
    client.force_login(world.officer)
    # user, memberships with their regions (one query), the latest plans' ids and their
    # rows; the officer's task counts (one query, shared with the navigation), the plans
    # per stage (one query) and the unread notifications. Was 10 before the session came
    # from the cache and the regions with the memberships, 8 before home stopped counting
    # every plan for a pager (issue 17).
    with django_assert_num_queries(QUERIES_OFFICER_HOME):
        response = client.get(reverse("home"))
    assert len(response.context["plans"]) == min(count, 25)
    # Beyond the 25 latest, a link leads to all of them (the plans page and its pager).
    more = html.fromstring(response.content).xpath("//main//a[@data-all-plans]")
    assert [(a.get("href"), a.text_content()) for a in more] == (
        [(reverse("plan-list"), "See all business plans")] if count > 25 else []
    )


QUERIES_OFFICER_HOME = 7
