"""Running a job (eagerly, as the embedded default does): idempotent, a rerun replaces
the file, failures are recorded in words, transient errors are retried, and the
requester is e-mailed once."""

import datetime
import re

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from accounts.models import Membership
from config.celery import app
from core.money import format_money
from demo.seeding import seed_portfolio
from plans.models import PlanStatus
from reports import services, storage, tasks
from reports.generators import KINDS
from reports.generators.base import Superseded
from reports.models import ReportJob, ReportKind
from reports.services import report_generate, report_request
from reports.tasks import generate_report

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]


@pytest.fixture
def plan(world):
    return world.build(PlanStatus.ACTIVE)


def request_now(world, plan, capture, kind=ReportKind.ALLIANCE_FACTSHEET_PDF, by=None):
    """Ask for a report and run what is queued on commit (the eager task)."""
    with capture(execute=True):
        job = report_request(
            kind=kind, parameters={"alliance": plan.alliance_id}, by=by or world.producer
        )
    job.refresh_from_db()
    return job


def files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_eager_run_on_commit_makes_the_file_and_emails_the_link(
    world, plan, django_capture_on_commit_callbacks, private_media
):
    job = request_now(world, plan, django_capture_on_commit_callbacks)
    assert (job.status, job.progress, job.attempts, job.error) == ("succeeded", 100, 1, "")
    # Named by what it is, about what and when, then the job and its run.
    code = plan.alliance.code.lower()
    assert re.fullmatch(
        rf"reports/alliance-factsheet-{code}-\d{{4}}-\d\d-\d\d-j{job.pk}-[0-9a-f]{{8}}\.pdf",
        job.file.name,
    )
    assert job.file.read(5) == b"%PDF-"
    assert job.expires_at - job.finished_at == datetime.timedelta(days=30)
    assert files(private_media / "reports") == [job.file.name.split("/")[1]]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["producer@example.org"]
    assert message.subject == f"Your report is ready: Fact sheet · {plan.alliance.code}"
    assert f"http://127.0.0.1:8000/reports/{job.pk}/" in message.body


def test_a_finished_job_is_not_generated_again(world, plan, django_capture_on_commit_callbacks):
    job = request_now(world, plan, django_capture_on_commit_callbacks)
    content = job.file.read()
    finished_at = job.finished_at
    assert report_generate(job.pk) == "skipped"
    generate_report.delay(job.pk)  # a duplicate message
    job.refresh_from_db()
    assert (job.attempts, job.finished_at) == (1, finished_at)
    assert job.file.open("rb").read() == content
    assert len(mail.outbox) == 1


def test_a_rerun_after_a_crash_removes_the_leftovers(world, plan, private_media):
    job = report_request(kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance)
    # A first run that died half-way: running, with its part file and its temporary files.
    _job, token = services.report_start(job.pk)
    storage.part_path(job.pk, token).write_text("half a ledger")
    storage.temp_folder(job.pk, token).mkdir()
    (storage.temp_folder(job.pk, token) / "openpyxl.xyz.xml").write_text("<row/>")

    assert report_generate(job.pk, in_worker=True) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert files(private_media / "reports") == [job.file.name.split("/")[1]]
    assert job.file.name.startswith("reports/disbursement-ledger-all-")
    assert job.file.open("rb").read().decode("utf-8-sig").startswith("Alliance code,Alliance,")


def test_a_superseded_run_stops_without_touching_the_job(world, plan):
    job = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    _job, old = services.report_start(job.pk)
    _job, new = services.report_start(job.pk)  # the message was delivered again
    with pytest.raises(Superseded):
        services.report_progress(job.pk, old, 50)
    part = storage.part_path(job.pk, old)
    part.write_bytes(b"old run")
    with pytest.raises(Superseded):
        services.report_succeed(job.pk, old, part)
    services.report_progress(job.pk, new, 40)
    job.refresh_from_db()
    assert (job.status, job.progress, job.run_token, job.file.name) == ("running", 40, new, "")


