"""Lockout after repeated sign-in failures (per account and per address), its message,
and the administrator's unlock."""

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.lockout import lockout_response
from tests.factories import UserFactory

from .helpers import PASSWORD, enrol, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db

LOCKED = (
    "Too many failed sign-in attempts: signing in is blocked for 15 minutes. Try again "
    "later, or ask an administrator to unlock your account."
)
WRONG = "Please enter a correct username and password."


def _fail(client, username, times, **extra):
    return [sign_in(client, username, "wrong password", **extra).status_code for _ in range(times)]


def test_five_failures_lock_the_account_with_a_clear_message(world, client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5

    statuses = _fail(client, "producer", 4)
    fifth = sign_in(client, "producer", "wrong password")

    assert statuses == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    right = sign_in(client, "producer", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert signed_in_user_id(client) is None


def test_four_failures_do_not_lock(world, client):
    _fail(client, "producer", 4)

    response = sign_in(client, "producer", PASSWORD)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(world.producer.pk)


def test_the_account_stays_locked_from_another_address(world):
    _fail(Client(), "producer", 5, REMOTE_ADDR="10.0.0.1")

    other = Client()
    response = sign_in(other, "producer", PASSWORD, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 429
    assert signed_in_user_id(other) is None


def test_failures_on_many_accounts_lock_the_address(world):
    attacker = Client()
    for username in ("producer", "buyer", "officer", "finance", "nobody"):
        _fail(attacker, username, 1, REMOTE_ADDR="10.0.0.9")

    assert sign_in(attacker, "funder", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 429
    colleague = Client()
    assert sign_in(colleague, "funder", PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_wrong_authentication_codes_count_as_failures(world, client):
    enrol(world.officer)
    sign_in(client, "officer", PASSWORD)
    statuses = [
        client.post(reverse("login_verify"), {"code": "000000"}).status_code for _ in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert signed_in_user_id(client) is None
    assert sign_in(Client(), "officer", PASSWORD).status_code == 429


def test_administrator_unlocks_by_deleting_the_attempt(world, admin_client):
    _fail(Client(), "producer", 5)
    attempt = AccessAttempt.objects.get(username="producer")

    response = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="producer").exists()
    client = Client()
    assert sign_in(client, "producer", PASSWORD).status_code == 302
    assert signed_in_user_id(client) == str(world.producer.pk)


def test_lockout_window_and_limit_come_from_the_settings(world, client, settings):
    settings.AXES_FAILURE_LIMIT = 2

    assert _fail(client, "producer", 2) == [200, 429]


def test_authenticate_without_a_request_still_checks_the_password(db):
    # The platform's own code (a shell, the demo tests) may call authenticate() bare.
    user = UserFactory(username="bare")

    assert authenticate(username="bare", password=PASSWORD) == user
    assert authenticate(username="bare", password="wrong") is None


def test_api_clients_get_the_lockout_as_json(db):
    request = RequestFactory().post("/api/v1/auth/token/")

    response = lockout_response(request)

    assert response.status_code == 429
    assert json.loads(response.content) == {"detail": LOCKED, "reasons": [LOCKED], "fields": {}}
