"""Settings of the Celery worker that the report tests start (never used elsewhere).

The project's settings, plus two test-only knobs read from the environment: a pause per
row written (a window in which to kill the worker mid-job) and the Redis visibility
timeout (how soon an unacknowledged job of a dead worker is delivered again).
"""

import os

from config.settings import *  # noqa: F403

REPORTS_TEST_DELAY_PER_ROW = float(os.environ.get("REPORTS_TEST_DELAY_PER_ROW", "0"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("REPORTS_TEST_VISIBILITY_TIMEOUT", "3600")),
    # Look for messages of dead workers every second (the default is every 100 s).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
