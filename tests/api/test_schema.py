"""The OpenAPI 3 description at /api/schema/ and the interactive docs at /api/docs/,
served with no outside asset."""

import re

import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

from plans.models import PlanStatus
from plans.services import PLAN_ACTIONS

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


def load_schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3_with_the_names_of_section_10(client, db):
    schema = load_schema(client)
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


def test_every_operation_is_described_and_documents_its_errors(client, db):
    schema = load_schema(client)
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
    operation = load_schema(client)["paths"]["/api/v1/tranches/{id}/evidence/"]["post"]
    assert "415" in operation["responses"]
