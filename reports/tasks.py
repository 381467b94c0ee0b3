"""Celery tasks of the reports: generate a job, recover stranded jobs, the monthly funder
report, the cleanup.

Each takes ids (or nothing), calls a service, and is safe to run twice. Report
generation is acknowledged late and rejected when its worker dies, so that a job whose
worker process was killed is delivered again; a job whose whole worker died is queued
again by the recovery sweep (`services.reports_recover`) once its heartbeat stops. A run
that cannot reach the database or the broker retries with growing waits, each retry
logged with its job, for about half an hour.
"""

import logging
import random

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from core.log_context import log_context

from . import services

logger = logging.getLogger(__name__)

HARD_LIMIT = settings.CELERY_TASK_TIME_LIMIT
# The soft limit leaves time to record the failure before the hard limit kills the run.
SOFT_LIMIT = max(HARD_LIMIT - 30, int(HARD_LIMIT * 0.9))
MAX_RETRIES = 20
RETRY_WAIT_MAX = 120  # seconds: 5, 10, 20, 40, 80, then 120 s: about 35 minutes in all


def retry_wait(retries: int) -> int:
    """Seconds before retry number `retries + 1`: doubling from 5 s up to two minutes,
    with up to a fifth of jitter so that workers do not come back all at once."""
    wait = min(5 * 2**retries, RETRY_WAIT_MAX)
    return wait + random.randint(0, wait // 5)  # noqa: S311 - jitter, not a secret


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_LIMIT,
    time_limit=HARD_LIMIT,
)
def generate_report(self, job_id: int) -> str:
    eager = bool(self.request.is_eager)
    # Run eagerly (no broker), a retry could not wait: the first failure is the last.
    last_attempt = eager or self.request.retries >= self.max_retries
    try:
        # Every line the run logs names its report job (and, from core, its task).
        with log_context(report_job=job_id):
            return services.report_generate(job_id, last_attempt=last_attempt, in_worker=not eager)
    except services.TRANSIENT_ERRORS as exc:
        wait = retry_wait(self.request.retries)
        logger.warning(
            "report job %s: %s: %s; retry %s of %s in %s s",
            job_id,
            type(exc).__name__,
            str(exc).strip()[:200],
            self.request.retries + 1,
            self.max_retries,
            wait,
        )
        raise self.retry(exc=exc, countdown=wait) from exc


@shared_task(acks_late=True)
def recover_reports() -> dict:
    """Beat, every REPORT_RECOVERY_SECONDS: run again the jobs whose worker died."""
    return services.reports_recover()


@worker_ready.connect
def recover_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts (after a crash, say) looks for stranded jobs at once."""
    try:
        counts = services.reports_recover()
    except Exception:  # the database may not be back yet: the sweep will try again
        logger.exception("report recovery at worker start failed")
        return
    if any(counts.values()):
        logger.warning("report recovery at worker start: %s", counts)


@shared_task(acks_late=True)
def send_monthly_funder_reports() -> int:
    """Beat, monthly: a portfolio report for each funder's users, e-mailed when ready."""
    return len(services.funder_reports_request())


@shared_task(acks_late=True)
def cleanup_reports() -> dict:
    """Beat, daily: delete expired report files and fail jobs stuck for a day."""
    return services.reports_cleanup()
