"""Webhooks, one function per action: register, ping, the fan-out of a step to the
webhooks that may hear of it, and each delivery attempt with its retries.

A step commits first; its event reaches the webhooks through the outbox
(`webhooks.registrations`), so a broker outage delays events and never loses them. Each
delivery is a row: claimed by one attempt at a time, retried with doubling waits (30 s
up to an hour, WEBHOOKS_MAX_ATTEMPTS attempts), and found again by a sweep if a retry
message was lost.
"""

from __future__ import annotations

import datetime
import logging

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import FORBIDDEN, INVALID, ActionRefused, has_role, programs_visible_to
from core import labels, outbox
from core.outbox import task_named

from . import events, sending
from .models import Delivery, Webhook

logger = logging.getLogger(__name__)

RETRY_FIRST = 30  # seconds before the second attempt; doubling after that
RETRY_MAX = 3600
CLAIM = datetime.timedelta(minutes=2)  # an attempt under way holds its delivery this long


# --- registering ---------------------------------------------------------------------------


def can_register(user) -> bool:
    """Administrators and programme officers register webhooks (DESIGN §10)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_role(user, Role.PROGRAMME_OFFICER)


def webhooks_of(user):
    """The webhooks `user` registered (the only ones they see)."""
    if user is None or not user.is_authenticated:
        return Webhook.objects.none()
    return Webhook.objects.filter(owner=user).select_related("program")


def webhook_register(*, by, url: str, events: list, secret: str, program=None) -> Webhook:
    if not can_register(by):
        raise ActionRefused(
            _("Only administrators and programme officers register webhooks."), code=FORBIDDEN
        )
    errors: dict[str, list[str]] = {}
    try:
        sending.check_address(url or "")
    except sending.Refused as refusal:
        errors["url"] = [str(refusal)]
    known = set(events_known())
    if not isinstance(events, list) or not events:
        errors["events"] = [_("Name at least one event, or “*” for all.")]
    else:
        unknown = sorted({str(e) for e in events} - known - {"*"})
        if unknown:
            errors["events"] = [
                _("Unknown events: %(unknown)s. Known events: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
            ]
    if len(secret or "") < 16:
        errors["secret"] = [_("Give a secret of at least 16 characters.")]
    if program is not None and not programs_visible_to(by).filter(pk=program.pk).exists():
        errors["program"] = [_("You do not work in this programme.")]
    if errors:
        raise ActionRefused([m for ms in errors.values() for m in ms], code=INVALID, fields=errors)
    return Webhook.objects.create(
        owner=by, url=url, events=sorted(set(events)), secret=secret, program=program
    )


def events_known() -> list[str]:
    return events.event_names()


# --- from a step to deliveries ---------------------------------------------------------


def step_recorded(log) -> None:
    """The hook on every journal row (`accounts.steps.on_step`): in the step's own
    transaction, ask for the fan-out once it commits, if anyone listens."""
    if events.event_name(log) and Webhook.objects.filter(is_active=True).exists():
        # The outbox keeps the request with the step: a broker outage delays the event.
        outbox.enqueue("webhooks.tasks.fan_out", log.pk)


def fan_out(log_id: int) -> int:
    """One delivery per active webhook that wants the event and whose owner may read the
    record (its API representation, taken as the owner); returns how many were queued."""
    log = (
        apps.get_model("plans", "TransitionLog")
        .objects.select_related("alliance")
        .filter(pk=log_id)
        .first()
    )
    if log is None:
        return 0
    event = events.event_name(log)
    if event is None:
        return 0
    model_label = labels.log_model(log)
    queued = 0
    for webhook in Webhook.objects.filter(is_active=True).select_related("owner"):
        if not webhook.wants(event) or not webhook.owner.is_active:
            continue
        if webhook.program_id and webhook.program_id != log.alliance.program_id:
            continue
        obj = events.representation(model_label, log.object_id, webhook.owner)
        if obj is None:  # outside the owner's read scope: they never hear of it
            continue
        payload = {
            "event": event,
            "occurred_at": log.at,
            "object": obj,
            "alliance": {"id": log.alliance_id, "code": log.alliance.code},
            "from_state": log.from_state,
            "to_state": log.to_state,
        }
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    webhook=webhook, event=event, log_id=log.pk, payload=payload
                )
        except IntegrityError:  # this step was fanned out before (a task run twice)
            continue
        transaction.on_commit(lambda pk=delivery.pk: _queue(pk))
        queued += 1
    return queued


def webhook_ping(*, webhook: Webhook, by) -> Delivery:
    """A test event to the webhook's address, now."""
    payload = {"event": events.PING, "occurred_at": timezone.now(), "object": {"id": webhook.pk}}
    delivery = Delivery.objects.create(webhook=webhook, event=events.PING, payload=payload)
    transaction.on_commit(lambda: _queue(delivery.pk))
    return delivery


# --- delivering ----------------------------------------------------------------------------


def _queue(delivery_id: int, countdown: int = 0) -> None:
    try:
        task_named("webhooks.tasks.deliver").apply_async(
            args=[delivery_id], countdown=countdown, retry=False
        )
    except Exception:  # the broker is away: the sweep sends it when it is back
        logger.warning("webhook delivery %s: could not be queued; left to the sweep", delivery_id)


def retry_wait(attempts: int) -> int:
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def delivery_attempt(delivery_id: int) -> str:
    """One attempt: claim the delivery (one attempt at a time), POST it, record the
    answer; schedule the next attempt after a failure, or give up after the last."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM)
    if not claimed:
        return "skipped"  # done, failed, not due, or taken by another attempt
    delivery = Delivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    answer = sending.send(
        webhook.url, webhook.secret, delivery.event, delivery.pk, delivery.payload
    )
    attempts = delivery.attempts + 1
    fields = {
        "attempts": attempts,
        "last_status_code": answer.status_code,
        "last_error": answer.error,
    }
    if answer.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), **fields
        )
        return "delivered"
    if attempts >= settings.WEBHOOKS_MAX_ATTEMPTS or not webhook.is_active:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, **fields)
        logger.warning(
            "webhook delivery %s (%s to %s): failed after %s attempts: %s",
            delivery.pk,
            delivery.event,
            webhook.url,
            attempts,
            answer.error,
        )
        return "failed"
    wait = retry_wait(attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=wait), **fields
    )
    logger.warning(
        "webhook delivery %s (%s to %s): attempt %s failed (%s); next in %s s",
        delivery.pk,
        delivery.event,
        webhook.url,
        attempts,
        answer.error,
        wait,
    )
    _queue(delivery.pk, countdown=wait)
    return "retry"


def deliveries_due(limit: int = 200) -> int:
    """The sweep: deliveries whose next attempt is due (their retry message may be lost)."""
    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:limit]
    )
    for delivery_id in ids:
        _queue(delivery_id)
    return len(ids)
