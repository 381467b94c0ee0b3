"""`/healthz/` and `manage.py healthcheck`: what a load balancer and the compose
healthchecks ask. Healthy when every part answers; 500 naming the part that does not."""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from config.celery import app
from core import health

pytestmark = pytest.mark.django_db


def get_healthz(client, **headers):
    """GET /healthz/ from a thread of its own, as a server thread would serve it: the view
    is asynchronous, and the browser tests leave an event loop in this thread when they
    ran first in the same process."""

    def get():
        try:
            return client.get("/healthz/?format=json", **headers)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(get).result()


def ask(client, **headers):
    response = get_healthz(client, **headers)
    return response.status_code, response.json()


def _reset_broker_pools():
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Tasks through a real broker (Redis on 127.0.0.1), as in production."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    yield app.conf
    app.conf.broker_url = previous
    _reset_broker_pools()


def test_healthy_when_database_cache_storage_and_broker_answer(client, broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    app.conf.broker_url = "redis://127.0.0.1:6379/0"
    _reset_broker_pools()

    status, parts = ask(client)

    assert status == 200
    assert parts == {
        "Database(alias='default')": "OK",
        "Cache(alias='default')": "OK",
        "Storage(alias='default')": "OK",
        "Broker": "OK",
    }
    assert list(tmp_path.rglob("*.txt")) == []  # its test file is removed again


def test_the_embedded_default_has_no_broker_to_check(client, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    status, parts = ask(client)
    assert status == 200
    assert "Broker" not in parts


def test_a_broker_that_is_down_is_named(client, broker):
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    _reset_broker_pools()

    started = time.monotonic()
    status, parts = ask(client)

    assert status == 500
    assert parts["Broker"] == "Unavailable: The task queue (Celery broker) is unreachable"
    assert parts["Database(alias='default')"] == "OK"
    assert time.monotonic() - started < 5  # a probe never hangs
    assert "6379" not in str(parts) and "127.0.0.1" not in str(parts)  # no addresses


def test_media_storage_that_cannot_be_written_is_named(client, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked

    status, parts = ask(client)

    assert status == 500
    assert parts["Storage(alias='default')"] != "OK"
    assert str(tmp_path) not in str(parts)


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert get_healthz(client).status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_the_web_healthcheck_asks_the_running_server(live_server, capsys):
    port = live_server.url.rsplit(":", 1)[1]
    call_command("healthcheck", "web", "--port", port)
    assert capsys.readouterr().out.startswith("web: Database(alias='default') OK")


def test_the_web_healthcheck_fails_without_a_server():
    with pytest.raises(CommandError, match="no answer from 127.0.0.1:9"):
        call_command("healthcheck", "web", "--port", "9")


def test_the_beat_healthcheck_follows_the_schedulers_ticks(settings, tmp_path, capsys):
    settings.BEAT_HEARTBEAT_FILE = tmp_path / "beat-alive"
    with pytest.raises(CommandError, match="beat has not ticked for 180 seconds"):
        call_command("healthcheck", "beat")

    scheduler = health.Scheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    scheduler.tick()
    call_command("healthcheck", "beat")
    assert capsys.readouterr().out == "beat: OK\n"

    old = time.time() - 181
    os.utime(settings.BEAT_HEARTBEAT_FILE, (old, old))
    with pytest.raises(CommandError):
        call_command("healthcheck", "beat")
    assert settings.CELERY_BEAT_SCHEDULER == "core.health.Scheduler"
