"""The notification e-mail: one notification, to its recipient, worded in their language
when it is sent."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Notification
from .notifications import notification_path


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notification_message(notification: Notification) -> EmailMessage:
    user = notification.recipient
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "notification": notification,
            "link": site_url(notification_path(notification)),
            "notifications_link": site_url(reverse("notifications")),
            "profile_link": site_url(reverse("profile")),
        }
        subject = render_to_string("accounts/email/notification_subject.txt", context)
        body = render_to_string("accounts/email/notification_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.splitlines()).strip(),  # one line, spaces kept
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def deliver_notification(notification_id: int) -> bool:
    """Send the notification's e-mail unless it was sent already or its recipient does
    not want e-mail; True when sent now. The row stays locked while sending, so two runs
    at once send it once; a failed send leaves `emailed_at` empty for the retry."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "alliance__plan", "transition_log")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        user = notification.recipient
        if not (user.is_active and user.email_notifications and user.email):
            return False
        notification_message(notification).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
