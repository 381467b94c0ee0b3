"""Is this installation well? `/healthz/` for load balancers and the compose
healthchecks, and the beat scheduler's sign of life.

`/healthz/` (django-health-check) answers 200 when the database answers, the cache
stores and returns a value, the media storage writes, reads and deletes a file, and the
Celery broker accepts a connection (when tasks go through one); otherwise 500 with the
failing part named. `?format=json` or `Accept: application/json` gives JSON. It shows
the names of the parts only, never addresses or credentials.

Celery beat ticks at least every REPORT_RECOVERY_SECONDS (its shortest schedule);
`Scheduler` touches BEAT_HEARTBEAT_FILE at each tick, and `manage.py healthcheck beat`
says whether it did so lately.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import time
from pathlib import Path

from celery.app import app_or_default
from celery.beat import PersistentScheduler
from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (a single try, two seconds at most)."""

    timeout = datetime.timedelta(seconds=2)

    def run(self):
        app = app_or_default()
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:  # kombu wraps each transport's errors differently
            raise ServiceUnavailable("The task queue (Celery broker) is unreachable") from exc

    def __repr__(self):
        return "Broker"


def checks() -> list:
    parts = [
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
    ]
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded default has no broker
        parts.append(Broker)
    return parts


class HealthView(HealthCheckView):
    def get_checks(self):
        self.checks = checks()
        return super().get_checks()


health = HealthView.as_view()


# --- beat ------------------------------------------------------------------------------


def beat_heartbeat_file() -> Path:
    return Path(settings.BEAT_HEARTBEAT_FILE)


class Scheduler(PersistentScheduler):
    """Celery beat's scheduler (CELERY_BEAT_SCHEDULER), which says at each tick that beat
    is alive, for the beat container's healthcheck."""

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        # A full or read-only disk must not stop the schedule.
        with contextlib.suppress(OSError):
            beat_heartbeat_file().touch()
        return interval


def beat_is_alive(max_age: float) -> bool:
    try:
        return time.time() - beat_heartbeat_file().stat().st_mtime <= max_age
    except FileNotFoundError:
        return False