def test_an_unexpected_error_fails_the_job_with_a_readable_message(
    world, plan, django_capture_on_commit_callbacks, monkeypatch, private_media
):
    def broken(ctx, path):
        path.write_bytes(b"partial")
        raise ValueError("a cell could not be written")

    spec = KINDS[ReportKind.ALLIANCE_FACTSHEET_PDF]
    monkeypatch.setitem(KINDS, spec.kind, spec.__class__(**{**spec.__dict__, "generate": broken}))
    job = request_now(world, plan, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.error == (
        "The report could not be written because of an unexpected error (ValueError: a cell "
        "could not be written). The administrators can see it in the logs; try again later."
    )
    assert job.file.name == ""
    assert files(private_media / "reports") == []  # the partial file is gone
    assert mail.outbox[0].subject == (
        f"Your report could not be made: Fact sheet · {plan.alliance.code}"
    )
    assert job.error in mail.outbox[0].body


def test_transient_errors_are_left_to_the_task_retries_then_recorded(
    world, plan, monkeypatch, private_media
):
    def unreachable(ctx, path):
        path.write_bytes(b"partial")
        raise OperationalError("could not connect to server")

    spec = KINDS[ReportKind.ALLIANCE_FACTSHEET_PDF]
    monkeypatch.setitem(
        KINDS, spec.kind, spec.__class__(**{**spec.__dict__, "generate": unreachable})
    )
    job = report_request(
        kind=spec.kind, parameters={"alliance": plan.alliance_id}, by=world.producer
    )
    # Not the last attempt: the error goes up to Celery, which retries with backoff; the
    # job waits in the queue meanwhile.
    with pytest.raises(OperationalError):
        report_generate(job.pk, last_attempt=False)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("queued", 1, "")
    assert files(private_media / "reports") == []
    assert (OperationalError, ConnectionError) == services.TRANSIENT_ERRORS
    assert generate_report.max_retries == 20
    waits = [tasks.retry_wait(n) for n in range(20)]
    bases = [5, 10, 20, 40, 80] + [120] * 15  # doubling, then two minutes, plus jitter
    assert all(base <= wait <= base * 1.2 for base, wait in zip(bases, waits, strict=True))
    assert 30 * 60 <= sum(waits) <= 45 * 60  # about half an hour of retries in all
    assert generate_report.acks_late and generate_report.reject_on_worker_lost
    # The last attempt, and any eager run (no broker to wait on), records the failure.
    generate_report.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.error == (
        "The database or the task queue could not be reached, even after several attempts "
        "(OperationalError). Try again later."
    )


def test_a_requester_who_lost_access_gets_a_failed_job_not_the_data(
    world, plan, django_capture_on_commit_callbacks
):
    job = report_request(
        kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
        parameters={"alliance": plan.alliance_id},
        by=world.producer,
    )
    Membership.objects.filter(user=world.producer).delete()
    world.producer.refresh_from_db()
    assert report_generate(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == (
        "The report was not made: There is no alliance with this id that you can see."
    )
    assert job.file.name == ""


def test_a_broker_that_is_down_fails_the_job_instead_of_the_request(
    world, plan, django_capture_on_commit_callbacks, monkeypatch
):
    def down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(generate_report, "delay", down)
    job = request_now(world, plan, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.error == (
        "The report could not be queued: the task queue is unavailable. Try again later."
    )


def test_cleanup_deletes_expired_files_and_fails_stuck_jobs(
    world, plan, django_capture_on_commit_callbacks, private_media
):
    old = request_now(world, plan, django_capture_on_commit_callbacks)
    recent = request_now(
        world, plan, django_capture_on_commit_callbacks, kind=ReportKind.DISBURSEMENT_LEDGER_CSV
    )
    stuck = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    later = old.expires_at + datetime.timedelta(minutes=1)
    ReportJob.objects.filter(pk=recent.pk).update(expires_at=later + datetime.timedelta(days=1))

    assert services.reports_cleanup(now=later) == {"expired": 1, "stuck": 1}
    old.refresh_from_db()
    recent.refresh_from_db()
    stuck.refresh_from_db()
    assert (old.status, old.file.name, old.is_expired) == ("succeeded", "", True)
    assert recent.is_downloadable
    assert files(private_media / "reports") == [recent.file.name.split("/")[1]]
    assert (stuck.status, stuck.error) == (
        "failed",
        "The report was interrupted and did not finish. Ask for it again.",
    )
    assert services.reports_cleanup(now=later) == {"expired": 0, "stuck": 0}


def test_monthly_funder_reports_once_per_month_with_only_the_funded_programmes(
    world, plan, django_capture_on_commit_callbacks
):

    seed_portfolio(15)  # three more programmes, funded by someone else
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        jobs = services.funder_reports_request(today=today)
        again = services.funder_reports_request(today=today)
    assert [j.pk for j in jobs] == [j.pk for j in again]
    assert [j.requester for j in jobs] == [world.funder_user]
    job = jobs[0]
    job.refresh_from_db()
    assert (job.kind, job.status, job.schedule_key) == (
        "portfolio_xlsx",
        "succeeded",
        f"monthly-{today:%Y-%m}",
    )
    from .support import xlsx_rows

    rows = xlsx_rows(job.file.path)["Alliances"][1:]
    assert [row[0] for row in rows] == [plan.alliance.code]
    assert [m.to for m in mail.outbox] == [["funder@example.org"]]


def test_the_beat_schedule_names_real_tasks():
    from django.conf import settings

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_a_report_speaks_the_language_it_was_asked_in(
    world, plan, django_capture_on_commit_callbacks
):

    from .support import pdf_text, spaced

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind=ReportKind.ALLIANCE_FACTSHEET_PDF,
            parameters={"alliance": plan.alliance_id},
            by=world.producer,
            language="fr",
        )
    job.refresh_from_db()
    assert job.language == "fr"
    committed = spaced(format_money(plan.approved_grant, "XOF", "fr"))
    assert committed.startswith("14 000 000")
    assert committed in pdf_text(job.file.path)
