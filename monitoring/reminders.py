"""Reminders of overdue monitoring reports (§8, run daily by Celery beat).

A report is overdue when it is still due after its date. While the alliance is alive
(its plan active, under monitoring or suspended), the producer organization's side is
reminded once a day: an in-app notification for each of its users, e-mailed to those who
have not opted out; the notice keeps the report's dates and is worded when read, in the
reader's language. `MonitoringReport.reminded_on` makes a second run on the same day a
no-op, and the next day's run reminds again.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Notification, Role
from accounts.policy import users_acting_for
from core import outbox
from core.formats import format_date
from plans.models import PlanStatus

from .models import MonitoringReport

# Plans whose alliance still reports: a completed or cancelled one does not.
LIVE_PLAN_STATES = (PlanStatus.ACTIVE, PlanStatus.MONITORING, PlanStatus.SUSPENDED)
REMINDED_ROLES = frozenset({Role.PRODUCER, Role.TA_PROVIDER})


def overdue_reports(today: datetime.date):
    """Overdue reports of live alliances not reminded on `today` yet."""
    return (
        MonitoringReport.objects.filter(
            status=MonitoringReport.Status.DUE,
            due_on__lt=today,
            alliance__plan__status__in=LIVE_PLAN_STATES,
        )
        .exclude(reminded_on=today)
        .order_by("due_on", "pk")
    )


REMINDER_NOTICE = "report_overdue"


def reminder_params(report: MonitoringReport) -> dict[str, str]:
    """What a reminder says, as data: the report's dates (ISO), worded when read."""
    return {
        "start": report.period_start.isoformat(),
        "end": report.period_end.isoformat(),
        "due": report.due_on.isoformat(),
    }


def reminder_text(notification) -> str:
    """A reminder in the active language (registered in `monitoring/registrations.py`)."""
    day = {
        name: format_date(datetime.date.fromisoformat(notification.params[name]), long=True)
        for name in ("start", "end", "due")
    }
    return _("%(alliance)s: the monitoring report for %(start)s – %(end)s was due on %(due)s.") % {
        "alliance": notification.alliance.code,
        **day,
    }


def _remind(report_id: int, today: datetime.date) -> int:
    """Remind the PO side of one report; 0 when it needs no reminder (any more)."""

    with transaction.atomic():
        report = (
            overdue_reports(today)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("alliance")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            return 0
        created = 0
        for user in users_acting_for(report.alliance, REMINDED_ROLES).order_by("pk"):
            notification = Notification.objects.create(
                recipient=user,
                alliance=report.alliance,
                kind=REMINDER_NOTICE,
                params=reminder_params(report),
                path=reverse("monitoring:report", args=[report.pk]),
            )
            created += 1
            if user.email_notifications and user.email:
                outbox.enqueue("accounts.tasks.send_notification_email", notification.pk)
        report.reminded_on = today
        report.save(update_fields=["reminded_on"])
    return created


def overdue_reminders_send(*, today: datetime.date) -> int:
    """Remind the PO side of every overdue report of a live alliance, at most once a day
    per report. Returns the number of notifications created. Safe to run twice."""
    ids = list(overdue_reports(today).values_list("pk", flat=True))
    return sum(_remind(pk, today) for pk in ids)
