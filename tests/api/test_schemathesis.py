"""Property-based checks of the live API against its own OpenAPI schema (schemathesis).

The schema is the one served at /api/schema/. For every operation, a bounded number of
requests is generated with generated path ids (mostly unknown objects), then with the ids
of real objects in the states the operation acts on, sent by the persona who acts there
(so that the services' own checks run too), then with data that breaks the schema. Then
every persona of the `world` fixture sends a few requests of its own to each operation on
the same real objects (one drawn case sent by each persona in turn, so that the cost of
drawing it is paid once). Requests go in-process to the WSGI application; each one runs in a
savepoint that is rolled back, so every request meets the same data. No request may get a
server error, and every response must conform to the schema: a documented status code,
the documented content type and a body that validates.
"""

import contextlib
import re
import zlib

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from funding import services as money
from funding.agreements import agreement_draft, agreement_send
from plans import services, workflow
from plans.models import PlanStatus
from tests.api.parity_objects import parity_ids, parity_objects
from tests.factories import attach_evidence

pytestmark = pytest.mark.heavy

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 6  # per operation and per kind of path ids, sent by the acting persona
PERSONA_EXAMPLES = 1  # per operation and kind of data, each sent by all 14 personas
# Every persona of the `world` fixture (tests/conftest.py).
PERSONAS = [
    "producer", "producer_b", "buyer_user", "ta", "officer", "regional_officer", "appraiser",
    "appraiser2", "committee", "finance", "finance2", "me_officer", "funder_user", "outsider",
]  # fmt: skip


@contextlib.contextmanager
def connection_kept_open():
    """Requests sent straight to the WSGI application keep the test's database connection
    open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def in_process(monkeypatch):
    """Requests sent straight to the WSGI application, as Django's test client sends
    them: the test's database connection stays open, and no throttle gets in the way."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "auth": None}
    )
    with connection_kept_open():
        yield


def _draft_agreement(world, plan):
    return agreement_draft(
        alliance=plan.alliance,
        by=world.producer,
        product=world.product,
        unit="kg",
        annual_volume=100,
        unit_price=250,
        duration_months=12,
    )


@pytest.fixture
def world(module_world, db):
    """One world for the module: its tests only send requests, each rolled back."""
    return module_world


@pytest.fixture
def _private_media():
    """The files of the module's world stay in its folder (conftest `module_world`)."""


@pytest.fixture(scope="module")
def objects(module_world, django_db_blocker):
    """Real objects in the states each operation acts on, by path parameter, built once
    for the module in its world's transaction."""
    with django_db_blocker.unblock():
        return _objects(module_world)


def _objects(world):
    plans = {state: world.build(state) for state in (
        PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.SCREENING, PlanStatus.APPRAISAL,
        PlanStatus.COMMITTEE, PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.SUSPENDED,
    )}  # fmt: skip
    plans[PlanStatus.REVISION_REQUESTED] = world.build(
        PlanStatus.REVISION_REQUESTED, org=world.org_b
    )
    appraisal = services.appraisal_assign(
        plan=plans[PlanStatus.APPRAISAL], appraiser=world.appraiser, by=world.officer
    )
    draft_agreement = _draft_agreement(world, plans[PlanStatus.DRAFT])
    sent_agreement = agreement_send(
        agreement=_draft_agreement(world, plans[PlanStatus.SUBMITTED]), by=world.producer
    )
    # Tranches of active alliances in each state before payment, and one payment.
    active = [plans[PlanStatus.ACTIVE]] + [world.build(PlanStatus.ACTIVE) for _ in range(4)]
    tranches = [plan.commitment.tranches.get(number=1) for plan in active]
    steps = [
        (money.tranche_request, world.producer),
        (money.tranche_verify, world.officer),
        (money.tranche_authorize, world.finance),
    ]
    for tranche in tranches[1:]:
        attach_evidence(tranche, by=world.producer)
    for count, tranche in enumerate(tranches[1:], start=1):
        for step, user in steps[: min(count, 3)]:
            step(tranche=tranche, by=user)
    payment = money.tranche_pay(
        tranche=tranches[4],
        by=world.finance2,
        amount=tranches[4].amount,
        paid_on=tranches[4].planned_date,
        reference="SCHEMA-1",
    )
    return {
        "plans": plans,
        "appraisal": appraisal,
        "draft_agreement": draft_agreement,
        "sent_agreement": sent_agreement,
        "planned": tranches[0],
        "requested": tranches[1],
        "verified": tranches[2],
        "authorized": tranches[3],
        "payment": payment,
        "organization": world.org_a,
        **parity_objects(world, plans),
    }


