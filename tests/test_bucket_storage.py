"""Media in an S3-compatible bucket (MEDIA_S3_BUCKET): reports are written, published,
downloaded and found missing; plan documents are uploaded and downloaded; /healthz/
checks the bucket. A local S3 server (moto) stands in for the bucket: nothing leaves the
machine."""

import socket

import boto3
import pytest
from django.core.files.storage import storages
from django.urls import reverse
from moto.server import ThreadedMotoServer

from plans.models import PlanDocument, PlanStatus
from reports import storage
from reports.models import ReportKind
from reports.services import report_request
from tests.test_health import get_healthz

pytestmark = pytest.mark.django_db

BUCKET = "alliances-media"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    """The media storage is the bucket, as with MEDIA_S3_BUCKET set."""
    keys = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "default_acl": "private",
                "file_overwrite": False,
                **keys,
            },
        },
    }
    settings.REPORT_WORK_DIR = tmp_path / "work"
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_a_report_is_published_to_the_bucket_and_downloaded_from_it(
    world, client, bucket, settings, django_capture_on_commit_callbacks
):
    assert not storage.is_local()
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance
        )
    job.refresh_from_db()

    assert job.is_downloadable
    assert keys(bucket) == [job.file.name]
    assert list((settings.REPORT_WORK_DIR).iterdir()) == []  # part file uploaded, removed
    client.force_login(world.finance)
    response = client.get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.startswith("Alliance code,Alliance,")
    assert response["Content-Disposition"].startswith('attachment; filename="disbursement-ledger')


def test_a_report_whose_object_is_gone_from_the_bucket_is_failed(
    world, client, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance
        )
    job.refresh_from_db()
    bucket.delete_object(Bucket=BUCKET, Key=job.file.name)
    client.force_login(world.finance)

    response = client.get(reverse("reports:download", args=[job.pk]))

    assert response.status_code == 404
    job.refresh_from_db()
    assert (job.status, job.file.name) == ("failed", "")


def test_a_plan_document_goes_to_the_bucket_and_back(world, client, bucket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    plan = world.build(PlanStatus.DRAFT)
    client.force_login(world.producer)
    upload = SimpleUploadedFile("quote.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("plan-documents", args=[plan.pk]),
        {"kind": "quotation", "title": "Quote", "file": upload},
    )
    assert response.status_code == 302
    document = PlanDocument.objects.get()
    assert keys(bucket) == [document.file.name]

    download = client.get(reverse("plan-document", args=[plan.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_healthz_checks_the_bucket(client, bucket, s3_server):
    response = get_healthz(client)
    assert response.status_code == 200
    assert response.json()["Storage(alias='default')"] == "OK"
    assert keys(bucket) == []  # the probe's file is removed again

    bucket.delete_bucket(Bucket=BUCKET)  # the bucket is gone
    storages._storages.pop("default", None)
    response = get_healthz(client)
    assert response.status_code == 500
    assert response.json()["Storage(alias='default')"] != "OK"
    assert s3_server not in response.content.decode()  # no address shown
    bucket.create_bucket(Bucket=BUCKET)  # for the fixture's cleanup
