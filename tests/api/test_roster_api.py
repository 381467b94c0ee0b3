"""An organization's profile and member roster in the API (issue 19), through the doors of
the organization pages: `organizations_visible_to` for reading, `alliances.roster` (and
the policy it asks) for every change, national ID numbers masked for those who may not
see members' personal data."""

import pytest

from alliances.models import Member
from tests.alliances.support import csv_file
from tests.alliances.test_roster_import import BAD_ROW_REPORT, BAD_ROWS, GOOD_ROWS

from .support import error

pytestmark = pytest.mark.django_db


def members_url(org, *rest) -> str:
    return "/".join([f"/api/v1/producer-organizations/{org.pk}/members", *map(str, rest)]) + "/"


NEW_MEMBER = {"name": "Afiavi  Kora", "sex": "female", "birth_year": 1988, "land_area_ha": "1.5"}


def test_a_representative_adds_changes_and_lists_members(api, world):
    client = api(world.producer)
    response = client.post(members_url(world.org_a), NEW_MEMBER, format="json")
    assert response.status_code == 201, response.json()
    member = Member.objects.get(name="Afiavi Kora")  # spaces tidied by the service
    assert response.json() == {
        "id": member.pk,
        "name": "Afiavi Kora",
        "national_id": "",
        "sex": "female",
        "birth_year": 1988,
        "land_area_ha": "1.50",
        "role": "member",
        "active": True,
        "joined_on": None,
    }
    changed = client.patch(
        members_url(world.org_a, member.pk), {"role": "treasurer", "active": False}, format="json"
    )
    assert (changed.status_code, changed.json()["role"], changed.json()["active"]) == (
        200,
        "treasurer",
        False,
    )
    member.refresh_from_db()
    assert (member.role, member.active) == ("treasurer", False)
    listed = client.get(members_url(world.org_a), {"page_size": 200}).json()
    assert listed["count"] == world.org_a.members.count()
    assert member.pk in [row["id"] for row in listed["results"]]


def test_national_ids_are_masked_for_those_who_may_not_see_personal_data(api, world):
    member = world.org_a.members.order_by("pk").first()
    Member.objects.filter(pk=member.pk).update(national_id="BJ-123456789")
    url = members_url(world.org_a, member.pk)
    assert api(world.producer).get(url).json()["national_id"] == "BJ-123456789"
    assert api(world.officer).get(url).json()["national_id"] == "BJ-123456789"
    # A regional officer of another region does not see the organization at all.
    assert api(world.regional_officer).get(url).status_code == 404
    # The roster is the organization page's: those who do not see the page get a 404.
    for user in (world.buyer_user, world.funder_user, world.me_officer, world.producer_b):
        response = api(user).get(url)
        assert (response.status_code, error(response)["detail"]) == (
            404,
            "No such producer organization.",
        ), user


def test_who_may_not_change_the_roster_changes_nothing(api, world):
    before = world.org_a.members.count()
    # A programme officer sees the roster but does not keep it: 403.
    response = api(world.officer).post(members_url(world.org_a), NEW_MEMBER, format="json")
    assert response.status_code == 403
    # Another organization's representative does not see it: 404.
    response = api(world.producer_b).post(members_url(world.org_a), NEW_MEMBER, format="json")
    assert response.status_code == 404
    assert world.org_a.members.count() == before


def test_bad_member_input_is_a_400_naming_the_field(api, world):
    before = world.org_a.members.count()
    client = api(world.producer)
    response = client.post(
        members_url(world.org_a), {**NEW_MEMBER, "sex": "x", "birth_year": 1850}, format="json"
    )
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"sex", "birth_year"}
    member = world.org_a.members.order_by("pk").first()
    response = client.patch(members_url(world.org_a, member.pk), {"name": ""}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["name"]
    assert world.org_a.members.count() == before
    assert client.get(members_url(world.org_a, 10**12)).status_code == 404


def test_a_roster_file_is_previewed_with_dry_run_then_imported(api, world):
    client = api(world.ta)  # the TA provider keeps the roster of the organization
    before = world.org_a.members.count()
    url = members_url(world.org_a, "import")

    preview = client.post(url, {"file": csv_file(GOOD_ROWS), "dry_run": True}, format="multipart")

    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["dry_run"], body["counts"], body["ignored_columns"]) == (
        True,
        {"members": 3, "women": 2, "youth": 1},
        [],
    )
    assert [m["name"] for m in body["members"]] == ["Afiavi Kora", "Issa Yarou", "Sènami Zinsou"]
    assert world.org_a.members.count() == before

    imported = client.post(url, {"file": csv_file(GOOD_ROWS)}, format="multipart")

    assert imported.status_code == 201
    assert imported.json()["counts"] == {"members": 3, "women": 2, "youth": 1}
    assert world.org_a.members.count() == before + 3
    # The same people again: every row is already on the roster, nothing is added.
    again = client.post(url, {"file": csv_file(GOOD_ROWS)}, format="multipart")
    assert again.status_code == 400
    assert len(error(again)["fields"]["file"]) == 3
    assert world.org_a.members.count() == before + 3


def test_a_file_with_wrong_rows_imports_nothing_and_says_why_row_by_row(api, world):
    before = world.org_a.members.count()
    response = api(world.producer).post(
        members_url(world.org_a, "import"), {"file": csv_file(BAD_ROWS)}, format="multipart"
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"file": BAD_ROW_REPORT}
    not_a_roster = api(world.producer).post(
        members_url(world.org_a, "import"),
        {"file": csv_file([["a"]], name="empty.csv")},
        format="multipart",
    )
    assert not_a_roster.status_code == 400
    assert list(error(not_a_roster)["fields"]) == ["file"]
    refused = api(world.officer).post(
        members_url(world.org_a, "import"), {"file": csv_file(GOOD_ROWS)}, format="multipart"
    )
    assert refused.status_code == 403
    assert world.org_a.members.count() == before


def test_the_profile_is_changed_by_the_organization_side_only(api, world):
    url = f"/api/v1/producer-organizations/{world.org_a.pk}/"
    response = api(world.producer).patch(
        url, {"phone": "+229 97 00 00 00", "founded_year": 2004}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["phone"], response.json()["founded_year"]) == (
        "+229 97 00 00 00",
        2004,
    )
    world.org_a.refresh_from_db()
    assert world.org_a.phone == "+229 97 00 00 00"
    assert api(world.officer).patch(url, {"phone": "1"}, format="json").status_code == 403
    bad = api(world.producer).patch(url, {"email": "not an address"}, format="json")
    assert (bad.status_code, list(error(bad)["fields"])) == (400, ["email"])
    world.org_a.refresh_from_db()
    assert world.org_a.phone == "+229 97 00 00 00"
