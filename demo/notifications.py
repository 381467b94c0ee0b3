"""Demo notifications: the workflow's own, a few of them read.

The demo's plans move through the real services, which record notifications in a Celery
task after the commit. Here the same idempotent `notify` records them at once, so that
the demo has them with or without a worker (the task, when it runs, adds none), dated
like the steps they tell of (`demo.clock`). Demo addresses are not real: the
notifications count as e-mailed when they were made, so none is sent. Each user's older
notifications were read a few hours after they came; the newest few are left unread.
"""

from __future__ import annotations

import datetime

from django.db.models import F

from accounts.models import Notification
from accounts.notifications import notify
from plans.models import TransitionLog

UNREAD_PER_USER = 3
READ_AFTER = datetime.timedelta(hours=5)


def load_notifications(demo) -> int:
    """Record the demo plans' notifications and mark the older ones read."""
    programs = [demo["bj"], demo["co"]]
    logs = TransitionLog.objects.filter(alliance__program__in=programs).select_related(
        "alliance", "content_type"
    )
    for log in logs.order_by("at", "id"):
        demo.clock.move_to(log.at)
        notify(log)
    demo_notifications = Notification.objects.filter(alliance__program__in=programs)
    demo_notifications.filter(emailed_at__isnull=True).update(emailed_at=F("created_at"))
    recipients = demo_notifications.values_list("recipient_id", flat=True).distinct()
    read = []
    for recipient_id in sorted(set(recipients)):
        newest_first = demo_notifications.filter(recipient_id=recipient_id).order_by(
            "-created_at", "-id"
        )
        for notification in newest_first.only("pk", "created_at")[UNREAD_PER_USER:]:
            notification.read_at = min(notification.created_at + READ_AFTER, demo.clock.now)
            read.append(notification)
    Notification.objects.bulk_update(read, ["read_at"], batch_size=500)
    demo.log(f"  {demo_notifications.count()} notifications")
    return demo_notifications.count()
