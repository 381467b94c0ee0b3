"""Fixtures of the report tests.

Most tests run report tasks eagerly, in the test process, as the embedded default
does. The tests marked by requesting `celery_worker` run a real Celery worker in a
subprocess, on the real Redis (database REDIS_DB of 127.0.0.1:6379, flushed first),
pointed at the pytest test database; they use `django_db(transaction=True)` so that
the worker sees committed rows. The worker is always stopped by the fixture.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app
from reports.models import ReportJob

BASE_DIR = Path(__file__).resolve().parents[2]
# One Redis database per pytest-xdist worker (gw0, gw1, ...): their workers never meet.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
REDIS_DB = int(os.environ.get("REPORTS_TEST_REDIS_DB", "5")) + int(_XDIST_WORKER.lstrip("gw") or 0)
BROKER_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Report files go to a fresh folder, never to the project's private/."""
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def eager_tasks():
    """Tasks run in the test process unless a test starts a worker."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _reset_broker_pools() -> None:
    app._pool = None
    amqp = app.__dict__.get("amqp")  # a cached property: absent until first used
    if amqp is not None:
        amqp._producer_pool = None


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the worker and its children: no chance to acknowledge or clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class WorkerFactory:
    """Starts workers for the current test database; stops them all at the end."""

    def __init__(self, media: Path, mail: Path, logs: Path):
        self.media, self.mail, self.logs = media, mail, logs
        self.workers: list[Worker] = []

    def start(
        self, *, delay_per_row: float = 0, visibility_timeout: int = 3600, stale_seconds: int = 60
    ) -> Worker:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reports.worker_settings",
            "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "PRIVATE_MEDIA_ROOT": str(self.media),
            "EMAIL_URL": f"filemail:///{self.mail}",  # four slashes: an absolute path
            "SITE_URL": "http://testserver",
            "REPORTS_TEST_DELAY_PER_ROW": str(delay_per_row),
            "REPORTS_TEST_VISIBILITY_TIMEOUT": str(visibility_timeout),
            # A heartbeat every second; a run silent for `stale_seconds` is stranded.
            "REPORT_HEARTBEAT_SECONDS": "1",
            "REPORT_STALE_SECONDS": str(stale_seconds),
        }
        log = self.logs / f"worker-{len(self.workers) + 1}.log"
        command = [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=reports-test-{len(self.workers) + 1}@%h",
        ]
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        worker = Worker(process, log)
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while " ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                pytest.fail(f"the Celery worker did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.2)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def celery_worker(settings, tmp_path, transactional_db):
    """A factory of real workers (start them with `.start()`), stopped after the test.

    The test process publishes to the same Redis database and reads the files the
    workers write."""
    media, mail, logs = tmp_path / "private", tmp_path / "mail", tmp_path / "logs"
    for folder in (media, mail, logs):
        folder.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = media
    redis.Redis.from_url(BROKER_URL).flushdb()  # no message left by an interrupted run
    previous = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    _reset_broker_pools()
    factory = WorkerFactory(media, mail, logs)
    try:
        yield factory
    finally:
        factory.stop_all()
        app.conf.update(previous)
        _reset_broker_pools()
        redis.Redis.from_url(BROKER_URL).flushdb()


def wait_for(predicate, *, timeout: float, what: str, workers: WorkerFactory | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    logs = "\n".join(w.output()[-2000:] for w in workers.workers) if workers else ""
    # What the workers were given in all, by task: a long queue, or a task that never came.
    received = Counter(
        name
        for w in (workers.workers if workers else ())
        for name in re.findall(r"Task ([\w.]+)\[[^]]+\] received", w.output())
    )
    pytest.fail(f"timed out waiting for {what}\ntasks received: {dict(received)}\n{logs}")


def finished(*jobs: ReportJob) -> bool:
    for job in jobs:
        job.refresh_from_db()
    return all(job.is_finished for job in jobs)
