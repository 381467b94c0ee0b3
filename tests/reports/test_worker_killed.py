"""A worker killed in the middle of a job: the job is delivered again (late
acknowledgement), or queued again by the recovery sweep once its heartbeat stops, runs
again on another worker and completes with one file, not two."""

import datetime
import time

import pytest
from django.utils import timezone

from alliances.models import Alliance
from demo.seeding import seed_portfolio
from reports import services, storage
from reports.models import ReportJob, ReportKind
from reports.services import report_request, reports_recover

from .conftest import wait_for
from .support import xlsx_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_whose_worker_is_killed_is_run_again_and_completes_once(world, celery_worker):
    seed_portfolio(40)
    alliances = Alliance.objects.count()
    # 0.1 s per row written: about four seconds in which to kill the worker.
    first = celery_worker.start(delay_per_row=0.1)
    job = report_request(kind=ReportKind.PORTFOLIO_XLSX, parameters={}, by=world.officer)

    def running_a_while():
        job.refresh_from_db()
        return job.status == ReportJob.Status.RUNNING and job.progress >= 10

    wait_for(
        running_a_while, timeout=60, what="the job to be well under way", workers=celery_worker
    )
    first.kill()

    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING
    assert 10 <= job.progress < 90
    assert job.attempts == 1
    folder = celery_worker.media / "reports"
    assert list(folder.glob("*.xlsx")) == []  # nothing published by the killed run

    # Another worker, which takes back messages unacknowledged for more than 2 s.
    celery_worker.start(visibility_timeout=2)

    def done():
        job.refresh_from_db()
        return job.is_finished

    wait_for(done, timeout=60, what="the job to be run again", workers=celery_worker)
    assert (job.status, job.progress, job.attempts, job.error) == ("succeeded", 100, 2, "")
    assert sorted(p.name for p in folder.iterdir()) == [job.file.name.split("/")[1]]
    sheet = xlsx_rows(job.file.path)["Alliances"]
    assert len(sheet) == alliances + 1  # the header and every alliance, once
    assert len({row[0] for row in sheet[1:]}) == alliances


def test_a_whole_worker_killed_mid_job_is_recovered_by_the_sweep_not_the_broker(
    world, celery_worker, settings
):
    """The broker would give the message back only after an hour (visibility timeout):
    the sweep sees the run's heartbeat stop and queues the job again at once."""
    settings.REPORT_STALE_SECONDS = 3
    seed_portfolio(40)
    first = celery_worker.start(delay_per_row=0.1, stale_seconds=3)
    job = report_request(kind=ReportKind.PORTFOLIO_XLSX, parameters={}, by=world.officer)

    def running_a_while():
        job.refresh_from_db()
        return job.status == ReportJob.Status.RUNNING and job.progress >= 10

    wait_for(running_a_while, timeout=60, what="the job under way", workers=celery_worker)
    job.refresh_from_db()
    beat = job.heartbeat_at
    time.sleep(1.5)
    job.refresh_from_db()
    assert job.heartbeat_at > beat  # alive: it beats
    assert reports_recover() == {"requeued": 0, "resent": 0, "failed": 0}
    first.kill()
    killed_at = time.monotonic()

    celery_worker.start(stale_seconds=3)  # the broker keeps the old message for an hour

    def done():
        reports_recover()  # what beat runs every REPORT_RECOVERY_SECONDS
        job.refresh_from_db()
        return job.is_finished

    wait_for(done, timeout=60, what="the job to be recovered", workers=celery_worker)
    assert time.monotonic() - killed_at < 30
    assert (job.status, job.progress, job.attempts, job.error) == ("succeeded", 100, 2, "")
    folder = celery_worker.media / "reports"
    assert sorted(p.name for p in folder.iterdir()) == [job.file.name.split("/")[1]]
    assert len(xlsx_rows(job.file.path)["Alliances"]) == Alliance.objects.count() + 1


def test_the_sweep_leaves_the_files_of_a_run_started_as_soon_as_it_queues_the_job(
    world, monkeypatch, settings
):
    """The sweep queues a dead run's job again; a worker starts the next run the moment
    the message is sent, before the sweep has returned. The dead run's part file is gone;
    the new run's stays (the sweep removed the leftovers before queueing, not after)."""
    monkeypatch.setattr(services, "enqueue", lambda pk: None)  # queued, not run here
    job = report_request(kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance)
    _job, dead = services.report_start(job.pk)  # a worker took it, then died
    storage.part_path(job.pk, dead).write_text("half a ledger")
    stale = timezone.now() - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS + 1)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    started = []

    def a_worker_starts_it_at_once(pk):
        _job, token = services.report_start(pk)
        storage.part_path(pk, token).write_text("the next run's first rows")
        started.append(token)

    monkeypatch.setattr(services, "enqueue", a_worker_starts_it_at_once)

    assert services.reports_recover() == {"requeued": 1, "resent": 0, "failed": 0}

    [token] = started
    assert not storage.part_path(job.pk, dead).exists()
    assert storage.part_path(job.pk, token).read_text() == "the next run's first rows"
