"""Scheduled work of monitoring (§8, §9)."""

from celery import shared_task
from django.utils import timezone

from .figures import portfolio_figures_rebuild, portfolio_figures_refresh
from .reminders import overdue_reminders_send


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_overdue_reminders() -> int:
    """Daily (Celery beat): remind producer organizations of their overdue reports.
    Idempotent: a report is reminded at most once a day."""

    return overdue_reminders_send(today=timezone.localdate())


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def refresh_portfolio_figures(alliance_ids: list[int]) -> int:
    """After a step (through the outbox): recompute the dashboard's figures of the slices
    of these alliances. Safe to run twice: it recomputes from the rows."""

    return portfolio_figures_refresh(alliance_ids=alliance_ids)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def rebuild_portfolio_figures() -> int:
    """Hourly (Celery beat): recompute every slice of the dashboard's figures, for what
    changed without a step (a proposal, rows written directly, an alliance moved)."""

    return portfolio_figures_rebuild()
