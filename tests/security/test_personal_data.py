"""Personal data: who sees national ID and bank account numbers, masking in the admin,
the member export and the anonymization of a member who leaves."""

import datetime
import json
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from accounts.policy import can_see_personal_data
from alliances.models import Member
from alliances.personal_data import coarse_birth_year, mask
from tests.factories import UserFactory

# Plans built here keep their audit history: the tests read it.
pytestmark = [pytest.mark.django_db, pytest.mark.audited]


def _fresh(user):
    return User.objects.get(pk=user.pk)


def test_personal_data_is_seen_only_by_the_roles_that_need_it(world):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    seen = {
        name: (
            can_see_personal_data(_fresh(user), world.org_a),
            can_see_personal_data(_fresh(user), world.org_b),
        )
        for name, user in {
            "producer": world.producer,
            "producer_b": world.producer_b,
            "ta": world.ta,
            "officer": world.officer,
            "regional_officer": world.regional_officer,
            "finance": world.finance,
            "appraiser": world.appraiser,
            "committee": world.committee,
            "me_officer": world.me_officer,
            "buyer": world.buyer_user,
            "funder": world.funder_user,
            "outsider": world.outsider,
            "root": root,
        }.items()
    }

    assert seen == {
        "producer": (True, False),
        "producer_b": (False, True),
        "ta": (True, False),  # accompanies organization A only
        "officer": (True, True),
        "regional_officer": (False, True),  # region B
        "finance": (True, True),
        "appraiser": (False, False),
        "committee": (False, False),
        "me_officer": (False, False),
        "buyer": (False, False),
        "funder": (False, False),
        "outsider": (False, False),
        "root": (True, True),
    }


def test_mask_keeps_only_the_last_two_characters():
    assert mask("BJ-1234567890") == "•••••••••••90"
    assert mask("1234") == "••••"
    assert mask("") == ""


@pytest.fixture
def member(world):
    member = world.org_a.members.order_by("pk").first()
    member.national_id = "BJ-1234567890"
    member.save()
    world.org_a.bank_account_number = "BJ0610100100144"
    world.org_a.save()
    return member


def _staff_with_view_permissions(user):
    user.is_staff = True
    user.save()
    for model in ("member", "producerorganization"):
        user.user_permissions.add(
            Permission.objects.get(
                codename=f"view_{model}",
                content_type=ContentType.objects.get(app_label="alliances", model=model),
            )
        )
    return user


def test_admin_masks_personal_data_for_staff_the_policy_refuses(world, member, client):
    client.force_login(_staff_with_view_permissions(world.appraiser))

    member_page = client.get(reverse("admin:alliances_member_change", args=[member.pk]))
    org_page = client.get(
        reverse("admin:alliances_producerorganization_change", args=[world.org_a.pk])
    )

    assert member_page.status_code == 200
    assert "BJ-1234567890" not in member_page.content.decode()
    assert "•••••••••••90" in member_page.content.decode()
    assert org_page.status_code == 200
    assert "BJ0610100100144" not in org_page.content.decode()
    assert "BJ-1234567890" not in org_page.content.decode()
    assert "•••••••••••••44" in org_page.content.decode()


def test_admin_shows_personal_data_to_those_who_may_see_it(world, member, admin_client, client):
    client.force_login(_staff_with_view_permissions(world.officer))

    for c in (admin_client, client):
        page = c.get(reverse("admin:alliances_member_change", args=[member.pk]))
        assert "BJ-1234567890" in page.content.decode()
        assert "•••" not in page.content.decode()


def test_masked_field_cannot_be_changed_through_the_admin(world, member, client):
    user = _staff_with_view_permissions(world.appraiser)
    user.user_permissions.add(Permission.objects.get(codename="change_member"))
    client.force_login(user)

    response = client.post(
        reverse("admin:alliances_member_change", args=[member.pk]),
        {
            "organization": world.org_a.pk,
            "name": member.name,
            "national_id": "STOLEN",
            "sex": member.sex,
            "birth_year": member.birth_year,
            "land_area_ha": "0",
            "role": member.role,
            "active": "on",
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.national_id == "BJ-1234567890"


def test_export_prints_everything_held_about_a_member(world, member):
    out = StringIO()

    call_command("export_member_data", str(member.pk), stdout=out)

    data = json.loads(out.getvalue())
    assert data["member"]["id"] == member.pk
    assert data["member"]["name"] == member.name
    assert data["member"]["national_id"] == "BJ-1234567890"
    assert data["member"]["birth_year"] == member.birth_year
    assert data["organization"]["name"] == "Coop A"
    assert [(e["action"], e["changes"]) for e in data["audit"]] == [
        ("update", {"national_id": ["", "•••••••••••90"]})
    ]


def test_export_of_an_unknown_member_says_so(db):
    with pytest.raises(CommandError, match="No member with id 999999."):
        call_command("export_member_data", "999999", stdout=StringIO())


@pytest.mark.parametrize(
    ("birth_year", "coarse"),
    [
        (1970, 1972),  # middle of 1970-1974
        (1974, 1972),
        (1990, 1991),  # not youth in 2026 (born 1991 or before): stays not youth
        (1991, 1991),
        (1992, 1992),  # youth: stays youth
        (1994, 1992),
        (2003, 2002),
    ],
)
def test_birth_year_is_coarsened_without_changing_the_youth_count(birth_year, coarse):
    assert coarse_birth_year(birth_year, on=datetime.date(2026, 6, 1)) == coarse


def test_anonymize_removes_what_identifies_the_member(world, member, admin_user):
    old_name = member.name
    youth_before = Member.objects.filter(organization=world.org_a).youth().count()

    call_command("anonymize_member", str(member.pk), "--by", admin_user.username, stdout=StringIO())

    member.refresh_from_db()
    assert member.name == f"Anonymized member {member.pk}"
    assert member.national_id == ""
    assert member.birth_year == coarse_birth_year(member.birth_year)
    assert Member.objects.filter(organization=world.org_a).youth().count() == youth_before
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=member.pk
    ).order_by("pk")
    assert old_name not in str(list(entries.values_list("changes", "object_repr")))
    last = entries.last()
    assert last.additional_data == {"event": "anonymized"}
    assert last.actor == admin_user
    assert last.changes["name"] == ["[removed]", f"Anonymized member {member.pk}"]


def test_anonymize_twice_is_refused(world, member):
    call_command("anonymize_member", str(member.pk), stdout=StringIO())

    with pytest.raises(CommandError, match="already anonymized"):
        call_command("anonymize_member", str(member.pk), stdout=StringIO())
