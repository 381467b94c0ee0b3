"""Celery tasks of the reports: generate a job, the monthly funder report, the cleanup.

Each takes ids (or nothing), calls a service, and is safe to run twice. Report
generation is acknowledged late and rejected when its worker dies, so that a job whose
worker was killed is delivered again and completed by another run.
"""

from celery import shared_task
from django.conf import settings

from . import services

HARD_LIMIT = settings.CELERY_TASK_TIME_LIMIT
# The soft limit leaves time to record the failure before the hard limit kills the run.
SOFT_LIMIT = max(HARD_LIMIT - 30, int(HARD_LIMIT * 0.9))


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SOFT_LIMIT,
    time_limit=HARD_LIMIT,
)
def generate_report(self, job_id: int) -> str:
    # Run eagerly (no broker), a retry could not wait: the first failure is the last.
    last_attempt = self.request.is_eager or self.request.retries >= self.max_retries
    return services.report_generate(job_id, last_attempt=last_attempt)


@shared_task(acks_late=True)
def send_monthly_funder_reports() -> int:
    """Beat, monthly: a portfolio report for each funder's users, e-mailed when ready."""
    return len(services.funder_reports_request())


@shared_task(acks_late=True)
def cleanup_reports() -> dict:
    """Beat, daily: delete expired report files and fail jobs stuck for a day."""
    return services.reports_cleanup()
