"""The OpenAPI 3 description at /api/schema/ and the interactive docs at /api/docs/,
served with no outside asset."""

import re
from unittest import mock

from django.contrib.staticfiles import finders
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import OpenAPIV30SpecValidator

from config.api_urls import SchemaView
from plans.models import PlanStatus
from plans.services import PLAN_ACTIONS
from tests.api.support import served_schema

COLLECTIONS = [
    "producer-organizations",
    "buyers",
    "funders",
    "programs",
    "alliances",
    "plans",
    "purchase-agreements",
    "deliveries",
    "tranches",
    "disbursements",
    "monitoring-reports",
    "indicators",
]


def test_schema_is_valid_openapi_3_with_the_names_of_section_10(client, db):
    schema = served_schema(client)
    validate_schema(schema)  # raises on anything that breaks the OpenAPI 3 specification
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for name in COLLECTIONS:
        assert "get" in paths[f"/api/v1/{name}/"], name
        assert "get" in paths[f"/api/v1/{name}/{{id}}/"], name
    for name in PLAN_ACTIONS:
        assert "post" in paths[f"/api/v1/plans/{{id}}/{name.replace('_', '-')}/"], name
    for name in ("send", "confirm", "decline"):
        assert "post" in paths[f"/api/v1/purchase-agreements/{{id}}/{name}/"]
    for name in ("request", "verify", "authorize", "pay"):
        assert "post" in paths[f"/api/v1/tranches/{{id}}/{name}/"]
    assert set(paths["/api/v1/auth/token/"]) == {"post", "delete"}


def test_the_served_schema_passes_openapi_spec_validator(client, db):
    """The check a generator's user would run first, by another implementation than
    drf-spectacular's own: OpenAPI 3.0 structure, references that resolve, path
    parameters declared for every template."""
    schema = served_schema(client)
    assert schema["openapi"] == "3.0.3"
    errors = [error.message for error in OpenAPIV30SpecValidator(schema).iter_errors()]
    assert errors == []


# The main actions an integrator calls, each shown with a request and its answer.
EXAMPLED_ACTIONS = [
    *(f"/api/v1/plans/{{id}}/{name}/" for name in ("submit", "approve", "reject")),
    *(f"/api/v1/tranches/{{id}}/{name}/" for name in ("request", "verify", "authorize", "pay")),
    *(f"/api/v1/purchase-agreements/{{id}}/{name}/" for name in ("send", "confirm", "decline")),
    *(f"/api/v1/deliveries/{{id}}/{name}/" for name in ("confirm", "dispute")),
    "/api/v1/counterpart-contributions/",
    "/api/v1/counterpart-contributions/{id}/verify/",
    "/api/v1/webhooks/",
    "/api/v1/webhooks/{id}/ping/",
    "/api/v1/monitoring-reports/{id}/submit/",
    "/api/v1/monitoring-reports/{id}/accept/",
]


def examples(schema):
    """(where, value, the schema it must meet, validator class) of every example."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            bodies = operation.get("requestBody", {}).get("content", {})
            for media, content in bodies.items():
                for name, example in content.get("examples", {}).items():
                    where = (method, path, "request", media, name)
                    yield where, example["value"], content["schema"], OAS30WriteValidator
            for code, response in operation["responses"].items():
                for media, content in (response.get("content") or {}).items():
                    for name, example in content.get("examples", {}).items():
                        where = (method, path, code, media, name)
                        yield where, example["value"], content["schema"], OAS30ReadValidator


def test_every_example_in_the_schema_meets_its_schema(client, db):
    """An example a client copies is a valid request; an answer shown is one the schema
    allows (required fields, types, enumerations, formats, `nullable`)."""
    schema = served_schema(client)
    invalid, seen = [], set()
    for where, value, subschema, validator in examples(schema):
        seen.add(where[:3])
        root = {**subschema, "components": schema["components"]}
        checker = validator(root, format_checker=validator.FORMAT_CHECKER)
        invalid += [(where, error.message) for error in checker.iter_errors(value)]
    assert invalid == []
    for path in EXAMPLED_ACTIONS:
        if "requestBody" in schema["paths"][path]["post"]:  # a ping has none
            assert ("post", path, "request") in seen, path
        assert {("post", path, "200"), ("post", path, "201"), ("post", path, "202")} & seen, path


def test_every_operation_is_described_and_documents_its_errors(client, db):
    schema = served_schema(client)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            if "requestBody" in operation:
                assert "415" in codes, (method, path)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "reasons", "fields"]
    approve = schema["paths"]["/api/v1/plans/{id}/approve/"]["post"]
    example = approve["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(example.values()))["value"]["approved_grant"] == "14000000.00"
    status = schema["components"]["schemas"]["PlanStatusEnum"]["enum"]
    assert "revision_requested" in status and "suspended" in status


def test_docs_use_only_local_static_assets_and_no_inline_script(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert len(urls) == 5  # favicon, stylesheet, two Swagger UI bundles, start-up script
    assert "//" not in "".join(urls)  # nothing from another host
    static = [u for u in urls if u.startswith("/static/")]
    assert len(static) == 4
    for url in static:
        assert finders.find(url.removeprefix("/static/")), url
    [script_url] = [u for u in urls if not u.startswith("/static/")]
    assert script_url.startswith("/api/docs/?")
    # Every <script> loads a file: no inline script for the Content-Security-Policy.
    assert re.findall(r"<script[^>]*>\s*[^<\s]", html) == []
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()


def test_a_body_without_its_media_type_is_refused_with_the_documented_415(world, client):
    """An upload sent with no `Content-Type` is refused with the error shape, and the
    schema says so, so that a generated client knows the answer."""
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.get(number=1)
    client.force_login(world.producer)
    boundary = "044fa8dc91c1bda34d12a1d26d57ee63"
    response = client.generic(
        "POST",
        f"/api/v1/tranches/{tranche.pk}/evidence/",
        f"--{boundary}\r\nn--{boundary}--\r\n".encode(),
        content_type="",
    )
    assert response.status_code == 415
    assert response.json()["detail"] == 'Unsupported media type "" in request.'
    assert not plan.documents.filter(tranche=tranche).exists()
    operation = served_schema(client)["paths"]["/api/v1/tranches/{id}/evidence/"]["post"]
    assert "415" in operation["responses"]


def test_the_schema_is_made_once_per_language_and_served_from_then_on(client, db):
    """The schema takes a second and more to make and only changes with the code: each
    process makes it once per language (`?lang=`), and serves that one in every format."""
    SchemaView._schemas.clear()
    with mock.patch.object(
        SchemaGenerator, "get_schema", autospec=True, side_effect=SchemaGenerator.get_schema
    ) as made:
        first = served_schema(client)
        assert served_schema(client) == first
        as_json = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert as_json.json() == first
        assert made.call_count == 1
        french = client.get("/api/schema/?lang=fr")
        assert french.status_code == 200
        assert made.call_count == 2
    assert french.content != client.get("/api/schema/").content
