"""`GET /api/v1/portfolio/`: the dashboard's figures as data, from the same door as the
page (the reader's slices), for the same readers, narrowed by the same filters."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from monitoring.dashboard import portfolio
from tests.monitoring.test_dashboard import TODAY, URL
from tests.monitoring.test_dashboard import portfolio_world as portfolio_world  # fixture

D = Decimal
API = "/api/v1/portfolio/"


def get(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(API, params)


def test_the_officer_reads_the_figures_of_the_page(portfolio_world, client):
    w = portfolio_world
    response = get(w.officer)

    assert response.status_code == 200, response.json()
    body = response.json()
    client.force_login(w.officer)
    page = client.get(URL).context["portfolio"]
    assert body["alliance_count"] == page.alliance_count == 6
    assert [(r["stage"], r["label"], r["count"]) for r in body["by_stage"]] == [
        (r.key, r.label, r.count) for r in page.by_stage
    ]
    assert [(m["program"], D(m["committed"]), D(m["paid"])) for m in body["money"]] == [
        (m.program.id, m.committed, m.paid) for m in page.money
    ]
    assert [(t["currency"], D(t["committed"])) for t in body["money_totals"]] == [
        (t.currency, t.committed) for t in page.money_totals
    ]
    assert body["beneficiaries"]["planned_families"] == page.beneficiaries.planned_families
    assert D(body["beneficiaries"]["reached_members"]) == page.beneficiaries.reached_members
    assert {s["value_chain"] for s in body["sales"]} == {s.value_chain_id for s in page.sales}
    assert {c["id"] for c in body["choices"]["programs"]} == {w.program.pk, w.program2.pk}
    assert (body["program"], body["region"], body["value_chain"]) == (None, None, None)


def test_filters_narrow_the_figures_as_on_the_page(portfolio_world):
    w = portfolio_world
    body = get(w.officer, program=w.program.pk, region=w.region_a.pk).json()
    assert (body["program"], body["region"], body["alliance_count"]) == (
        w.program.pk,
        w.region_a.pk,
        1,
    )


def test_a_funder_reads_only_the_programmes_it_funds(portfolio_world):
    w = portfolio_world
    body = get(w.funder_user).json()
    expected = portfolio(w.funder_user, today=TODAY)
    assert [m["program"] for m in body["money"]] == [w.program.pk]
    assert body["alliance_count"] == expected.alliance_count == 3
    assert "ALIANZAS-CO" not in str(body)
    refused = get(w.funder_user, program=w.program2.pk)
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"program": ["Not one of the values you may choose."]}


def test_a_regional_officer_may_not_choose_another_region(portfolio_world):
    w = portfolio_world
    assert [r["label"] for r in get(w.regional_officer).json()["by_region"]] == ["Zou"]
    refused = get(w.regional_officer, region=w.region_a.pk, value_chain=w.product.value_chain_id)
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"region"}


@pytest.mark.parametrize("value", ["x", "0", "-1", "99999999999999999999"])
def test_a_filter_that_is_not_an_id_is_a_400(portfolio_world, value):
    response = get(portfolio_world.officer, program=value)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"program"}


@pytest.mark.parametrize("persona", ["producer", "buyer_user", "ta", "appraiser", "outsider"])
def test_others_are_refused(portfolio_world, persona):
    response = get(getattr(portfolio_world, persona))
    assert response.status_code == 403
    assert response.json()["detail"] == "The portfolio is for ministry staff and funders."


def test_anonymous_gets_401(db):
    assert APIClient().get(API).status_code == 401
