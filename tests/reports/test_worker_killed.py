"""A worker killed in the middle of a job: the job is delivered again (late
acknowledgement), runs again on another worker and completes with one file, not two."""

import pytest

from alliances.models import Alliance
from demo.seeding import seed_portfolio
from reports.models import ReportJob, ReportKind
from reports.services import report_request

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
    assert sorted(p.name for p in folder.iterdir()) == [f"{job.pk}-portfolio_xlsx.xlsx"]
    sheet = xlsx_rows(job.file.path)["Alliances"]
    assert len(sheet) == alliances + 1  # the header and every alliance, once
    assert len({row[0] for row in sheet[1:]}) == alliances
