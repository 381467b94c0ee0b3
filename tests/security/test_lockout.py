"""Lockout after repeated sign-in failures (per account and address, and per account
from anywhere; never per address alone), its message, and the administrator's unlock."""

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


def test_a_lockout_on_one_address_leaves_the_owner_signing_in_elsewhere(world):
    _fail(Client(), "producer", 5, REMOTE_ADDR="10.0.0.1")

    attacker = Client()
    owner = Client()
    assert sign_in(attacker, "producer", PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert sign_in(owner, "producer", PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
    assert signed_in_user_id(attacker) is None
    assert signed_in_user_id(owner) == str(world.producer.pk)


def test_guessing_spread_over_many_addresses_locks_the_account_everywhere(world, settings):
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 20
    statuses = []
    for machine in range(5):
        statuses += _fail(Client(), "producer", 4, REMOTE_ADDR=f"10.0.1.{machine}")

    assert statuses[:19] == [200] * 19  # no single address reached its limit
    assert statuses[19] == 429  # the twentieth failure on the account
    owner = Client()
    response = sign_in(owner, "producer", PASSWORD, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert signed_in_user_id(owner) is None


def test_an_office_behind_one_address_is_never_locked_as_a_whole(world):
    # Colleagues behind one NAT address mistype their passwords: each account counts its
    # own failures, the shared address none.
    office = "10.0.0.9"
    for username in ("producer", "buyer", "officer", "finance", "nobody"):
        _fail(Client(), username, 2, REMOTE_ADDR=office)

    colleague = Client()
    assert sign_in(colleague, "funder", PASSWORD, REMOTE_ADDR=office).status_code == 302
    assert signed_in_user_id(colleague) is not None
    assert sign_in(Client(), "producer", PASSWORD, REMOTE_ADDR=office).status_code == 302


def test_wrong_authentication_codes_count_as_failures(world, client):
    enrol(world.officer)
    sign_in(client, "officer", PASSWORD)
    statuses = [
        client.post(reverse("login_verify"), {"code": "000000"}).status_code for _ in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert signed_in_user_id(client) is None
    assert sign_in(Client(), "officer", PASSWORD).status_code == 429  # same address


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
