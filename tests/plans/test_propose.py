"""Proposing an alliance (plans/proposals.py, the proposal page): only the programmes of
the organization's country with an open call, then only the buyers of that programme's
country and the products of its value chains are offered; any other choice is refused
with a message on its field, and nothing is created."""

from __future__ import annotations

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances.models import Alliance
from core.formats import format_date
from plans.models import BusinessPlan, PlanStatus
from plans.proposals import proposal_problems
from tests.factories import (
    BuyerFactory,
    OrganizationFactory,
    ProductFactory,
    ProgramFactory,
    RegionFactory,
)

URL = "/plans/new/"


@pytest.fixture
def elsewhere(world):
    """What must never be offered to Coop A (Benin): a Colombian programme, buyer and
    product; a Beninese programme whose call is closed; a product of a value chain the
    programme does not fund."""
    today = timezone.localdate()
    coffee = ProductFactory(name="Coffee")
    colombia = ProgramFactory(code="CO-CAFE", name="Café Colombia", country="CO", currency="COP")
    colombia.eligible_value_chains.set([coffee.value_chain])
    closed = ProgramFactory(
        code="BJ-OLD",
        name="Old call",
        opens_on=today - datetime.timedelta(days=400),
        closes_on=today - datetime.timedelta(days=35),
    )
    closed.eligible_value_chains.set([world.product.value_chain])
    return {
        "colombia": colombia,
        "closed": closed,
        "buyer_co": BuyerFactory(name="Tostadora Andina", country="CO"),
        "coffee": coffee,
        "cassava": ProductFactory(name="Cassava"),  # a chain no programme funds
    }


def choices(response, field) -> list[str]:
    form = response.context["form"]
    return [str(obj) for obj in form.fields[field].queryset]


def text(response) -> str:
    return html.unescape(response.content.decode())


def nothing_created(before: int) -> bool:
    return Alliance.objects.count() == before


