"""Who hears about a transition, and what they are told.

For each transition-log row, the people who must act next (the roles each app registers
for its models' states, `accounts.steps.register`, on this alliance) and the producer
organization's representatives are notified in the app; then each of them who has not opted out gets
the notification by e-mail too (`accounts.tasks.send_notification_email`, once per
notification: `Notification.emailed_at`). A notification refers to its step and is worded
when read (`Notification.text`, `step_notice`), in the reader's language.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import labels, outbox

from . import steps, worklist
from .models import STEP_NOTICE, Notification, Role
from .policy import can_read, load_scopes, users_acting_for

UNREAD = worklist.keeps("unread")


def recipients(log) -> list:
    """Who is told of a step: those who act next and the organization's side, if they
    may read what the step is about (the same scope as the pages, §9a)."""
    roles = steps.next_roles(log) | {Role.PRODUCER}
    users = users_acting_for(log.alliance, roles)
    if log.actor_id:
        users = users.exclude(pk=log.actor_id)
    part = steps.part_of(log)
    users = list(users.order_by("pk"))
    load_scopes(users)  # one query for all of them, not one each
    return [user for user in users if can_read(user, log.alliance, part)]


def step_notice(notification: Notification) -> str:
    """The notice of a step, in the active language: "ALL-1: Tranche paid (Authorized →
    Paid)", or "ALL-1: Delivery recorded (Recorded)" for a step that creates its record."""
    log = notification.transition_log
    model = labels.log_model(log)
    values = {
        "alliance": notification.alliance.code,
        "action": labels.step_label(model, log.transition),
        "to": labels.state_label(model, log.to_state),
    }
    if not log.from_state:
        return _("%(alliance)s: %(action)s (%(to)s)") % values
    values["from"] = labels.state_label(model, log.from_state)
    return _("%(alliance)s: %(action)s (%(from)s → %(to)s)") % values


def notify(log) -> list[Notification]:
    """Record the in-app notifications of `log`, the ones not recorded yet, in one insert;
    safe to run twice (one per recipient), at the same time too. They refer to the step
    and are worded when read, in the reader's language."""
    users = recipients(log)
    told = set(
        Notification.objects.filter(transition_log=log).values_list("recipient_id", flat=True)
    )
    new = [_notice(log, user) for user in users if user.pk not in told]
    if not new:
        return []
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(new)
    except IntegrityError:  # another run told some of them in the meantime: one by one
        created = []
        for notice in new:
            saved, was_created = Notification.objects.get_or_create(
                recipient=notice.recipient,
                transition_log=log,
                defaults={"alliance_id": notice.alliance_id, "kind": notice.kind},
            )
            if was_created:
                created.append(saved)
    worklist.forget([notice.recipient_id for notice in created])  # their unread counts
    return created


def _notice(log, user) -> Notification:
    return Notification(
        recipient=user, transition_log=log, alliance_id=log.alliance_id, kind=STEP_NOTICE
    )


def schedule_emails(log) -> int:
    """Queue the e-mail of each notification of `log` not e-mailed yet, to recipients who
    want e-mail. Safe to run twice: the task sends each notification once."""
    pending = list(
        Notification.objects.filter(
            transition_log=log,
            emailed_at__isnull=True,
            recipient__is_active=True,
            recipient__email_notifications=True,
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)
    )
    for pk in pending:
        outbox.enqueue("accounts.tasks.send_notification_email", pk)
    return len(pending)


# Plan pages may be named either way while they land; the home page until then.
PLAN_URL_NAMES = ("plans:detail", "plan-detail")


def alliance_path(alliance) -> str:
    """The page of the alliance's business plan (the home page if there is none)."""
    plan = getattr(alliance, "plan", None)
    if plan is not None:
        for name in PLAN_URL_NAMES:
            try:
                return reverse(name, args=[plan.pk])
            except NoReverseMatch:
                continue
    return reverse("home")


def notification_path(notification) -> str:
    """Where a notification leads: its own page if it names one, else the plan's."""
    return notification.path or alliance_path(notification.alliance)


def notifications_of(user):
    """The user's notifications, newest first, with what their links need."""
    return Notification.objects.filter(recipient=user).select_related(
        "alliance__plan", "transition_log"
    )


def unread_count(user) -> int:
    """The number of the user's unread notifications, shown in every page's header: kept
    as the task counts are (`worklist.kept`), forgotten whenever one of the user's
    notifications is created, changed, deleted or read."""
    return worklist.kept(
        user, UNREAD, lambda: user.notifications.filter(read_at__isnull=True).count()
    )


@receiver(post_save, sender=Notification)
@receiver(post_delete, sender=Notification)
def _forget_unread_count(sender, instance, **kwargs):
    worklist.forget([instance.recipient_id])


def notification_mark_read(*, notification_id: int, user) -> bool:
    """Mark one of the user's notifications as read (404-safe: another's is not found).
    Returns False when there is no such unread notification."""
    marked = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    worklist.forget([user.pk])
    return bool(marked)


def notifications_mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    worklist.forget([user.pk])
    return marked
