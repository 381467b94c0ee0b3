"""Every transition of §3 as `POST /api/v1/plans/{id}/<transition>/`: allowed, wrong role
(403), another organization (404), bad body (400) and wrong state (409), each refusal
leaving the plan exactly as it was."""

from dataclasses import dataclass, field

import pytest

from plans.models import PlanStatus as S
from plans.models import TransitionLog
from plans.services import PLAN_ACTIONS
from tests.plans.support import snapshot

from .support import error

# A plan of each status the tests start from, built once with the module's world.
pytestmark = pytest.mark.prebuilt(
    S.DRAFT,
    S.SUBMITTED,
    S.SCREENING,
    S.REVISION_REQUESTED,
    S.APPRAISAL,
    S.COMMITTEE,
    S.APPROVED,
    S.ACTIVE,
    S.SUSPENDED,
    S.MONITORING,
)

REASON = {"comment": "Explained to the organization."}


@dataclass
class Case:
    action: str
    start: str
    actor: str
    target: str
    wrong_role: str
    wrong_state: str
    body: dict = field(default_factory=dict)
    prepare: str | None = None  # a builder step that makes the guard pass


CASES = [
    Case("submit", S.DRAFT, "producer", S.SUBMITTED, "officer", S.SUBMITTED),
    Case("start-screening", S.SUBMITTED, "officer", S.SCREENING, "producer", S.DRAFT),
    Case(
        "pass-screening", S.SCREENING, "officer", S.APPRAISAL, "producer", S.SUBMITTED,
        prepare="screen",
    ),
    Case("fail-screening", S.SCREENING, "officer", S.REJECTED, "committee", S.SUBMITTED, REASON),
    Case(
        "request-revision", S.SCREENING, "officer", S.REVISION_REQUESTED, "producer", S.DRAFT,
        REASON,
    ),
    Case("resubmit", S.REVISION_REQUESTED, "producer", S.SUBMITTED, "officer", S.DRAFT),
    Case(
        "complete-appraisal", S.APPRAISAL, "officer", S.COMMITTEE, "committee", S.SCREENING,
        prepare="appraise",
    ),
    Case(
        "approve", S.COMMITTEE, "committee", S.APPROVED, "officer", S.APPRAISAL,
        {"approved_grant": "14000000", "conditions": "Quarterly reports"},
    ),
    Case("reject", S.COMMITTEE, "committee", S.REJECTED, "officer", S.APPRAISAL, REASON),
    Case("withdraw", S.DRAFT, "producer", S.WITHDRAWN, "ta", S.APPROVED),
    Case(
        "sign-agreement", S.APPROVED, "officer", S.ACTIVE, "committee", S.COMMITTEE,
        prepare="agree",
    ),
    Case("suspend", S.ACTIVE, "officer", S.SUSPENDED, "finance", S.DRAFT, REASON),
    Case("resume", S.SUSPENDED, "officer", S.ACTIVE, "producer", S.ACTIVE),
    Case("cancel", S.ACTIVE, "officer", S.CANCELLED, "committee", S.DRAFT, REASON),
    Case("complete", S.MONITORING, "me_officer", S.COMPLETED, "officer", S.ACTIVE, REASON),
]  # fmt: skip


def test_every_transition_of_the_workflow_has_an_endpoint():
    assert sorted(c.action for c in CASES) == sorted(n.replace("_", "-") for n in PLAN_ACTIONS)


def url(plan, action: str) -> str:
    return f"/api/v1/plans/{plan.pk}/{action}/"


