"""Hostile bodies: a JSON document nested too deeply or too large is a 400 in the API's
error shape, refused before it is parsed (parsing a very deep one exhausts the stack),
for anonymous and signed-in callers alike; a document just within the limits still works."""

import pytest
from rest_framework.test import APIClient

from core.api_input import MAX_JSON_DEPTH, json_depth
from plans.models import BusinessPlan, PlanStatus
from tests.plans.support import snapshot

from .support import error

TOKEN = "/api/v1/auth/token/"
PLANS = "/api/v1/plans/"
TOO_DEEP = (
    "The request body is nested too deeply: at most 32 levels of arrays and objects are accepted."
)


def arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def post(client, url, body: str):
    return client.generic("POST", url, body.encode(), content_type="application/json")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}], "c": {}}', 4),
        ('["[[[", "{{{", "\\"[[[", "\\\\", {"k]": "]]]}}}"}]', 2),  # brackets in strings
        ('[[ "unterminated [[[[[[', 2),  # a parser stops at the string
        ("]]]]", 0),
        (arrays(10_000), 10_000),
        (objects(40), 40),
    ],
)
def test_depth_is_counted_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_a_deep_body_is_400_before_sign_in_and_401_where_sign_in_comes_first(world):
    anonymous = APIClient()
    for body in (arrays(10_000), objects(10_000)):
        response = post(anonymous, TOKEN, body)
        assert response.status_code == 400
        assert error(response) == {"detail": TOO_DEEP, "reasons": [TOO_DEEP], "fields": {}}
    plan = world.build(PlanStatus.DRAFT)
    before = snapshot(plan)
    # Elsewhere the caller must sign in first: the body is never read.
    assert post(anonymous, PLANS, arrays(10_000)).status_code == 401
    assert post(anonymous, f"{PLANS}{plan.pk}/submit/", arrays(10_000)).status_code == 401
    assert snapshot(plan) == before


@pytest.mark.parametrize(
    "url",
    [TOKEN, PLANS, "plan-submit", "plan-cash-flows", "reports"],
)
def test_a_deep_body_is_400_for_a_signed_in_user_and_changes_nothing(api, world, url):
    plan = world.build(PlanStatus.DRAFT)
    url = {
        "plan-submit": f"{PLANS}{plan.pk}/submit/",
        "plan-cash-flows": f"{PLANS}{plan.pk}/cash-flows/",
        "reports": "/api/v1/reports/",
    }.get(url, url)
    before = snapshot(plan)
    client = api(world.producer)
    method = "PUT" if url.endswith("cash-flows/") else "POST"
    for body in (arrays(10_000), objects(10_000), '{"comment": ' + arrays(5_000) + "}"):
        response = client.generic(method, url, body.encode(), content_type="application/json")
        assert response.status_code == 400, url
        assert error(response)["detail"] == TOO_DEEP
    assert snapshot(plan) == before
    assert BusinessPlan.objects.count() == 1


def test_a_body_at_the_depth_limit_still_works(api, world):
    plan = world.build(PlanStatus.DRAFT)
    # The body itself is one level; unknown keys are ignored.
    deepest = '{"comment": "", "extra": ' + arrays(MAX_JSON_DEPTH - 1) + "}"
    assert json_depth(deepest) == MAX_JSON_DEPTH
    client = api(world.producer)
    too_deep = '{"comment": "", "extra": ' + arrays(MAX_JSON_DEPTH) + "}"
    assert post(client, f"{PLANS}{plan.pk}/submit/", too_deep).status_code == 400
    response = post(client, f"{PLANS}{plan.pk}/submit/", deepest)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == PlanStatus.SUBMITTED


def test_brackets_inside_strings_do_not_count(api, world):
    plan = world.build(PlanStatus.DRAFT)
    body = '{"comment": "' + "[{" * 1000 + '\\"' + "]}" * 10 + '"}'
    response = post(api(world.producer), f"{PLANS}{plan.pk}/submit/", body)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == PlanStatus.SUBMITTED


def test_a_body_larger_than_the_limit_is_400(api, world, settings):
    settings.API_MAX_BODY_BYTES = 1000
    plan = world.build(PlanStatus.DRAFT)
    before = snapshot(plan)
    message = "The request body is too large: at most 1000 bytes are accepted."
    big = '{"comment": "' + "x" * 1000 + '"}'
    for client, url in [
        (APIClient(), TOKEN),
        (api(world.producer), f"{PLANS}{plan.pk}/submit/"),
    ]:
        response = post(client, url, big)
        assert response.status_code == 400
        assert error(response) == {"detail": message, "reasons": [message], "fields": {}}
    assert snapshot(plan) == before
    # Just within the limit, the body is read.
    fits = '{"comment": "' + "x" * (1000 - 15) + '"}'
    assert len(fits) == 1000
    response = post(api(world.producer), f"{PLANS}{plan.pk}/submit/", fits)
    assert response.status_code == 200, response.json()


def test_django_s_own_cap_answers_in_the_api_shape(api, world, settings):
    """A Content-Length above DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django itself, as
    the body is read: still a 400 with the API's error body."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    message = "The request body is too large: at most 500 bytes are accepted."
    response = post(APIClient(), TOKEN, '{"username": "' + "x" * 600 + '"}')
    assert response.status_code == 400
    assert error(response) == {"detail": message, "reasons": [message], "fields": {}}
