"""API tokens: they expire, a password change or deactivation revokes them, they cannot
go around two-factor sign-in, and the token endpoint shares the sign-in lockout."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from freezegun import freeze_time
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiTokenGrant, User
from accounts.two_factor import RECHECK_SECONDS
from tests.api.support import error

from .helpers import PASSWORD, code_for, enrol, sign_in

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
NEW_PASSWORD = "a brand new passphrase 42"
EXPIRED = "Your token has expired; ask for a new one."
PASSWORD_CHANGED = "Your token was revoked because your password changed; ask for a new one."
NEEDS_CODE = (
    "Your role requires two-factor sign-in: ask for a new token, giving your authentication code."
)
SET_UP_FIRST = (
    "Your role requires two-factor sign-in: set up your authenticator app in the web "
    "application before asking for an API token."
)
LOCKED = (
    "Too many failed sign-in attempts: signing in is blocked for 15 minutes. Try again "
    "later, or ask an administrator to unlock your account."
)
START = datetime.datetime(2030, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    # Throttle counts and remembered two-factor requirements live in the default cache.
    cache.clear()
    # DRF's throttles keep `time.time` as a class attribute, which freezegun replaces
    # with a plain function (then called with `self`); ask the time module at each call.
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: time.time()))
    yield
    cache.clear()


def ask(username="producer", password=PASSWORD, client=None, **body):
    client = client or APIClient()
    return client.post(TOKEN, {"username": username, "password": password, **body}, format="json")


def token_of(username="producer", **body) -> str:
    response = ask(username, **body)
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def signed(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_authenticates_with_the_expiring_token_class(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][0] == (
        "accounts.api_tokens.ExpiringTokenAuthentication"
    )
    assert settings.API_TOKEN_TTL_DAYS == 30


# --- expiry ------------------------------------------------------------------------------


def test_a_token_expires_after_the_ttl_and_a_new_one_is_given(world):
    with freeze_time(START) as clock:
        key = token_of()
        clock.tick(datetime.timedelta(days=30) - datetime.timedelta(seconds=1))
        assert signed(key).get(ME).status_code == 200
        assert token_of() == key  # still the same token

        clock.tick(datetime.timedelta(seconds=1))
        response = signed(key).get(ME)

        assert response.status_code == 401
        assert error(response)["detail"] == EXPIRED
        assert response["WWW-Authenticate"] == "Token"
        assert not Token.objects.filter(key=key).exists()
        fresh = token_of()
        assert fresh != key
        assert Token.objects.get(user=world.producer).created == START + datetime.timedelta(days=30)
        assert signed(fresh).get(ME).status_code == 200


def test_the_ttl_comes_from_the_setting(world, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    with freeze_time(START) as clock:
        key = token_of()
        clock.tick(datetime.timedelta(days=7))

        assert signed(key).get(ME).status_code == 401
        assert not Token.objects.exists()


def test_an_expired_token_sent_while_asking_for_a_new_one_does_not_get_in_the_way(world):
    with freeze_time(START) as clock:
        key = token_of()
        clock.tick(datetime.timedelta(days=31))

        fresh = token_of(client=signed(key))

        assert fresh != key
        assert Token.objects.get().key == fresh


def test_an_expired_token_cannot_revoke(world):
    with freeze_time(START) as clock:
        key = token_of()
        clock.tick(datetime.timedelta(days=31))

        response = signed(key).delete(TOKEN)

        assert response.status_code == 401
        assert error(response)["detail"] == EXPIRED


# --- revocation --------------------------------------------------------------------------


def _refused_as_password_changed(key):
    response = signed(key).get(ME)
    assert response.status_code == 401
    assert error(response)["detail"] == PASSWORD_CHANGED
    assert not Token.objects.filter(key=key).exists()


def test_changing_the_password_on_the_password_page_revokes_the_token(world):
    key = token_of()
    client = Client()
    client.force_login(world.producer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    _refused_as_password_changed(key)
    assert ask(password=PASSWORD).status_code == 400
    assert signed(token_of(password=NEW_PASSWORD)).get(ME).status_code == 200


def test_a_password_reset_revokes_the_token(world):
    key = token_of()
    uid = urlsafe_base64_encode(force_bytes(world.producer.pk))
    link = default_token_generator.make_token(world.producer)
    client = Client()
    form = client.get(reverse("password_reset_confirm", args=[uid, link]), follow=True)
    assert form.status_code == 200

    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    _refused_as_password_changed(key)


def test_set_password_and_save_revokes_the_token(world):
    key = token_of()
    user = User.objects.get(pk=world.producer.pk)
    user.set_password(NEW_PASSWORD)
    user.save()

    _refused_as_password_changed(key)


def test_setting_the_same_password_again_still_revokes_the_token(world):
    key = token_of()
    user = User.objects.get(pk=world.producer.pk)
    user.set_password(PASSWORD)  # a new salt, so a new hash
    user.save(update_fields=["password"])

    _refused_as_password_changed(key)


def test_a_password_written_without_save_still_revokes_the_token(world):
    key = token_of()

    User.objects.filter(pk=world.producer.pk).update(password=make_password(NEW_PASSWORD))

    _refused_as_password_changed(key)


def test_saving_other_fields_keeps_the_token(world):
    key = token_of()
    user = User.objects.get(pk=world.producer.pk)
    user.first_name = "Ama"
    user.save()

    assert signed(key).get(ME).status_code == 200


def test_deactivating_the_user_deletes_the_token_for_good(world):
    key = token_of()
    user = User.objects.get(pk=world.producer.pk)
    user.is_active = False
    user.save()

    assert not Token.objects.filter(key=key).exists()
    assert signed(key).get(ME).status_code == 401
    user.is_active = True
    user.save()
    response = signed(key).get(ME)
    assert response.status_code == 401
    assert error(response)["detail"] == "Invalid token."


def test_a_user_deactivated_without_save_is_refused_and_the_token_deleted(world):
    key = token_of()

    User.objects.filter(pk=world.producer.pk).update(is_active=False)
    response = signed(key).get(ME)

    assert response.status_code == 401
    assert error(response)["detail"] == "User inactive or deleted."
    assert not Token.objects.filter(key=key).exists()


def test_a_token_without_a_grant_is_refused(world):
    # Made without save() (bulk_create): no record of the password it was issued for.
    (token,) = Token.objects.bulk_create([Token(key="k" * 40, user=world.producer)])

    _refused_as_password_changed(token.key)


def test_a_token_made_by_save_gets_a_grant_without_a_second_factor(world):
    token = Token.objects.create(user=world.producer)

    grant = ApiTokenGrant.objects.get(token=token)
    assert grant.second_factor is False
    assert signed(token.key).get(ME).status_code == 200


# --- two-factor sign-in ------------------------------------------------------------------


@pytest.fixture
def mandated(world):
    world.program.two_factor_required = True
    world.program.save(update_fields=["two_factor_required"])
    return world


def test_mandated_staff_without_an_authenticator_get_a_clear_403(mandated):
    response = ask("officer")

    assert response.status_code == 403
    assert error(response)["detail"] == SET_UP_FIRST
    assert not Token.objects.exists()


def test_mandated_staff_need_a_valid_code(mandated, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrol(mandated.officer)

    assert error(ask("officer"))["fields"] == {
        "code": ["Give the code from your authenticator app."]
    }
    assert error(ask("officer", code="000000"))["fields"] == {"code": ["This code is not valid."]}
    assert not Token.objects.exists()
    key = token_of("officer", code=code_for(device, steps_ahead=1))
    assert ApiTokenGrant.objects.get(token_id=key).second_factor is True
    assert signed(key).get("/api/v1/plans/").status_code == 200


def test_a_token_issued_without_a_code_is_refused_to_mandated_staff(world):
    # Issued before the programme required two-factor sign-in.
    key = token_of("officer")
    world.program.two_factor_required = True
    world.program.save(update_fields=["two_factor_required"])

    response = signed(key).get("/api/v1/plans/")

    assert response.status_code == 403
    assert error(response)["detail"] == NEEDS_CODE
    assert Token.objects.filter(key=key).exists()  # refused, not revoked


def test_a_token_stops_working_once_two_factor_becomes_required(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    with freeze_time(START) as clock:
        key = token_of("officer")
        assert signed(key).get(ME).status_code == 200
        settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True

        # The requirement is looked up again as often as for a browser session.
        clock.tick(datetime.timedelta(seconds=RECHECK_SECONDS))
        response = signed(key).get(ME)

        assert response.status_code == 403
        assert error(response)["detail"] == NEEDS_CODE
        # The user sets it up, then asks again with a code: a new token, which works.
        device = enrol(world.officer)
        assert ask("officer").status_code == 400
        fresh = token_of("officer", client=signed(key), code=code_for(device, steps_ahead=1))
        assert fresh != key
        assert not Token.objects.filter(key=key).exists()
        assert signed(fresh).get(ME).status_code == 200


def test_producers_tokens_need_no_code(world, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True

    assert signed(token_of("producer")).get(ME).status_code == 200


# --- lockout -----------------------------------------------------------------------------


def _locked(response):
    assert response.status_code == 429
    assert error(response)["detail"] == LOCKED
    assert response["Retry-After"] == "900"


def test_wrong_passwords_lock_the_token_endpoint_until_the_window_passes(world):
    with freeze_time(START) as clock:
        statuses = [ask(password="wrong password").status_code for _ in range(4)]
        fifth = ask(password="wrong password")
        right = ask()

        assert statuses == [400, 400, 400, 400]
        _locked(fifth)
        _locked(right)
        assert not Token.objects.exists()
        assert AccessAttempt.objects.get(username="producer").path_info == TOKEN

        clock.tick(datetime.timedelta(minutes=15, seconds=1))
        assert signed(token_of()).get(ME).status_code == 200


def test_wrong_codes_count_toward_the_lockout(mandated, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrol(mandated.officer)

    statuses = [ask("officer", code="000000").status_code for _ in range(4)]
    fifth = ask("officer", code="000000")
    right = ask("officer", code=code_for(device, steps_ahead=1))

    assert statuses == [400, 400, 400, 400]
    _locked(fifth)
    _locked(right)
    assert not Token.objects.exists()


def test_the_sign_in_page_and_the_token_endpoint_share_the_lockout(world):
    for _ in range(5):
        sign_in(Client(), "producer", "wrong password", REMOTE_ADDR="10.0.0.1")

    _locked(ask(client=APIClient(REMOTE_ADDR="10.0.0.1")))


def test_the_token_endpoint_locks_the_sign_in_page_too(world):
    for _ in range(5):
        ask(password="wrong password", client=APIClient(REMOTE_ADDR="10.0.0.1"))

    page = sign_in(Client(), "producer", PASSWORD, REMOTE_ADDR="10.0.0.1")

    assert page.status_code == 429
    assert page["Retry-After"] == "900"
