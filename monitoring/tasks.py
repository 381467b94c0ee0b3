"""Scheduled work of monitoring (§8, §9)."""

from celery import shared_task
from django.utils import timezone

from .reminders import overdue_reminders_send


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_overdue_reminders() -> int:
    """Daily (Celery beat): remind producer organizations of their overdue reports.
    Idempotent: a report is reminded at most once a day."""

    return overdue_reminders_send(today=timezone.localdate())
