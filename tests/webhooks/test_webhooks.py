"""Webhooks through a real local HTTP receiver: registration and its refusals, the
signature, a retry after a failure, the delivery log, the ping, and no event outside the
registrant's read scope (DESIGN §10)."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from plans import services
from plans.models import PlanStatus
from webhooks import services as webhooks
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db

SECRET = "s3cret-shared-with-the-erp"


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it receives and answers with the
    status codes it is given, in turn (then 200)."""

    def __init__(self):
        self.received = []
        self.answers = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        # Polled every 20 ms for `shutdown()`, not every 500 ms: each test's receiver stops
        # at once.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def events(self):
        return [json.loads(body)["event"] for _headers, body in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on loopback
    r = Receiver()
    yield r
    r.close()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def register(user, url, events, **extra):
    return api(user).post(
        "/api/v1/webhooks/", {"url": url, "events": events, "secret": SECRET, **extra}
    )


def test_an_approval_is_posted_signed_with_the_plans_api_representation(
    world, receiver, django_capture_on_commit_callbacks
):
    response = register(world.officer, receiver.url, ["plan.approved"])
    assert response.status_code == 201, response.json()
    assert "secret" not in response.json()
    plan = world.build(PlanStatus.COMMITTEE)

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_approve(plan=plan, by=world.committee, approved_grant="14000000")

    assert receiver.events() == ["plan.approved"]
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected
    assert headers["X-Event"] == "plan.approved"
    event = json.loads(body)
    assert event["object"]["id"] == plan.pk
    assert event["object"]["status"] == "approved"
    assert event["alliance"]["code"] == plan.alliance.code
    assert (event["from_state"], event["to_state"]) == ("committee", "approved")
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        1,
        200,
    )


def test_a_failed_delivery_is_retried_and_logged(
    world, receiver, django_capture_on_commit_callbacks
):
    register(world.officer, receiver.url, ["*"])
    receiver.answers = [503]
    plan = world.build(PlanStatus.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_start_screening(plan=plan, by=world.officer)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert delivery.last_error == "HTTP 503"
    assert 25 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 31
    # The retry is due (the sweep, or the retry message when its countdown ends).
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.deliveries_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        2,
        200,
    )
    assert receiver.events() == ["plan.screening", "plan.screening"]
    log = api(world.officer).get(f"/api/v1/webhooks/{delivery.webhook_id}/deliveries/").json()
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [
        ("plan.screening", "delivered", 2)
    ]


def test_a_delivery_fails_for_good_after_the_last_attempt(world, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    register(world.officer, receiver.url, ["*"])
    webhook = Webhook.objects.get()
    receiver.answers = [500, 500]
    delivery = Delivery.objects.create(webhook=webhook, event="ping", payload={"event": "ping"})

    assert webhooks.delivery_attempt(delivery.pk) == "retry"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert webhooks.delivery_attempt(delivery.pk) == "skipped"


def test_no_event_outside_the_registrants_read_scope(
    world, receiver, django_capture_on_commit_callbacks
):
    # The regional officer works in Zou (organization B) only; the plan is of Alibori.
    assert register(world.regional_officer, receiver.url, ["*"]).status_code == 201
    plan = world.build(PlanStatus.SUBMITTED)  # organization A

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_start_screening(plan=plan, by=world.officer)

    assert receiver.received == []
    assert not Delivery.objects.exists()
    plan_b = world.build(PlanStatus.SUBMITTED, org=world.org_b)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_start_screening(plan=plan_b, by=world.officer)
    assert receiver.events() == ["plan.screening"]


def test_only_the_events_asked_for(world, receiver, django_capture_on_commit_callbacks):
    register(world.officer, receiver.url, ["plan.approved"])
    plan = world.build(PlanStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_start_screening(plan=plan, by=world.officer)
    assert receiver.received == []


def test_ping_sends_a_test_event(world, receiver, django_capture_on_commit_callbacks):
    webhook_id = register(world.officer, receiver.url, ["plan.approved"]).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.officer).post(f"/api/v1/webhooks/{webhook_id}/ping/")

    assert response.status_code == 202
    assert receiver.events() == ["ping"]
    assert Delivery.objects.get().status == "delivered"


def test_registration_is_for_officers_and_administrators(world, receiver):
    for user in (world.producer, world.buyer_user, world.finance, world.funder_user):
        response = register(user, receiver.url, ["*"])
        assert response.status_code == 403, user
    assert not Webhook.objects.exists()


def test_bad_registrations_get_field_messages_and_change_nothing(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    settings.DEBUG = False
    cases = {
        "url": {"url": "http://127.0.0.1:8000/admin/", "events": ["*"]},
        "events": {"url": "https://example.org/hook", "events": ["plan.exploded"]},
    }
    for field, body in cases.items():
        response = api(world.officer).post("/api/v1/webhooks/", {**body, "secret": SECRET})
        assert response.status_code == 400, body
        assert field in response.json()["fields"], response.json()
    short = api(world.officer).post(
        "/api/v1/webhooks/", {"url": "https://example.org/h", "events": ["*"], "secret": "short"}
    )
    assert short.status_code == 400 and "secret" in short.json()["fields"]
    private = api(world.officer).post(
        "/api/v1/webhooks/",
        {"url": "http://10.1.2.3/hook", "events": ["*"], "secret": SECRET},
    )
    assert private.json()["fields"]["url"] == [
        "This address leads into a private network; webhooks go to public addresses."
    ]
    assert not Webhook.objects.exists()


def test_a_registrant_sees_only_their_own_webhooks(world, receiver):
    mine = register(world.officer, receiver.url, ["*"]).json()["id"]
    other = api(world.regional_officer)
    assert other.get("/api/v1/webhooks/").json()["results"] == []
    assert other.get(f"/api/v1/webhooks/{mine}/").status_code == 404
    assert other.post(f"/api/v1/webhooks/{mine}/ping/").status_code == 404
    assert other.delete(f"/api/v1/webhooks/{mine}/").status_code == 404
    assert api(world.officer).delete(f"/api/v1/webhooks/{mine}/").status_code == 204


def test_the_events_are_listed_from_the_step_tables(world):
    names = api(world.officer).get("/api/v1/webhooks/events/").json()["events"]
    for name in ("plan.approved", "tranche.authorized", "payment.recorded",
                 "monitoring_report.accepted", "ping"):  # fmt: skip
        assert name in names
    assert "tranche.paid" not in names  # DESIGN names it payment.recorded
