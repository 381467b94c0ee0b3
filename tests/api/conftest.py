"""Fixtures of the API tests: clients signed in with a persona's token."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counts live in the default cache: each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(db):
    """`api(user)`: a client that sends the user's API token (anonymous without a user).

    A token, not `force_authenticate`: each request then loads the user afresh, as a real
    client's does, so query counts and cached policy scopes are those of production."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
