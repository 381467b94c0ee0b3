"""Two-factor sign-in: who must use it, enrolment, sign-in with and without the code, the
admin, and opting in (producers)."""

import re

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy, two_factor
from accounts.models import Role, User
from tests.factories import ProgramFactory, RegionFactory, UserFactory, member_of

from .helpers import PASSWORD, code_for, enrol, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def mandated(world):
    """The world's programme (regions A and B) requires two-factor sign-in."""
    world.program.two_factor_required = True
    world.program.save(update_fields=["two_factor_required"])
    return world


def _fresh(user):
    # The policy caches its answers on the user object.
    return User.objects.get(pk=user.pk)


# --- who must use it --------------------------------------------------------------------


def test_programme_mandate_applies_to_the_staff_who_work_on_it(mandated):
    w = mandated
    must = {
        name: policy.must_use_two_factor(_fresh(getattr(w, name)))
        for name in (
            "producer",
            "buyer_user",
            "ta",
            "officer",
            "regional_officer",
            "appraiser",
            "committee",
            "finance",
            "me_officer",
            "funder_user",
            "outsider",
        )
    }
    assert must == {
        "producer": False,
        "buyer_user": False,
        "ta": False,
        "officer": True,
        "regional_officer": True,
        "appraiser": True,
        "committee": True,
        "finance": True,
        "me_officer": True,
        "funder_user": False,
        "outsider": False,
    }


def test_regional_staff_follow_only_the_programmes_of_their_regions(world):
    elsewhere = RegionFactory(name="Atacora")
    other = ProgramFactory(two_factor_required=True)
    other.eligible_regions.set([elsewhere])
    northern = member_of(UserFactory(), Role.APPRAISER, regions=[elsewhere])

    assert policy.must_use_two_factor(_fresh(world.regional_officer)) is False  # region B
    assert policy.must_use_two_factor(_fresh(northern)) is True
    assert policy.must_use_two_factor(_fresh(world.officer)) is True  # national: any programme


def test_site_wide_setting_applies_to_every_staff_role_and_admin_users(world, settings):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert policy.must_use_two_factor(_fresh(world.appraiser)) is False

    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True

    assert policy.must_use_two_factor(_fresh(world.appraiser)) is True
    assert policy.must_use_two_factor(_fresh(world.regional_officer)) is True
    assert policy.must_use_two_factor(_fresh(admin_user)) is True
    assert policy.must_use_two_factor(_fresh(world.producer)) is False
    assert policy.must_use_two_factor(_fresh(world.buyer_user)) is False


# --- a staff member of a mandating programme ---------------------------------------------


def test_without_a_device_the_password_leads_to_enrolment_and_nothing_else(mandated, client):
    response = sign_in(client, "officer")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(mandated.officer.pk)
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("two_factor_setup"))
    assert client.get(reverse("plan-list")).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("two_factor_setup")).status_code == 200


def test_enrolment_shows_a_qr_code_and_confirms_with_a_first_code(mandated, client):
    client.force_login(mandated.officer)

    start = client.post(reverse("two_factor_setup"), {"action": "start"})
    assert start.status_code == 302
    page = client.get(reverse("two_factor_setup"))
    content = page.content.decode()
    assert "<svg" in content and 'class="segno"' in content
    device = TOTPDevice.objects.get(user=mandated.officer)
    assert device.confirmed is False
    assert two_factor.secret_for_typing(device) in content

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "This code does not match." in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get(reverse("home")).status_code == 302


