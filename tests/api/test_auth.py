"""Signing in to the API: tokens (created and revoked by their user), browser sessions,
two-factor users, throttling per user and per address, and the shape of every error."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import two_factor
from core.api import exception_handler

from .support import error

TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


def test_a_user_creates_uses_and_revokes_their_token(world):
    client = APIClient()
    response = client.post(TOKEN, {"username": "producer", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=world.producer).key == key
    # Asking again gives the same token until it is revoked.
    again = client.post(TOKEN, {"username": "producer", "password": PASSWORD}, format="json")
    assert again.json() == {"token": key}

    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/v1/me/").json()
    assert (me["username"], me["roles"]) == ("producer", ["producer"])
    assert client.delete(TOKEN).status_code == 204
    assert not Token.objects.filter(user=world.producer).exists()
    assert client.get("/api/v1/me/").status_code == 401

    client.credentials()
    fresh = client.post(TOKEN, {"username": "producer", "password": PASSWORD}, format="json")
    assert fresh.json()["token"] != key


def test_a_user_revokes_only_their_own_token(api, world):
    api(world.producer_b)  # gives producer_b a token
    assert api(world.producer).delete(TOKEN).status_code == 204
    assert Token.objects.filter(user=world.producer_b).exists()
    assert not Token.objects.filter(user=world.producer).exists()


def test_wrong_password_or_missing_fields_are_400_and_give_no_token(world):
    client = APIClient()
    response = client.post(TOKEN, {"username": "producer", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    response = client.post(TOKEN, {}, format="json")
    assert error(response)["fields"] == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token_and_their_token_stops_working(api, world):
    client = api(world.producer)
    world.producer.is_active = False
    world.producer.save(update_fields=["is_active"])
    assert client.get("/api/v1/plans/").status_code == 401
    response = APIClient().post(
        TOKEN, {"username": "producer", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_revoking_needs_a_signed_in_user(db):
    response = APIClient().delete(TOKEN)
    assert response.status_code == 401


def test_browser_session_works_and_its_writes_need_the_csrf_token(world):
    plan = world.build()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.producer)
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    response = client.post(f"/api/v1/plans/{plan.pk}/withdraw/", {}, format="json")
    assert response.status_code == 403
    assert error(response)["detail"].startswith("CSRF Failed")
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_a_two_factor_user_needs_a_code_for_a_token(world):
    TOTPDevice.objects.create(user=world.officer, name="app", confirmed=True)
    codes = two_factor.replace_backup_codes(world.officer)
    client = APIClient()
    body = {"username": "officer", "password": PASSWORD}
    response = client.post(TOKEN, body, format="json")
    assert error(response)["fields"] == {"code": ["Give the code from your authenticator app."]}
    assert not Token.objects.exists()
    response = client.post(TOKEN, {**body, "code": codes[0]}, format="json")
    assert response.status_code == 200
    assert Token.objects.filter(user=world.officer).exists()
    # A backup code works once.
    Token.objects.all().delete()
    response = client.post(TOKEN, {**body, "code": codes[0]}, format="json")
    assert error(response)["fields"] == {"code": ["This code is not valid."]}
    assert not Token.objects.exists()


def test_staff_who_must_use_two_factor_set_it_up_before_getting_a_token(world, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_STAFF = True
    response = APIClient().post(TOKEN, {"username": "officer", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert error(response)["detail"] == (
        "Your role requires two-factor sign-in: set up your authenticator app in the web "
        "application before asking for an API token."
    )
    assert not Token.objects.exists()


# --- throttling ------------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "3/minute", "user": "3/minute", "auth": "2/minute"},
    )


def test_requests_are_throttled_per_user(api, world, low_rates):
    producer, other = api(world.producer), api(world.producer_b)
    assert [producer.get("/api/v1/plans/").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = producer.get("/api/v1/plans/")
    assert error(response)["detail"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0
    assert other.get("/api/v1/plans/").status_code == 200


def test_token_requests_are_throttled_per_address(world, low_rates):
    body = {"username": "producer", "password": PASSWORD}
    here, there = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    codes = [here.post(TOKEN, body, format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # A forged X-Forwarded-For does not make a new address.
    forged = here.post(TOKEN, body, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429
    assert there.post(TOKEN, body, format="json").status_code == 200


# --- the error handler -------------------------------------------------------------------


def test_constraint_and_model_validation_errors_become_400():
    response = exception_handler(IntegrityError("duplicate key"), {})
    assert response.status_code == 400
    assert response.data == {
        "detail": "Some of the data sent is not valid.",
        "reasons": ["The request breaks a rule of the data on record."],
        "fields": {"non_field_errors": ["The request breaks a rule of the data on record."]},
    }
    response = exception_handler(DjangoValidationError({"year": ["Taken."]}), {})
    assert (response.status_code, response.data["fields"]) == (400, {"year": ["Taken."]})


def test_method_not_allowed_has_the_error_shape(api, world):
    response = api(world.officer).delete("/api/v1/plans/")
    assert response.status_code == 405
    assert error(response) == {
        "detail": 'Method "DELETE" not allowed.',
        "reasons": ['Method "DELETE" not allowed.'],
        "fields": {},
    }


def test_errors_speak_the_language_of_the_request(db):
    response = APIClient().get("/api/v1/plans/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    assert error(response)["detail"] == "Informations d'authentification non fournies."
