"""The dashboard's cache (monitoring/views/dashboard.py): one entry per set of slices a
reader sees, never shown to a reader of another scope, replaced as soon as a step
refreshes a slice, and a cache outage only means computing the page."""

import re
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from core.cache import FailOpenRedisCache
from core.formats import format_money
from monitoring.dashboard import portfolio
from monitoring.figures import portfolio_figures_rebuild
from plans.models import PlanStatus
from tests.factories import pay_tranche
from tests.monitoring import test_dashboard

URL = reverse("monitoring:dashboard")
portfolio_world = test_dashboard.portfolio_world  # the dashboard tests' world, a fixture


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _options(content: str, select_id: str) -> list[str]:
    select = re.search(rf'<select id="{select_id}".*?</select>', content, re.S).group(0)
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)


def seen(client, user) -> tuple[int, list[str], list[str], list[str]]:
    """What the page shows `user`: the alliance count, the programmes and regions it may
    choose, and the programmes of the money table."""
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    count = int(re.search(r'<p id="alliance-count">(\d+) alliance', content).group(1))
    assert response.context["portfolio"].alliance_count == count
    money = re.findall(r'<tr data-program="([^"]+)">', content)
    return count, _options(content, "filter-program"), _options(content, "filter-region"), money


def test_a_cached_page_is_never_shown_to_a_reader_of_another_scope(portfolio_world, client):
    w = portfolio_world
    p1 = f"{w.program.code} · {w.program.name}"
    p2 = "ALIANZAS-CO · Alianzas productivas"
    national = (
        6,
        sorted([p1, p2]),
        sorted(["Alibori", "Zou", "Huila"]),
        sorted([w.program.code, "ALIANZAS-CO"]),
    )
    regional = (3, sorted([p1, p2]), ["Zou"], sorted([w.program.code, "ALIANZAS-CO"]))
    funder = (3, [p1], sorted(["Alibori", "Zou"]), [w.program.code])

    # Each reader first after another has filled the cache, then again from it.
    for user, expected in (
        (w.officer, national),
        (w.regional_officer, regional),
        (w.funder_user, funder),
        (w.officer, national),
        (w.funder_user, funder),
        (w.regional_officer, regional),
    ):
        count, programs, regions, money = seen(client, user)
        assert (count, sorted(programs), sorted(regions), sorted(money)) == expected


def test_readers_of_the_same_slices_share_one_entry(portfolio_world, client):
    w = portfolio_world
    with mock.patch("monitoring.views.dashboard.portfolio", wraps=portfolio) as computed:
        first = seen(client, w.officer)  # a national programme officer
        second = seen(client, w.me_officer)  # a national M&E officer: the same slices
        assert computed.call_count == 1
        client.force_login(w.officer)
        assert client.get(URL, {"program": w.program.pk}).status_code == 200
        assert computed.call_count == 2  # another filter, another entry
    assert first == second


def test_a_paid_tranche_shows_at_once(world, client, django_capture_on_commit_callbacks):
    w = world
    plan = w.build(PlanStatus.ACTIVE)
    portfolio_figures_rebuild()
    tranche = plan.commitment.tranches.order_by("number").first()
    client.force_login(w.officer)
    content = client.get(URL).content.decode()
    assert f'data-label="Paid">{format_money(D(0), "XOF")}</td>' in content

    # The step's refresh goes through the outbox after the payment commits.
    with django_capture_on_commit_callbacks(execute=True):
        pay_tranche(w, tranche, producer=w.producer, reference="PAY-1")

    response = client.get(URL)
    content = response.content.decode()
    assert f'data-label="Paid">{format_money(tranche.amount, "XOF")}</td>' in content
    (money,) = response.context["portfolio"].money
    assert (money.committed, money.paid) == (D("14000000"), tranche.amount)


def test_a_cache_outage_never_fails_the_page(portfolio_world, client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert isinstance(caches["default"], FailOpenRedisCache)
    for _ in range(2):
        assert seen(client, portfolio_world.officer)[0] == 6
