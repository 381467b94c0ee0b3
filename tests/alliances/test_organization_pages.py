"""Organization pages: who sees them (404 otherwise), who changes them (403 for those
who only see them), and what the profile and member forms save or refuse."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.policy import ActionRefused
from alliances import roster
from alliances.models import Member, ProducerOrganization
from tests.factories import OrganizationFactory

from .support import url

D = Decimal
YEAR = timezone.localdate().year

PROFILE = {
    "name": "Union des producteurs de Kandi",
    "legal_form": "union",
    "founded_year": "2011",
    "address": "Quartier Kossarou, Kandi",
    "email": "contact@upm-kandi.bj",
    "phone": "+229 97 00 00 00",
}
MEMBER = {
    "name": "Adjoa Houngbédji",
    "sex": "female",
    "birth_year": "1994",
    "land_area_ha": "2.75",
    "role": "treasurer",
    "active": "on",
}


def profile_of(org):
    org.refresh_from_db()
    return (org.name, org.legal_form, org.founded_year, org.address, org.email, org.phone)


def roster_of(org):
    return sorted(
        Member.objects.filter(organization=org).values_list(
            "name", "sex", "birth_year", "land_area_ha", "role", "active"
        )
    )


# --- who sees an organization ------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(url("organization", world.org_a.pk))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "status", "can_manage"),
    [
        ("producer", 200, True),
        ("ta", 200, True),
        ("officer", 200, False),
        ("producer_b", 404, None),
        ("regional_officer", 404, None),  # region B only; organization A is in region A
        ("buyer_user", 404, None),
        ("appraiser", 404, None),
        ("committee", 404, None),
        ("funder_user", 404, None),
        ("outsider", 404, None),
    ],
)
def test_organization_page_by_persona(client, world, persona, status, can_manage):
    client.force_login(getattr(world, persona))
    response = client.get(url("organization", world.org_a.pk))
    assert response.status_code == status
    if status == 200:
        assert response.context["can_manage"] is can_manage
        body = response.content.decode()
        assert ("Edit the profile" in body) is can_manage
        assert ("Import from CSV or XLSX" in body) is can_manage


def test_organization_page_shows_the_roster_counts(client, world):
    # The factory's 30 members: odd ones women (15), every third 25 years old (10).
    Member.objects.filter(organization=world.org_a, name="Member 1").update(active=False)
    client.force_login(world.producer)
    response = client.get(url("organization", world.org_a.pk))
    assert response.context["counts"] == {"members": 29, "women": 14, "youth": 10}
    assert response.context["page"].paginator.count == 30  # the inactive one is listed
    assert "Inactive" in response.content.decode()


def test_regional_officer_sees_the_organizations_of_its_regions(client, world):
    client.force_login(world.regional_officer)
    assert client.get(url("organization", world.org_b.pk)).status_code == 200
    response = client.get(url("organizations"))
    assert [o.name for o in response.context["page"].object_list] == ["Coop B"]


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("producer", ["Coop A"]),
        ("ta", ["Coop A"]),
        ("officer", ["Coop A", "Coop B"]),
        ("producer_b", ["Coop B"]),
        ("buyer_user", []),
        ("outsider", []),
    ],
)
def test_organization_list_by_persona(client, world, persona, names):
    client.force_login(getattr(world, persona))
    response = client.get(url("organizations"))
    assert response.status_code == 200
    assert [o.name for o in response.context["page"].object_list] == names


@pytest.mark.parametrize("count", [2, 50])
def test_organization_list_query_count(client, world, count, django_assert_num_queries):
    for i in range(count - 2):
        OrganizationFactory(name=f"Coop {i:02}", region=world.region_a, members=3)
    client.force_login(world.officer)
    # user, memberships (with their regions), count, the page's ids, their rows with member
    # counts; navigation: the "my tasks" counts of an officer (one query), unread
    # notifications. Was 9 before the session came from the cache and the memberships'
    # regions from the same query (issue 17).
    with django_assert_num_queries(QUERIES_ORGANIZATION_LIST):
        response = client.get(url("organizations"))
    assert response.context["page"].paginator.count == count
    assert len(response.context["page"].object_list) == count


QUERIES_ORGANIZATION_LIST = 7
# user, memberships (with the TA provider's organizations, one query); the organization,
# member count, roster counts, page of members; navigation: my tasks (all the counts in
# one query), unread. Was 12 with the session read from the database and the memberships'
# regions, TA provider and its organizations prefetched one query each (issue 17).
QUERIES_ROSTER = 8


@pytest.mark.parametrize("count", [2, 50])
def test_roster_page_query_count(client, world, count, django_assert_num_queries):
    org = OrganizationFactory(name="Coop C", region=world.region_a, members=count)
    world.provider.organizations.add(org)
    client.force_login(world.ta)
    with django_assert_num_queries(QUERIES_ROSTER):
        response = client.get(url("organization", org.pk))
    assert len(response.context["page"].object_list) == count
    assert response.content.decode().count("/edit/") == count + 1  # members + profile


# --- the profile -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["producer", "ta"])
def test_profile_is_saved_by_the_organizations_people(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(url("organization-edit", world.org_a.pk)).status_code == 200
    response = client.post(url("organization-edit", world.org_a.pk), PROFILE)
    assert response.status_code == 302
    assert response.url == url("organization", world.org_a.pk)
    assert profile_of(world.org_a) == (
        "Union des producteurs de Kandi",
        "union",
        2011,
        "Quartier Kossarou, Kandi",
        "contact@upm-kandi.bj",
        "+229 97 00 00 00",
    )


def test_officer_sees_the_profile_but_may_not_change_it(client, world):
    before = profile_of(world.org_a)
    client.force_login(world.officer)
    assert client.get(url("organization-edit", world.org_a.pk)).status_code == 403
    assert client.post(url("organization-edit", world.org_a.pk), PROFILE).status_code == 403
    assert profile_of(world.org_a) == before


def test_another_organizations_profile_is_not_found(client, world):
    before = profile_of(world.org_a)
    client.force_login(world.producer_b)
    assert client.get(url("organization-edit", world.org_a.pk)).status_code == 404
    assert client.post(url("organization-edit", world.org_a.pk), PROFILE).status_code == 404
    assert profile_of(world.org_a) == before


def test_profile_errors_keep_the_input_and_save_nothing(client, world):
    before = profile_of(world.org_a)
    client.force_login(world.producer)
    data = {**PROFILE, "founded_year": "1850", "email": "not an address", "name": "New name"}
    response = client.post(url("organization-edit", world.org_a.pk), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"email": ["Enter a valid email address."]}
    body = response.content.decode()
    assert 'value="not an address"' in body
    assert 'value="New name"' in body
    assert profile_of(world.org_a) == before

    data = {**PROFILE, "founded_year": "1850"}
    response = client.post(url("organization-edit", world.org_a.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "founded_year": ["The year founded 1850 is not plausible."]
    }
    assert 'value="1850"' in response.content.decode()
    assert profile_of(world.org_a) == before


def test_profile_with_nothing_posted_shows_the_required_fields(client, world):
    before = profile_of(world.org_a)
    client.force_login(world.producer)
    response = client.post(url("organization-edit", world.org_a.pk), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "legal_form"}
    assert profile_of(world.org_a) == before


# --- members -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["producer", "ta"])
def test_member_is_added(client, world, persona):
    client.force_login(getattr(world, persona))
    assert client.get(url("member-add", world.org_a.pk)).status_code == 200
    response = client.post(url("member-add", world.org_a.pk), MEMBER)
    assert response.status_code == 302
    added = Member.objects.get(organization=world.org_a, name="Adjoa Houngbédji")
    assert (added.sex, added.birth_year, added.land_area_ha, added.role, added.active) == (
        "female",
        1994,
        D("2.75"),
        "treasurer",
        True,
    )
    assert Member.objects.filter(organization=world.org_a).count() == 31


def test_officer_may_not_add_a_member(client, world):
    before = roster_of(world.org_a)
    client.force_login(world.officer)
    assert client.get(url("member-add", world.org_a.pk)).status_code == 403
    assert client.post(url("member-add", world.org_a.pk), MEMBER).status_code == 403
    assert roster_of(world.org_a) == before


def test_member_cannot_be_added_to_another_organization(client, world):
    before = roster_of(world.org_a)
    client.force_login(world.producer_b)
    assert client.post(url("member-add", world.org_a.pk), MEMBER).status_code == 404
    assert roster_of(world.org_a) == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"birth_year": "1850"}, {"birth_year": ["Birth year 1850 is not plausible."]}),
        (
            {"birth_year": str(YEAR - 5)},
            {"birth_year": [f"Birth year {YEAR - 5} is not plausible."]},
        ),
        ({"land_area_ha": "-1"}, {"land_area_ha": ["Enter zero or more."]}),
        ({"land_area_ha": "12000"}, {"land_area_ha": ["Land area 12000 ha is not plausible."]}),
        (
            {"sex": "other"},
            {"sex": ["Select a valid choice. other is not one of the available choices."]},
        ),
        ({"name": "   "}, {"name": ["This field is required."]}),
        ({"birth_year": "nineteen"}, {"birth_year": ["Write this number with digits only."]}),
    ],
)
def test_member_errors_keep_the_input_and_save_nothing(client, world, changes, errors):
    before = roster_of(world.org_a)
    client.force_login(world.producer)
    response = client.post(url("member-add", world.org_a.pk), {**MEMBER, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert 'value="Adjoa Houngbédji"' in response.content.decode() or "name" in changes
    assert roster_of(world.org_a) == before


def test_member_is_edited(client, world):
    member = Member.objects.get(organization=world.org_a, name="Member 3")
    client.force_login(world.producer)
    assert client.get(url("member-edit", world.org_a.pk, member.pk)).status_code == 200
    data = {**MEMBER, "name": "Member Three", "active": ""}
    response = client.post(url("member-edit", world.org_a.pk, member.pk), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.sex, member.birth_year, member.land_area_ha) == (
        "Member Three",
        "female",
        1994,
        D("2.75"),
    )
    assert (member.role, member.active) == ("treasurer", False)


def test_member_edit_errors_save_nothing(client, world):
    member = Member.objects.get(organization=world.org_a, name="Member 3")
    before = roster_of(world.org_a)
    client.force_login(world.producer)
    data = {**MEMBER, "name": "Renamed", "birth_year": "1899"}
    response = client.post(url("member-edit", world.org_a.pk, member.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"birth_year": ["Birth year 1899 is not plausible."]}
    assert 'value="Renamed"' in response.content.decode()
    assert roster_of(world.org_a) == before


def test_officer_may_not_edit_a_member(client, world):
    member = Member.objects.get(organization=world.org_a, name="Member 3")
    before = roster_of(world.org_a)
    client.force_login(world.officer)
    assert client.get(url("member-edit", world.org_a.pk, member.pk)).status_code == 403
    response = client.post(url("member-edit", world.org_a.pk, member.pk), MEMBER)
    assert response.status_code == 403
    assert roster_of(world.org_a) == before


def test_another_organizations_member_is_not_found(client, world):
    theirs = Member.objects.get(organization=world.org_b, name="Member 3")
    before = roster_of(world.org_b)
    client.force_login(world.producer)
    # Through the producer's own organization, and through the other one.
    assert client.post(url("member-edit", world.org_a.pk, theirs.pk), MEMBER).status_code == 404
    assert client.post(url("member-edit", world.org_b.pk, theirs.pk), MEMBER).status_code == 404
    assert roster_of(world.org_b) == before


def test_services_refuse_the_wrong_people(world):

    with pytest.raises(ActionRefused) as refused:
        roster.member_add(
            organization=world.org_a, by=world.officer, name="X", sex="male", birth_year=1990
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(ActionRefused) as refused:
        roster.organization_update(
            organization=world.org_a, by=world.producer_b, changes={"name": "Taken over"}
        )
    assert refused.value.code == "not_found"
    assert ProducerOrganization.objects.get(pk=world.org_a.pk).name == "Coop A"
    assert not Member.objects.filter(name="X").exists()
