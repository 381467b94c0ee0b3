"""Effects after commit: a transactional outbox for the tasks a user's action asks for.

`enqueue(task, *args)` writes a row in the caller's transaction and, once it commits,
hands the task to the queue, with the id of the request that asked for it (so the task's
log lines carry it, even when the sweep delivers it later). When the queue (the broker)
is unreachable the action still succeeds: the row stays pending, a warning is logged, and
the sweep (`deliver_pending`, a periodic task) delivers it when the broker is back. A
transaction that rolls back takes its rows with it, so nothing runs for an action that did
not happen. Tasks must be safe to run twice (a delivery may be retried after the broker
took it).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from importlib import import_module

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .log_context import REQUEST_ID_FIELD, request_id_var
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The sweep leaves the newest rows to their own on-commit delivery.
SWEEP_AFTER = timedelta(seconds=30)


def enqueue(task: str, *args) -> OutboxMessage:
    """Ask for `task(*args)` (a registered Celery task name) once the transaction commits."""
    message = OutboxMessage.objects.create(
        task=task, args=list(args), request_id=request_id_var.get() or ""
    )
    transaction.on_commit(partial(deliver, message.pk))
    return message


def task_named(name: str):
    """The registered task `name` ("app.tasks.function"), its module imported first: a
    web process has not necessarily imported every tasks module."""
    import_module(name.rpartition(".")[0])
    return current_app.tasks[name]


def deliver(message_id: int) -> bool | None:
    """Hand one pending message to the task queue (or run it, when tasks run eagerly);
    True once sent, None if it was no longer pending. A broker outage is logged and
    leaves the message pending (False)."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at=None).first()
    if message is None:
        return None
    try:
        headers = {REQUEST_ID_FIELD: message.request_id} if message.request_id else None
        task_named(message.task).apply_async(args=message.args, retry=False, headers=headers)
    except Exception as error:  # the broker is down; an eager run's own error is the task's
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=str(error)[:2000]
        )
        logger.warning(
            "outbox: %s could not be queued or run (attempt %s), kept for the sweep: %s",
            message,
            message.attempts + 1,
            error,
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def deliver_pending(limit: int = 500) -> int:
    """The sweep: deliver messages still pending (oldest first); stops at the first
    broker failure. Returns how many were sent."""
    cutoff = timezone.now() - SWEEP_AFTER
    ids = OutboxMessage.objects.filter(sent_at=None, created_at__lte=cutoff).values_list(
        "pk", flat=True
    )[:limit]
    sent = 0
    for message_id in ids:
        delivered = deliver(message_id)
        if delivered is False:  # the broker is still away: the next sweep goes on
            break
        sent += bool(delivered)
    return sent
