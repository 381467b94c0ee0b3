"""Jobs nobody works on any more: a run whose worker died (its heartbeat stopped), a job
whose message was lost, a file gone from the server. Each is found and made right, and
the requester is never left with a job that spins for ever or a download that fails."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services, storage
from reports.models import ReportJob, ReportKind
from reports.services import report_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The jobs sent to the queue, instead of running them."""
    queued = []
    monkeypatch.setattr(services, "enqueue", queued.append)
    return queued


def ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


def ledger(world):
    return report_request(kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance)


def test_a_run_whose_heartbeat_stopped_is_queued_again_and_then_completes(
    world, sent, django_capture_on_commit_callbacks, private_media, caplog, settings
):
    job = ledger(world)
    _job, token = services.report_start(job.pk)  # a worker took it, then died
    storage.part_path(job.pk, token).write_text("half a ledger")
    ReportJob.objects.filter(pk=job.pk).update(progress=40, heartbeat_at=ago(61))

    with (
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING, "reports"),
    ):
        counts = services.reports_recover()

    assert counts == {"requeued": 1, "resent": 0, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.progress, job.run_token, job.attempts) == ("queued", 0, "", 1)
    assert sent == [job.pk]  # sent again by the sweep, once it commits
    assert not storage.part_path(job.pk, token).exists()  # the dead run's leftovers
    assert f"report job {job.pk}: run 1 stopped answering (its worker died)" in caplog.text
    # Its next run finishes it.
    assert services.report_generate(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)


def test_a_live_run_and_a_recent_queue_are_left_alone(world, sent):
    running = ledger(world)
    services.report_start(running.pk)
    ReportJob.objects.filter(pk=running.pk).update(heartbeat_at=ago(59))
    queued = report_request(kind=ReportKind.PORTFOLIO_PDF, parameters={}, by=world.officer)
    ReportJob.objects.filter(pk=queued.pk).update(heartbeat_at=ago(599))

    assert services.reports_recover() == {"requeued": 0, "resent": 0, "failed": 0}
    assert sorted(ReportJob.objects.values_list("status", flat=True)) == ["queued", "running"]


def test_a_job_queued_too_long_is_sent_again(world, sent, django_capture_on_commit_callbacks):
    job = ledger(world)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=ago(601))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_recover() == {"requeued": 0, "resent": 1, "failed": 0}

    job.refresh_from_db()
    assert job.status == "queued"
    assert sent == [job.pk]
    assert timezone.now() - job.heartbeat_at < datetime.timedelta(seconds=5)
    assert services.reports_recover()["resent"] == 0  # not again until it is old again


def test_a_job_interrupted_again_and_again_fails_and_can_be_asked_for_again(
    world, sent, django_capture_on_commit_callbacks, settings
):
    assert settings.REPORT_MAX_RUNS == 3
    job = ledger(world)
    for _run in range(3):
        services.report_start(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=ago(120))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_recover() == {"requeued": 0, "resent": 0, "failed": 1}

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == (
        "The report was interrupted 3 times and did not finish. Ask for it again, or for a "
        "smaller one (a single programme)."
    )
    again = ledger(world)
    assert again.pk != job.pk and again.status == "queued"


def test_asking_again_for_a_stranded_job_makes_a_new_one(world, sent):
    job = ledger(world)
    assert ledger(world).pk == job.pk  # a double click: the same job
    services.report_start(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=ago(61))

    again = ledger(world)

    job.refresh_from_db()
    assert again.pk != job.pk
    assert (job.status, job.error) == (
        "failed",
        "The report was interrupted and did not finish. Ask for it again.",
    )


def test_a_ready_report_whose_file_is_gone_is_failed_never_offered(
    world, client, django_capture_on_commit_callbacks, private_media, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        job = ledger(world)
    job.refresh_from_db()
    assert job.is_downloadable
    (private_media / job.file.name).unlink()  # removed from the server
    client.force_login(world.finance)

    with caplog.at_level(logging.WARNING, "reports"):
        listing = client.get(reverse("reports:list"))
    page = client.get(reverse("reports:detail", args=[job.pk]))
    download = client.get(reverse("reports:download", args=[job.pk]))
    api = client.get(f"/api/v1/reports/{job.pk}/").json()

    message = "The file of this report is no longer on the server. Ask for it again."
    job.refresh_from_db()
    assert (job.status, job.file.name, job.error) == ("failed", "", message)
    assert f"report job {job.pk}: its file" in caplog.text
    assert reverse("reports:download", args=[job.pk]) not in listing.content.decode()
    assert message in page.content.decode()
    assert reverse("reports:download", args=[job.pk]) not in page.content.decode()
    assert download.status_code == 404
    assert (api["status"], api["download_url"], api["error"]) == ("failed", None, message)
    with django_capture_on_commit_callbacks(execute=True):
        again = ledger(world)
    again.refresh_from_db()
    assert again.pk != job.pk and again.is_downloadable


def test_a_worker_run_keeps_its_temporary_files_in_its_own_folder(
    world, private_media, monkeypatch
):
    import tempfile

    seen = []
    job = report_request(kind=ReportKind.PORTFOLIO_XLSX, parameters={}, by=world.officer)
    real = services.KINDS[job.kind].generate

    def watching(ctx, path):
        seen.append(tempfile.gettempdir())
        real(ctx, path)

    spec = services.KINDS[job.kind]
    monkeypatch.setitem(
        services.KINDS, job.kind, spec.__class__(**{**spec.__dict__, "generate": watching})
    )

    assert services.report_generate(job.pk, in_worker=True) == "succeeded"
    job.refresh_from_db()
    assert seen == [str(storage.temp_folder(job.pk, job.run_token))]
    assert tempfile.gettempdir() != seen[0]  # given back
    assert sorted(p.name for p in (private_media / "reports").iterdir()) == [
        job.file.name.split("/")[1]
    ]