def test_enrolment_then_every_page_opens(mandated, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client.force_login(mandated.officer)
    client.post(reverse("two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=mandated.officer)

    done = client.post(reverse("two_factor_setup"), {"code": code_for(device)})

    assert done.status_code == 302
    assert done["Location"] == reverse("two_factor_backup_codes")
    device.refresh_from_db()
    assert device.confirmed is True
    codes = client.get(reverse("two_factor_backup_codes"))
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes.content.decode())
    assert len(shown) == 10
    assert sorted(shown) == sorted(StaticToken.objects.values_list("token", flat=True))
    assert client.get(reverse("home")).status_code == 200


def test_with_a_device_the_password_alone_does_not_sign_in(mandated):
    device = enrol(mandated.officer)
    client = Client()

    response = sign_in(client, "officer")

    assert response.status_code == 302
    assert response["Location"] == reverse("login_verify")
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302  # to the sign-in page
    refused = client.post(reverse("login_verify"), {"code": "123456"})
    assert refused.status_code == 200
    assert "This code is not valid." in refused.content.decode()
    assert signed_in_user_id(client) is None
    assert device.user_id == mandated.officer.pk


def test_with_a_device_a_valid_code_signs_in(mandated, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrol(mandated.officer)
    client = Client()
    sign_in(client, "officer")

    response = client.post(reverse("login_verify"), {"code": code_for(device, steps_ahead=1)})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(mandated.officer.pk)
    assert client.get(reverse("home")).status_code == 200


def test_a_backup_code_signs_in_once(mandated):
    enrol(mandated.officer)
    code = two_factor.backup_codes(mandated.officer)[0]
    first = Client()
    sign_in(first, "officer")

    assert first.post(reverse("login_verify"), {"code": code.upper()}).status_code == 302
    assert signed_in_user_id(first) == str(mandated.officer.pk)
    assert len(two_factor.backup_codes(mandated.officer)) == 9

    second = Client()
    sign_in(second, "officer")
    assert second.post(reverse("login_verify"), {"code": code}).status_code == 200
    assert signed_in_user_id(second) is None


def test_code_page_without_a_password_first_goes_back_to_sign_in(db, client):
    response = client.get(reverse("login_verify"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_admin_needs_a_session_signed_in_with_a_code(world, admin_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrol(admin_user)
    site = admin.site
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.otp_device = None
    admin_user.is_verified = lambda: admin_user.otp_device is not None

    assert site.has_permission(request) is False
    admin_user.otp_device = device
    assert site.has_permission(request) is True

    client = Client()
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("login"))
    sign_in(client, admin_user.username, "password")
    client.post(reverse("login_verify"), {"code": code_for(device, steps_ahead=1)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_page_sends_people_to_the_platform_sign_in(db, client):
    response = client.get(reverse("admin:login"), {"next": "/admin/funding/payment/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/funding/payment/"


# --- opting in ----------------------------------------------------------------------------


def test_producer_may_opt_in_and_then_needs_the_code(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    assert policy.must_use_two_factor(_fresh(world.producer)) is False
    client = Client()
    sign_in(client, "producer")
    assert client.get(reverse("home")).status_code == 200
    assert "Two-factor sign-in is off." in client.get(reverse("two_factor")).content.decode()
    client.post(reverse("two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=world.producer)
    client.post(reverse("two_factor_setup"), {"code": code_for(device)})

    later = Client()
    assert sign_in(later, "producer")["Location"] == reverse("login_verify")
    assert signed_in_user_id(later) is None
    later.post(reverse("login_verify"), {"code": code_for(device, steps_ahead=1)})
    assert signed_in_user_id(later) == str(world.producer.pk)


def test_producer_may_turn_it_off_but_mandated_staff_may_not(mandated, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    for user, stays_on in ((mandated.producer, False), (mandated.officer, True)):
        device = enrol(user)
        client = Client()
        sign_in(client, user.username)
        client.post(reverse("login_verify"), {"code": code_for(device, steps_ahead=1)})

        client.post(reverse("two_factor_turn_off"))

        assert two_factor.has_two_factor(user) is stays_on, user.username


def test_signing_in_without_two_factor_is_unchanged(world, client):
    response = sign_in(client, "producer")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(world.producer.pk)


def test_wrong_password_is_refused_with_the_usual_message(world, client):
    response = sign_in(client, "producer", "not the password")

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert signed_in_user_id(client) is None


def test_pending_password_step_does_not_count_as_signed_in(mandated, client):
    enrol(mandated.officer)
    sign_in(client, "officer", PASSWORD)

    assert client.get(reverse("two_factor")).status_code == 302
