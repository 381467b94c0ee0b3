"""`GET /api/v1/iati/activities/?program=<id>` (DESIGN §10): the report kind's bytes, made in
the request, for the portfolio's readers only; 400, 403 and 404 in the API's error shape;
a fixed number of queries; declared in the schema with its media type."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from plans.models import PlanStatus
from reports.models import ReportJob, ReportKind
from reports.services import report_request
from tests.api.support import served_schema
from tests.factories import ProgramFactory, UserFactory, member_of, pay_tranche
from tests.reports.support import build_portfolio
from tests.reports.test_iati import activities, valid_iati

pytestmark = [pytest.mark.django_db, pytest.mark.prebuilt(PlanStatus.ACTIVE)]
URL = "/api/v1/iati/activities/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def portfolio(world):
    return build_portfolio(world)


def test_the_endpoint_answers_the_report_kinds_file(
    api, world, portfolio, django_capture_on_commit_callbacks
):
    # Made a moment apart, the two files differ only by their time of generation.
    with mock.patch("reports.generators.iati.generated_at", return_value="2026-06-01T10:00:00"):
        response = api(world.funder_user).get(URL, {"program": world.program.pk})
        with django_capture_on_commit_callbacks(execute=True):
            job = report_request(
                kind=ReportKind.IATI_ACTIVITIES_XML,
                parameters={"program": world.program.pk},
                by=world.funder_user,
            )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        f'inline; filename="iati-activities-{world.program.code.lower()}-'
        f'{timezone.localdate()}.xml"'
    )
    data = body(response)
    job.refresh_from_db()
    with job.file.open("rb") as f:
        assert data == f.read()  # the same bytes as the report kind
    root = valid_iati(data)
    assert list(activities(root)) == [
        f"XX-ALLIANCES-{portfolio.active.alliance.code}",
        f"XX-ALLIANCES-{portfolio.monitoring.alliance.code}",
    ]
    assert ReportJob.objects.count() == 1  # the request made no job of its own


def test_a_client_that_accepts_xml_only_gets_the_file_and_errors_as_json(api, world, portfolio):
    client = api(world.officer)
    response = client.get(URL, {"program": world.program.pk}, HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    valid_iati(body(response))
    response = client.get(URL, HTTP_ACCEPT="application/xml")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "This report needs “program”: the id of the object it is about."),
        ({"program": ""}, "Give the id of the object, a whole number."),
        ({"program": "abc"}, "Give the id of the object, a whole number."),
        ({"program": "0"}, "Give the id of the object, a whole number."),
        ({"program": "99999999999999999999"}, "Give the id of the object, a whole number."),
    ],
)
def test_without_a_valid_programme_it_is_a_400(api, world, query, message):
    response = api(world.officer).get(URL, query)
    assert response.status_code == 400
    assert response.json() == {
        "detail": message,
        "reasons": [message],
        "fields": {"program": [message]},
    }


def test_a_programme_one_cannot_see_is_a_404(api, world, portfolio):
    other = ProgramFactory()
    other_funder = member_of(
        UserFactory(username="other_funder"), Role.FUNDER, funder=other.fundings.get().funder
    )
    message = "There is no programme with this id that you can see."
    expected = {
        "detail": message,
        "reasons": [message],
        "fields": {"program": ["No such programme."]},
    }
    response = api(other_funder).get(URL, {"program": world.program.pk})
    assert (response.status_code, response.json()) == (404, expected)
    response = api(world.funder_user).get(URL, {"program": other.pk})
    assert (response.status_code, response.json()) == (404, expected)
    response = api(world.officer).get(URL, {"program": other.pk + 1000})
    assert (response.status_code, response.json()) == (404, expected)


@pytest.mark.parametrize(
    "who", ["producer", "producer_b", "buyer_user", "ta", "appraiser", "outsider"]
)
def test_only_ministry_staff_and_funders_may_read_it(api, world, who):
    response = api(getattr(world, who)).get(URL, {"program": world.program.pk})
    message = "Portfolio reports are for ministry staff and the programmes' funders."
    assert response.status_code == 403
    assert response.json() == {"detail": message, "reasons": [message], "fields": {}}


def test_anonymous_is_a_401(api, world):
    assert api().get(URL, {"program": world.program.pk}).status_code == 401


def test_a_regional_officer_gets_its_regions_alliances(api, world, portfolio):
    response = api(world.regional_officer).get(URL, {"program": world.program.pk})
    assert response.status_code == 200
    root = valid_iati(body(response))
    assert list(activities(root)) == [f"XX-ALLIANCES-{portfolio.monitoring.alliance.code}"]


def _count(api, user, program) -> tuple[int, int]:
    client = api(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"program": program.pk})
        data = body(response)
    assert response.status_code == 200
    return len(queries), len(valid_iati(data))


def test_the_number_of_queries_does_not_grow_with_the_alliances(api, world, portfolio):
    few_queries, few = _count(api, world.funder_user, world.program)
    for org in (world.org_a, world.org_b, world.org_b):
        plan = world.build(PlanStatus.ACTIVE, org=org)
        producer = world.producer if org == world.org_a else world.producer_b
        pay_tranche(world, plan.commitment.tranches.get(number=1), producer=producer,
                    reference=f"IATI-{plan.pk}")  # fmt: skip
    many_queries, many = _count(api, world.funder_user, world.program)
    assert (few, many) == (2, 5)
    assert many_queries == few_queries


def test_the_schema_declares_the_endpoint_with_its_media_type(client, db):
    schema = served_schema(client)
    operation = schema["paths"][URL]["get"]
    assert set(schema["paths"][URL]) == {"get"}
    assert list(operation["responses"]["200"]["content"]) == ["application/xml"]
    assert operation["responses"]["404"]["content"]["application/json"]
    [parameter] = operation["parameters"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("program", "query", True)
    assert parameter["schema"]["type"] == "integer"
