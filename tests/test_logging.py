"""Structured logs (core/log_context.py): every response has an X-Request-ID, and every
record carries the request id, the signed-in user's id and the Celery task's id, written
as one JSON line by the production formatter; nothing stays behind after a request."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import re

import pytest
from celery import shared_task
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from core.log_context import current_fields, job_id_var, log_context, request_id_var
from tests.alliances.support import url, zip_bytes
from tests.factories import OrganizationFactory, UserFactory, member_of
from tests.test_deployment import run_python

NEW_ID = re.compile(r"[0-9a-f]{32}")
# A workbook openpyxl cannot open: the roster import logs it (alliances/roster.py).
DAMAGED_XLSX = zip_bytes({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"?"})
JSON_KEYS = {"timestamp", "level", "logger", "message", "request_id", "user_id", "job_id"}

logger = logging.getLogger(__name__)


@shared_task
def log_a_line(word: str) -> str:
    logger.info("task says %s", word)
    return word


@shared_task
def log_around_another_task() -> None:
    log_a_line.delay("inner")
    logger.info("outer goes on")


@pytest.fixture
def json_log(caplog):
    """The production handler: settings.LOGGING's context filter and JSON formatter on a
    handler of the root logger. Returns a function giving the lines written so far, each
    parsed as one JSON object."""
    caplog.set_level(logging.INFO)
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    config = configurator.config
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(configurator.configure_filter(config["filters"]["context"]))
    handler.setFormatter(configurator.configure_formatter(config["formatters"]["json"]))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def line_saying(lines: list[dict], start: str) -> dict:
    found = [line for line in lines if line["message"].startswith(start)]
    assert len(found) == 1, lines
    return found[0]


# --- the X-Request-ID header -------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_has_a_new_request_id(client):
    first = client.get(reverse("login"))
    second = client.get(reverse("login"))
    assert first.status_code == 200
    assert NEW_ID.fullmatch(first["X-Request-ID"])
    assert NEW_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize("sane", ["abc-123_X.y", "0" * 64, "f47ac10b-58cc-4372-a567-0e02b2c3d479"])
def test_a_sane_incoming_request_id_is_sent_back(client, sane):
    response = client.get(reverse("login"), headers={"X-Request-ID": sane})
    assert response["X-Request-ID"] == sane


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 65,  # too long
        "abc\ndef",
        "abc def",
        'abc"}, {"level": "ERROR',
        "abc;def",
        "",
    ],
)
def test_a_hostile_incoming_request_id_is_replaced(client, hostile):
    response = client.get(reverse("login"), headers={"X-Request-ID": hostile})
    assert NEW_ID.fullmatch(response["X-Request-ID"])


# --- records made during a request -------------------------------------------------------


@pytest.fixture
def producer(db):
    org = OrganizationFactory(name="Coop A")
    return member_of(UserFactory(username="producer"), Role.PRODUCER, producer_organization=org)


def test_a_record_in_a_signed_in_request_is_one_json_line_with_its_ids(client, producer, json_log):
    client.force_login(producer)
    org = producer.memberships.get().producer_organization
    response = client.post(
        url("roster-upload", org.pk),
        {"file": SimpleUploadedFile("roster.xlsx", DAMAGED_XLSX)},
        headers={"X-Request-ID": "upload-42"},
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "upload-42"

    line = line_saying(json_log(), "Unreadable XLSX roster")
    assert set(line) >= JSON_KEYS
    assert line["level"] == "INFO"
    assert line["logger"] == "alliances.roster"
    assert line["request_id"] == "upload-42"
    assert line["user_id"] == producer.pk
    assert line["job_id"] is None


def test_a_sign_in_during_the_request_counts(client, producer, json_log, caplog):
    caplog.set_level(logging.INFO, logger="axes")  # logs a successful sign-in at INFO
    response = client.post(
        reverse("login"), {"username": "producer", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302

    line = line_saying(json_log(), "AXES: Successful login")
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == producer.pk


def test_the_not_found_record_logged_after_the_middleware_carries_the_ids(
    client, producer, json_log
):
    client.force_login(producer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404

    line = line_saying(json_log(), "Not Found: /no-such-page/")
    assert line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == producer.pk


def test_nothing_leaks_into_the_next_request(client, producer, json_log):
    client.force_login(producer)
    client.get(reverse("login"), headers={"X-Request-ID": "first-request"})
    assert request_id_var.get() is None
    assert current_fields() == {"request_id": None, "user_id": None, "job_id": None}
    logger.warning("between requests")

    client.logout()
    second = client.get("/no-such-page/")

    lines = json_log()
    between = line_saying(lines, "between requests")
    assert (between["request_id"], between["user_id"]) == (None, None)
    not_found = line_saying(lines, "Not Found: /no-such-page/")
    assert not_found["request_id"] == second["X-Request-ID"] != "first-request"
    assert not_found["user_id"] is None


# --- Celery tasks and bound fields -------------------------------------------------------


def test_a_task_logs_with_its_id(json_log):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    result = log_a_line.delay("hello")

    line = line_saying(json_log(), "task says hello")
    assert line["job_id"] == result.id
    assert line["task_name"] == "tests.test_logging.log_a_line"
    assert line["request_id"] is None
    assert job_id_var.get() is None


def test_a_task_run_inside_another_gives_the_outer_id_back(json_log):
    outer = log_around_another_task.delay()

    lines = json_log()
    inner = line_saying(lines, "task says inner")
    after = line_saying(lines, "outer goes on")
    assert inner["job_id"] not in (None, outer.id)
    assert after["job_id"] == outer.id
    assert after["task_name"] == "tests.test_logging.log_around_another_task"


def test_log_context_binds_fields_for_a_block(json_log):
    with log_context(report_job=7):
        with log_context(job_id="job-1", report_kind="fact_sheet"):
            logger.warning("inside")
        logger.warning("outer block")
    logger.warning("outside")

    lines = json_log()
    inside = line_saying(lines, "inside")
    assert (inside["report_job"], inside["report_kind"], inside["job_id"]) == (
        7,
        "fact_sheet",
        "job-1",
    )
    outer = line_saying(lines, "outer block")
    assert (outer["report_job"], outer["job_id"], "report_kind" in outer) == (7, None, False)
    assert "report_job" not in line_saying(lines, "outside")


def test_log_context_refuses_the_names_of_record_attributes():
    with pytest.raises(ValueError, match="message, name"), log_context(name="x", message="y"):
        pass
    assert current_fields() == {"request_id": None, "user_id": None, "job_id": None}


# --- the format the settings choose ------------------------------------------------------

# What production must set (nothing is reached: the cache is only named).
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k" * 60, "CACHE_URL": "redis://redis:6379/1"}
LOG_A_LINE = """
import django, logging
django.setup()
from core.log_context import log_context
with log_context(report_job=3):
    logging.getLogger("reports.services").warning("report %s ready", 3)
"""


def test_production_logs_are_json_lines():
    result = run_python(LOG_A_LINE, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert {key: line[key] for key in line if key != "timestamp"} == {
        "level": "WARNING",
        "logger": "reports.services",
        "message": "report 3 ready",
        "request_id": None,
        "user_id": None,
        "job_id": None,
        "report_job": 3,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", line["timestamp"])


def test_development_logs_are_text_with_the_ids_that_are_set():
    result = run_python(LOG_A_LINE, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(" WARNING reports.services [report_job=3] report 3 ready")
    )


def test_log_format_overrides_the_default_and_must_be_known():
    text = run_python(LOG_A_LINE, **PRODUCTION, LOG_FORMAT="text")
    assert text.stderr.strip().splitlines()[-1].endswith("[report_job=3] report 3 ready")
    unknown = run_python(LOG_A_LINE, LOG_FORMAT="yaml")
    assert unknown.returncode != 0
    assert "LOG_FORMAT must be json or text." in unknown.stderr
