"""Effects after commit (core/outbox.py): a step commits even when the broker is down, and
its notifications follow once the broker is back, never lost, never run twice."""

from __future__ import annotations

import datetime

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.db import transaction
from django.urls import reverse
from freezegun import freeze_time

from accounts.models import Notification
from config.celery import app
from core import outbox
from core.log_context import request_id_var
from core.models import OutboxMessage
from plans.models import PlanStatus

pytestmark = pytest.mark.django_db


def _reset_broker_pools() -> None:
    app._pool = None
    amqp = app.__dict__.get("amqp")  # a cached property: absent until first used
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Tasks go to a broker nobody listens on (the real Redis client, a closed port)."""
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    _reset_broker_pools()
    yield
    app.conf.task_always_eager, app.conf.broker_url = previous
    _reset_broker_pools()


def test_a_step_commits_while_the_broker_is_down_and_its_notices_follow_later(
    world, client, broker_down, django_capture_on_commit_callbacks
):
    plan = world.build(PlanStatus.DRAFT)
    client.force_login(world.producer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("plan-action", args=[plan.pk, "submit"]), {}, HTTP_X_REQUEST_ID="submit-42"
        )

    assert response.status_code == 302  # the producer's action succeeded
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    pending = OutboxMessage.objects.filter(sent_at=None, task="accounts.tasks.notify_transition")
    assert pending.count() == 1
    assert pending.get().attempts == 1 and "127.0.0.1:1" in pending.get().last_error
    assert pending.get().request_id == "submit-42"
    # The officer is told in the app at once, with the step; the e-mail waits.
    assert Notification.objects.filter(recipient=world.officer).count() == 1
    assert Notification.objects.get(recipient=world.officer).emailed_at is None

    # The broker is back (tasks run here, as in the embedded default); the sweep runs.
    app.conf.task_always_eager = True
    later = datetime.datetime.now() + datetime.timedelta(minutes=2)
    seen = []

    def record_ids(task, **_signal):
        seen.append((task.name, request_id_var.get()))

    task_prerun.connect(record_ids, weak=False)
    try:
        with freeze_time(later), django_capture_on_commit_callbacks(execute=True):
            assert outbox.deliver_pending() >= 1
    finally:
        task_prerun.disconnect(record_ids)
    # The notices' task logs with the id of the request that took the step, minutes later.
    assert ("accounts.tasks.notify_transition", "submit-42") in seen
    assert request_id_var.get() is None
    assert Notification.objects.filter(recipient=world.officer).count() == 1
    assert not OutboxMessage.objects.filter(sent_at=None, task__startswith="accounts.").exists()
    if world.officer.email and world.officer.email_notifications:
        assert Notification.objects.get(recipient=world.officer).emailed_at is not None

    # A second sweep sends nothing twice.
    with freeze_time(datetime.datetime.now() + datetime.timedelta(minutes=4)):
        assert outbox.deliver_pending() == 0
    assert Notification.objects.filter(recipient=world.officer).count() == 1
    assert len({m.to[0] for m in mail.outbox}) == len(mail.outbox)


def test_a_rolled_back_action_leaves_nothing_to_deliver(world):
    plan = world.build(PlanStatus.DRAFT)
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("accounts.tasks.notify_transition", plan.pk)
        raise RuntimeError("the action failed")
    assert OutboxMessage.objects.count() == before
