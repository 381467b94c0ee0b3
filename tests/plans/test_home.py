import pytest
from django.urls import reverse

from plans.models import PlanStatus
from tests.factories import PlanBuilder


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_producer_sees_only_its_organizations_plans(client, world):
    mine = world.build(PlanStatus.DRAFT)
    theirs = world.build(PlanStatus.DRAFT, org=world.org_b)
    client.force_login(world.producer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    assert mine.alliance.code in response.content.decode()
    assert theirs.alliance.code not in response.content.decode()


def test_regional_officer_sees_only_its_regions(client, world):
    world.build(PlanStatus.DRAFT)
    theirs = world.build(PlanStatus.DRAFT, org=world.org_b)
    client.force_login(world.regional_officer)
    response = client.get(reverse("home"))
    assert list(response.context["page"].object_list) == [theirs]


def test_user_without_role_sees_nothing(client, world):
    world.build(PlanStatus.DRAFT)
    client.force_login(world.outsider)
    response = client.get(reverse("home"))
    assert list(response.context["page"].object_list) == []
    assert "There are no business plans for you to see yet." in response.content.decode()


def _plans(world, count):
    builder = PlanBuilder(world)
    for _ in range(count):
        builder.build(PlanStatus.DRAFT)


@pytest.mark.parametrize("count", [2, 50])
def test_home_query_count_does_not_grow_with_rows(client, world, count, django_assert_num_queries):
    _plans(world, count)
    client.force_login(world.officer)
    # session, user, memberships, their regions, count, the page's ids and their plans; in
    # the navigation: the officer's task queues (4) and the unread notifications (1)
    with django_assert_num_queries(12):
        response = client.get(reverse("home"))
    assert len(response.context["page"].object_list) == min(count, 25)
    assert response.context["page"].paginator.count == count