def known_ids(path: str, method: str, objects) -> tuple[dict, str]:
    """Path ids of real objects for this operation, and the persona that acts there."""
    plans = objects["plans"]
    action = path.rstrip("/").rsplit("/", 1)[-1]
    draft = plans[PlanStatus.DRAFT]
    found = parity_ids(path, method, objects)
    if found is not None:
        return found
    if path.startswith(("/api/v1/plans/{id}/budget-lines/", "/api/v1/plans/{id}/cash-flows/")):
        line = draft.current_version.budget_lines.first()
        return {"id": draft.pk, "line_id": line.pk}, "producer"
    if action == "current-version":
        return {"id": draft.pk}, "producer"
    if path.startswith("/api/v1/plans/{id}/"):
        name = action.replace("-", "_")
        transitions = workflow.transitions_named(name)
        if transitions:
            states = sorted(transitions[0].sources)
            plan = next((plans[s] for s in states if s in plans), plans[PlanStatus.DRAFT])
            roles = sorted(transitions[0].roles)
            actor = {
                "producer": "producer",
                "committee_member": "committee",
                "me_officer": "me_officer",
            }.get(roles[0] if roles else "", "officer")
            return {"id": plan.pk}, actor
        plan = {
            "screening": plans[PlanStatus.SCREENING],
            "appraisals": plans[PlanStatus.APPRAISAL],
        }.get(action, plans[PlanStatus.ACTIVE])
        return {"id": plan.pk}, "officer"
    if path.startswith("/api/v1/alliances/{id}/"):
        return {"id": plans[PlanStatus.APPROVED].alliance_id}, "officer"
    if path.startswith("/api/v1/appraisals/{id}/"):
        return {"id": objects["appraisal"].pk}, "appraiser"
    if path.startswith("/api/v1/purchase-agreements/{id}/"):
        if action in ("confirm", "decline"):
            return {"id": objects["sent_agreement"].pk}, "buyer_user"
        return {"id": objects["draft_agreement"].pk}, "producer"
    if path.startswith("/api/v1/tranches/{id}/"):
        tranche, actor = {
            "request": ("planned", "producer"),
            "evidence": ("planned", "producer"),
            "verify": ("requested", "officer"),
            "authorize": ("verified", "finance"),
            "pay": ("authorized", "finance2"),
        }.get(action, ("authorized", "officer"))
        return {"id": objects[tranche].pk}, actor
    if path.startswith("/api/v1/disbursements/{id}/"):
        return {"id": objects["payment"].pk}, "finance"
    if path.startswith("/api/v1/producer-organizations/{id}/"):
        return {"id": objects["organization"].pk}, "producer"
    if method == "POST" and path in ("/api/v1/plans/", "/api/v1/purchase-agreements/"):
        return {}, "producer"
    return {}, "officer"


def run_operation(operation, strategy, tokens: dict, *, examples=EXAMPLES, seed=None) -> None:
    """Draw `examples` cases of `strategy`; each is sent once per token ({who: token}),
    every request in a savepoint rolled back after it. Failures name who sent the case."""

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        # The same examples on every run, so that a CI failure reproduces here: derived
        # from the test, or from the given seed.
        derandomize=seed is None,
        database=None,  # no example database written into the work tree
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        failed = []
        for who, token in tokens.items():
            with transaction.atomic():  # every request meets the same data
                try:
                    # Identity: the WSGI transport does not undo GZipMiddleware's compression.
                    headers = {"Authorization": f"Token {token}", "Accept-Encoding": "identity"}
                    case.call_and_validate(headers=headers, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:
                    failed.append(f"as {who}: {exc}")
                finally:
                    transaction.set_rollback(True)
        if failed:
            raise AssertionError("\n".join(failed))

    if seed is not None:
        check = hypothesis.seed(seed)(check)
    check()


def run_strategies(operation, strategies, failures, **options) -> None:
    """Run each (strategy, tokens, is_negative); failures are collected, not raised."""
    for strategy, tokens, is_negative in strategies:
        try:
            run_operation(operation, strategy, tokens, **options)
        except Unsatisfiable:
            # Nothing to break: an operation with no body or query beyond the pinned ids.
            assert is_negative, operation.label
        except (Exception, BaseExceptionGroup) as exc:  # all reported together below
            message = re.sub(r"\s+", " ", str(exc))[:2000]
            failures.append(f"{operation.label}: {message}")


@pytest.fixture(scope="module")
def operations(django_db_setup, django_db_blocker):
    """The schema's operations, loaded once for the module."""
    with django_db_blocker.unblock(), connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 60
    return found


def pinned_ids(operation, objects) -> tuple[dict, str]:
    ids, persona = known_ids(operation.path, operation.method.upper(), objects)
    return {k: v for k, v in ids.items() if v is not None and f"{{{k}}}" in operation.path}, persona


def breakable(operation, ids: dict) -> bool:
    """Whether data that breaks the schema can be made: a query, a body or a path id that
    is not pinned (Hypothesis takes a second or more to find out that it cannot)."""
    return (
        len(operation.body) > 0
        or len(operation.query) > 0
        or any(p.name not in ids for p in operation.path_parameters)
    )


def test_api_conforms_to_its_schema(world, objects, in_process, operations):
    """Each operation sent by the persona who acts there, with EXAMPLES of each kind."""
    tokens = {"officer": Token.objects.create(user=world.officer).key}
    failures = []
    for operation in operations:
        ids, persona = pinned_ids(operation, objects)
        user = getattr(world, persona)
        if persona not in tokens:
            tokens[persona] = Token.objects.get_or_create(user=user)[0].key
        officer = {"officer": tokens["officer"]}
        acting = {persona: tokens[persona]}
        strategies = [(operation.as_strategy(), officer, False)]
        if ids or persona != "officer":
            strategies.append((operation.as_strategy(path_parameters=ids), acting, False))
        # Data that breaks the schema must get a 4xx with the error shape, never a 500.
        if breakable(operation, ids):
            negative = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids)
            strategies.append((negative, acting, True))
        run_strategies(operation, strategies, failures)
    assert failures == []


def test_every_persona_gets_answers_that_conform(world, objects, in_process, operations):
    """Each operation on the same real objects, sent by each persona of the `world`
    fixture (most are refused: 403, 404, 409), with PERSONA_EXAMPLES of valid and of
    schema-breaking data: each case drawn once and sent by every persona in turn."""
    tokens = {who: Token.objects.create(user=getattr(world, who)).key for who in PERSONAS}
    failures = []
    for operation in operations:
        ids, _actor = pinned_ids(operation, objects)
        strategies = [(operation.as_strategy(path_parameters=ids), tokens, False)]
        if breakable(operation, ids):
            negative = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids)
            strategies.append((negative, tokens, True))
        run_strategies(
            operation, strategies, failures, examples=PERSONA_EXAMPLES, seed=zlib.crc32(b"personas")
        )
    assert failures == []