def test_one_organization_and_one_open_call_go_straight_to_the_details(client, world, elsewhere):
    client.force_login(world.producer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["details"] is True
    assert (response.context["organization"], response.context["program"]) == (
        world.org_a,
        world.program,
    )
    assert choices(response, "buyer") == ["Buyer One"]
    assert choices(response, "product") == ["Maize (kg)"]
    page = text(response)
    assert f"{world.program.code} · {world.program.name}" in page
    assert "Change the organization or the programme" not in page  # nothing to change
    assert "Tostadora Andina" not in page and "Café Colombia" not in page


def test_with_two_open_calls_the_programme_is_asked_first(client, world, elsewhere):
    second = ProgramFactory(code="BJ-RICE", name="Rice Benin")
    second.eligible_value_chains.set([world.product.value_chain])
    client.force_login(world.producer)
    response = client.get(URL)
    assert response.context["details"] is False
    assert choices(response, "organization") == ["Coop A"]
    assert [p.code for p in response.context["form"].fields["program"].queryset] == [
        "BJ-RICE",
        world.program.code,
    ]
    page = text(response)
    assert 'method="get"' in page and "Continue" in page
    assert "Café Colombia" not in page and "Old call" not in page

    response = client.get(URL, {"organization": world.org_a.pk, "program": second.pk})
    assert response.context["details"] is True
    assert response.context["program"] == second
    change = f"{URL}?change=1&amp;organization={world.org_a.pk}&amp;program={second.pk}"
    assert change in response.content.decode()
    # "Change": the first question again, with the answers given.
    response = client.get(URL, {"change": 1, "organization": world.org_a.pk, "program": second.pk})
    assert response.context["details"] is False
    assert response.context["form"]["program"].value() == str(second.pk)


@pytest.mark.parametrize("programme", ["colombia", "closed"])
def test_another_countrys_or_a_closed_programme_is_refused_on_its_field(
    client, world, elsewhere, programme
):
    program = elsewhere[programme]
    client.force_login(world.producer)
    before = Alliance.objects.count()
    message = "Choose a programme of the organization's country whose call is open."

    response = client.get(URL, {"organization": world.org_a.pk, "program": program.pk})
    assert response.status_code == 400
    assert response.context["form"].errors == {"program": [message]}

    response = client.post(
        URL,
        {
            "organization": world.org_a.pk,
            "program": program.pk,
            "buyer": world.buyer.pk,
            "product": world.product.pk,
            "name": "Elsewhere",
            "title": "Elsewhere",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"program": [message]}
    page = text(response)
    assert "There is a problem" in page
    assert f'<a href="#id_program">{message}</a>' in page
    assert nothing_created(before)


def test_a_buyer_or_product_of_another_programme_is_refused_on_its_field(client, world, elsewhere):
    client.force_login(world.producer)
    before = Alliance.objects.count()
    response = client.post(
        URL,
        {
            "organization": world.org_a.pk,
            "program": world.program.pk,
            "buyer": elsewhere["buyer_co"].pk,
            "product": elsewhere["cassava"].pk,
            "name": "Cassava for Bogotá",
            "title": "Cassava",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "buyer": ["Choose a buyer of the programme's country."],
        "product": ["Choose a product of the programme's value chains."],
    }
    # The page shows the details again, with what was typed and the right lists.
    assert response.context["details"] is True
    assert choices(response, "buyer") == ["Buyer One"]
    assert response.context["form"]["name"].value() == "Cassava for Bogotá"
    assert nothing_created(before)


def test_an_organization_is_offered_only_its_own_countrys_programmes(client, world, elsewhere):
    """A TA provider accompanying organizations of two countries sees both countries'
    programmes until it names the organization; the pair is checked."""
    colombian = OrganizationFactory(name="Coop Huila", region=RegionFactory(country="CO"))
    world.provider.organizations.add(colombian)
    client.force_login(world.ta)
    response = client.get(URL)
    assert response.context["details"] is False
    assert {p.code for p in response.context["form"].fields["program"].queryset} == {
        world.program.code,
        "CO-CAFE",
    }
    before = Alliance.objects.count()
    response = client.get(
        URL, {"organization": world.org_a.pk, "program": elsewhere["colombia"].pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "program": ["Choose a programme of the organization's country whose call is open."]
    }
    response = client.get(URL, {"organization": colombian.pk, "program": elsewhere["colombia"].pk})
    assert response.context["details"] is True
    assert choices(response, "buyer") == ["Tostadora Andina"]
    assert choices(response, "product") == ["Coffee (kg)"]
    response = client.post(
        URL,
        {
            "organization": colombian.pk,
            "program": elsewhere["colombia"].pk,
            "buyer": elsewhere["buyer_co"].pk,
            "product": elsewhere["coffee"].pk,
            "name": "Huila coffee",
            "title": "Wet mill",
        },
    )
    plan = BusinessPlan.objects.get(alliance__name="Huila coffee")
    assert response.status_code == 302
    assert (plan.status, plan.alliance.program, plan.alliance.buyer) == (
        PlanStatus.DRAFT,
        elsewhere["colombia"],
        elsewhere["buyer_co"],
    )
    assert Alliance.objects.count() == before + 1


def test_without_an_open_call_the_page_says_so(client, world):
    world.program.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    world.program.opens_on = world.program.closes_on - datetime.timedelta(days=30)
    world.program.save(update_fields=["opens_on", "closes_on"])
    client.force_login(world.producer)
    response = client.get(URL)
    assert response.status_code == 200
    page = text(response)
    assert "No programme of your organization's country has an open call today." in page
    assert "Continue" not in page


def test_the_proposal_page_is_refused_to_those_who_do_not_propose(client, world):
    client.force_login(world.buyer_user)
    assert client.get(reverse("plan-propose")).status_code == 403


def test_the_rule_names_each_wrong_choice(world, elsewhere):
    """`proposal_problems`, the rule behind the page, for any other door that proposes."""
    ok = proposal_problems(
        organization=world.org_a, program=world.program, buyer=world.buyer, product=world.product
    )
    assert ok == {}
    assert proposal_problems(
        organization=world.org_a,
        program=elsewhere["colombia"],
        buyer=elsewhere["buyer_co"],
        product=elsewhere["coffee"],
    ) == {"program": ["Choose a programme of Coop A's country."]}
    closed = elsewhere["closed"]
    assert proposal_problems(
        organization=world.org_a,
        program=closed,
        buyer=elsewhere["buyer_co"],
        product=elsewhere["cassava"],
    ) == {
        "program": [
            f"The call of Old call is open from {format_date(closed.opens_on, long=True)} "
            f"to {format_date(closed.closes_on, long=True)}."
        ],
        "buyer": ["Choose a buyer of the programme's country."],
        "product": ["Choose a product of the programme's value chains."],
    }
