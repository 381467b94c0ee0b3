"""The cache fails open (core/cache.py): with Redis unreachable, pages and the API still
answer, throttles let requests through, and the outage is logged, not shown."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core import cache as fail_open
from plans.models import PlanStatus

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens there
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def redis_down(caplog):
    fail_open.FailOpenRedisCache._last_warning = 0.0
    caplog.set_level(logging.WARNING, logger="core.cache")
    with override_settings(CACHES=UNREACHABLE_REDIS):
        yield caplog


def test_reads_miss_and_writes_are_skipped(redis_down):
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.add("first-time", 1, 60) is True
    cache.set("k", 1)
    assert cache.get_many(["a", "b"]) == {}
    assert "cache unreachable" in redis_down.text


def test_pages_and_the_api_answer_while_the_cache_is_down(world, client, redis_down):
    plan = world.build(PlanStatus.SUBMITTED)
    assert client.get(reverse("login")).status_code == 200

    client.force_login(world.officer)
    assert client.get(reverse("plan-detail", args=[plan.pk])).status_code == 200

    token = Token.objects.create(user=world.officer)
    api = client.get("/api/v1/plans/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 200  # the throttle could not count: it let the call through
    assert client.get("/api/v1/plans/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    assert "cache unreachable" in redis_down.text


def test_production_settings_use_the_fail_open_cache_for_redis():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**os.environ, "CACHE_URL": "redis://redis:6379/1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "core.cache.FailOpenRedisCache"