def build(world, case: Case, state: str):
    plan = world.build(state)
    if case.prepare and state == case.start:
        plan = world.builder.step(plan, case.prepare, world.producer)
    return plan


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action)
def test_transition_refused_then_allowed(api, world, case):
    plan = build(world, case, case.start)
    before = snapshot(plan)

    # Another organization's plan does not exist for the producer of B.
    response = api(world.producer_b).post(url(plan, case.action), case.body, format="json")
    assert response.status_code == 404
    assert snapshot(plan) == before

    # A persona who sees the plan but does not hold the role.
    wrong = getattr(world, case.wrong_role)
    response = api(wrong).post(url(plan, case.action), case.body, format="json")
    assert response.status_code == 403, response.json()
    assert error(response)["detail"].startswith("Only a ")
    assert snapshot(plan) == before

    actor = getattr(world, case.actor)
    if case.body.get("comment"):  # a reason is required: none given is bad input
        response = api(actor).post(url(plan, case.action), {"comment": "  "}, format="json")
        assert response.status_code == 400
        assert error(response)["fields"] == {"comment": ["Give a reason."]}
        assert snapshot(plan) == before

    response = api(actor).post(url(plan, case.action), case.body, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == plan.pk
    assert body["status"] == case.target
    plan.refresh_from_db()
    assert plan.status == case.target
    log = TransitionLog.objects.filter(object_id=plan.pk).latest("id")
    assert (log.transition, log.from_state, log.to_state, log.actor) == (
        case.action.replace("-", "_"),
        case.start,
        case.target,
        actor,
    )
    assert log.comment == case.body.get("comment", "")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action)
def test_transition_from_the_wrong_state_is_409(api, world, case):
    plan = build(world, case, case.wrong_state)
    before = snapshot(plan)
    actor = getattr(world, case.actor)
    response = api(actor).post(url(plan, case.action), case.body, format="json")
    assert response.status_code == 409, response.json()
    assert error(response)["detail"].endswith(
        f"is not possible for a plan at the “{plan.get_status_display()}” stage."
    )
    assert snapshot(plan) == before


def test_approve_records_the_grant_and_conditions(api, world):
    plan = world.build(S.COMMITTEE)
    response = api(world.committee).post(
        url(plan, "approve"),
        {"approved_grant": "12500000", "conditions": "Quarterly reports"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["approved_grant"], body["approval_conditions"]) == (
        "12500000.00",
        "Quarterly reports",
    )
    assert plan.commitment.amount == 12500000


@pytest.mark.parametrize(
    ("grant", "message"),
    [
        ("0", "Enter an amount greater than zero."),
        ("14000000.50", "XOF amounts cannot be finer than its minor unit."),
        (
            "15000000",
            "The approved grant (XOF\u00a015,000,000) is above the grant requested "
            "(XOF\u00a014,000,000).",
        ),
    ],
)
def test_approve_with_a_bad_grant_is_400_and_changes_nothing(api, world, grant, message):
    plan = world.build(S.COMMITTEE)
    before = snapshot(plan)
    response = api(world.committee).post(
        url(plan, "approve"), {"approved_grant": grant}, format="json"
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"approved_grant": [message]}
    assert snapshot(plan) == before


def test_approve_without_a_grant_or_with_garbage_is_400(api, world):
    plan = world.build(S.COMMITTEE)
    before = snapshot(plan)
    client = api(world.committee)
    response = client.post(url(plan, "approve"), {}, format="json")
    assert error(response)["fields"] == {"approved_grant": ["This field is required."]}
    response = client.post(url(plan, "approve"), {"approved_grant": "NaN"}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {"approved_grant": ["A valid number is required."]}
    assert snapshot(plan) == before


def test_a_guard_refusal_is_409_with_its_reasons(api, world):
    plan = world.build(S.SCREENING)  # no screening checklist recorded
    before = snapshot(plan)
    response = api(world.officer).post(url(plan, "pass-screening"), {}, format="json")
    assert response.status_code == 409
    assert error(response) == {
        "detail": "Record the screening checklist first.",
        "reasons": ["Record the screening checklist first."],
        "fields": {},
    }
    assert snapshot(plan) == before


def test_regional_officer_of_another_region_gets_404(api, world):
    plan = world.build(S.SUBMITTED)  # organization A, region A
    before = snapshot(plan)
    response = api(world.regional_officer).post(url(plan, "start-screening"), format="json")
    assert response.status_code == 404
    assert snapshot(plan) == before


def test_funder_is_read_only(api, world):
    plan = world.build(S.SUBMITTED)
    before = snapshot(plan)
    client = api(world.funder_user)
    assert client.get(f"/api/v1/plans/{plan.pk}/").status_code == 200
    response = client.post(url(plan, "start-screening"), format="json")
    assert response.status_code == 403
    assert snapshot(plan) == before


def test_an_unknown_transition_is_404(api, world):
    plan = world.build()
    response = api(world.producer).post(url(plan, "finish-disbursement"), format="json")
    assert response.status_code == 404
