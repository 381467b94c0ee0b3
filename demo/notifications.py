"""Demo notifications: the workflow's own, a few of them read.

The demo's plans move through the real services, which record notifications in a Celery
task after the commit. Here the same idempotent `notify` records them at once, so that
the demo has them with or without a worker (the task, when it runs, adds none). Demo
addresses are not real: the notifications count as e-mailed, so none is sent. Each
user's older notifications are read; the newest few are left unread.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notify
from plans.models import TransitionLog

UNREAD_PER_USER = 3


def load_notifications(demo) -> int:
    """Record the demo plans' notifications and mark the older ones read."""
    programs = [demo["bj"], demo["co"]]
    logs = TransitionLog.objects.filter(alliance__program__in=programs).select_related(
        "alliance", "content_type"
    )
    for log in logs.order_by("at", "id"):
        notify(log)
    demo_notifications = Notification.objects.filter(alliance__program__in=programs)
    now = timezone.now()
    demo_notifications.filter(emailed_at__isnull=True).update(emailed_at=now)
    recipients = demo_notifications.values_list("recipient_id", flat=True).distinct()
    for recipient_id in sorted(set(recipients)):
        newest_first = demo_notifications.filter(recipient_id=recipient_id).order_by(
            "-created_at", "-id"
        )
        older = list(newest_first.values_list("pk", flat=True)[UNREAD_PER_USER:])
        Notification.objects.filter(pk__in=older).update(read_at=now)
    demo.log(f"  {demo_notifications.count()} notifications")
    return demo_notifications.count()
