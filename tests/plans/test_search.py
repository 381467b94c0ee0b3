"""The plan list's search box: the alliance's code and name, the producer organization's
name and the buyer's name, ignoring case (`plans.selectors.search_plans`)."""

import pytest

from plans.models import BusinessPlan, PlanStatus
from plans.selectors import search_plans
from tests.factories import BuyerFactory


@pytest.fixture
def two_plans(world):
    """Coop A's plan with Buyer One, Coop B's with Kandi Foods."""
    a = world.build(PlanStatus.DRAFT)
    b = world.build(PlanStatus.DRAFT, org=world.org_b, buyer=BuyerFactory(name="Kandi Foods"))
    return a, b


def found(text) -> list[int]:
    return sorted(search_plans(BusinessPlan.objects.all(), text).values_list("pk", flat=True))


def test_each_field_is_searched_ignoring_case(two_plans):
    a, b = two_plans
    assert found(a.alliance.code.lower()) == [a.pk]  # the alliance's code
    assert found("COOP B MAIZE") == [b.pk]  # the alliance's name
    assert found("kandi") == [b.pk]  # the buyer's name
    assert found("buyer one") == [a.pk]
    assert found("maize") == sorted([a.pk, b.pk])


def test_a_plan_matching_several_fields_is_listed_once(two_plans):
    a, _b = two_plans
    # "Coop A" is the organization's name and the start of the alliance's name.
    assert list(search_plans(BusinessPlan.objects.all(), "coop a")) == [a]


def test_blank_text_leaves_the_list_as_it_is(two_plans):
    assert found("  ") == sorted(p.pk for p in two_plans)
    assert found("nothing like this") == []


def test_search_keeps_the_scope_it_is_given(world, two_plans):
    a, _b = two_plans
    assert list(search_plans(BusinessPlan.objects.filter(pk=a.pk), "maize")) == [a]
