"""The business-plan workflow of DESIGN.md §3, transition by transition, and the tranche
lifecycle of §4: allowed for the right role on its own object, refused for a wrong role
(forbidden), another organization or region (not_found), a wrong state (wrong_state), a
missing reason (invalid) and an unmet guard (conflict); a refusal changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.models import Notification, Role
from core.dates import add_months
from core.models import OutboxMessage
from funding import services as money
from funding.agreements import agreement_confirm, agreement_draft, agreement_send
from funding.models import GrantCommitment, Payment, Tranche
from funding.selectors import commitment_net_paid, tranche_net_paid
from funding.services import legalization_check_record
from plans import services, workflow
from plans.models import (
    BudgetLine,
    CashFlowRow,
    CommitteeDecision,
    PlanStatus,
    TransitionLog,
)
from plans.workflow import check_plan_transition
from tests.factories import PlanBuilder, UserFactory, attach_evidence, member_of
from tests.plans.support import authorize, pay, refused, snapshot, tranches_of

D = Decimal
S = PlanStatus
# A plan of each status the tests start from, built once with the module's world.
pytestmark = pytest.mark.prebuilt(
    S.DRAFT, S.SUBMITTED, S.SCREENING, S.REVISION_REQUESTED, S.APPRAISAL, S.COMMITTEE,
    S.APPROVED, S.ACTIVE, S.SUSPENDED, S.MONITORING,
)  # fmt: skip
XOF = "XOF\u00a0"  # how core/formats.py writes the CFA franc in English


@pytest.fixture
def w(world):
    """The personas, plus staff of the right role but scoped to the other region."""
    world.committee_b = member_of(
        UserFactory(username="committee_b"), Role.COMMITTEE_MEMBER, regions=[world.region_b]
    )
    world.me_b = member_of(UserFactory(username="me_b"), Role.ME_OFFICER, regions=[world.region_b])
    return world


def build(w, status, *steps, org=None):
    """A plan in `status`, then the extra `PlanBuilder` steps (screen, appraise, agree)."""
    plan = w.build(status) if org is None else w.build(status, org=org)
    builder = PlanBuilder(w)
    producer = w.producer if org in (None, w.org_a) else w.producer_b
    for step in steps:
        plan = builder.step(plan, step, producer)
    return plan


def fire(name, plan, by, comment="Checked.", **params):
    return services.PLAN_ACTIONS[name](plan=plan, by=by, comment=comment, **params)


def logs_of(plan):
    return TransitionLog.objects.filter(alliance=plan.alliance).order_by("id")


# --- the state table, one row per transition ------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    source: str
    steps: tuple[str, ...]  # PlanBuilder steps needed once in `source`
    actor: str  # persona with the role, on its own object
    target: str
    wrong_role: str  # persona who sees the alliance but may not fire
    forbidden: str
    out_of_scope: str  # persona with a role, on another organization or region
    wrong_state: str
    wrong_state_message: str
    params: dict = field(default_factory=dict)


PO = "producer organization representative or technical assistance provider"
PROG = "programme officer"

CASES = [
    Case(
        "submit", "submit", S.DRAFT, (), "producer", S.SUBMITTED,
        "buyer_user", f"Only a {PO} of this alliance may use “Submit” on a plan at the “Draft” stage.",
        "producer_b",
        S.SUBMITTED, "“Submit” is not possible for a plan at the “Submitted” stage.",
    ),
    Case(
        "start_screening", "start_screening", S.SUBMITTED, (), "officer", S.SCREENING,
        "finance", f"Only a {PROG} of this alliance may use “Start screening” on a plan at the “Submitted” stage.",
        "regional_officer",
        S.DRAFT, "“Start screening” is not possible for a plan at the “Draft” stage.",
    ),
    Case(
        "pass_screening", "pass_screening", S.SCREENING, ("screen",), "officer", S.APPRAISAL,
        "finance", f"Only a {PROG} of this alliance may use “Pass screening” on a plan at the “Screening” stage.",
        "regional_officer",
        S.SUBMITTED, "“Pass screening” is not possible for a plan at the “Submitted” stage.",
    ),
    Case(
        "fail_screening", "fail_screening", S.SCREENING, (), "officer", S.REJECTED,
        "committee", f"Only a {PROG} of this alliance may use “Fail screening” on a plan at the “Screening” stage.",
        "regional_officer",
        S.APPRAISAL, "“Fail screening” is not possible for a plan at the “Appraisal” stage.",
    ),
    Case(
        "request_revision_screening", "request_revision", S.SCREENING, (), "officer",
        S.REVISION_REQUESTED,
        "committee",
        f"Only a {PROG} of this alliance may use “Request revision” on a plan at the “Screening” stage.",
        "regional_officer",
        S.SUBMITTED, "“Request revision” is not possible for a plan at the “Submitted” stage.",
    ),
    Case(
        "request_revision_appraisal", "request_revision", S.APPRAISAL, (), "officer",
        S.REVISION_REQUESTED,
        "committee",
        f"Only a {PROG} of this alliance may use “Request revision” on a plan at the “Appraisal” stage.",
        "regional_officer",
        S.REVISION_REQUESTED,
        "“Request revision” is not possible for a plan at the “Revision requested” stage.",
    ),
    Case(
        "request_revision_committee", "request_revision", S.COMMITTEE, (), "committee",
        S.REVISION_REQUESTED,
        "officer",
        "Only a committee member of this alliance may use “Request revision” on a plan at the “Committee decision” stage.",
        "committee_b",
        S.APPROVED, "“Request revision” is not possible for a plan at the “Approved” stage.",
    ),
    Case(
        "resubmit", "resubmit", S.REVISION_REQUESTED, (), "producer", S.SUBMITTED,
        "buyer_user",
        f"Only a {PO} of this alliance may use “Resubmit” on a plan at the “Revision requested” stage.",
        "producer_b",
        S.DRAFT, "“Resubmit” is not possible for a plan at the “Draft” stage.",
    ),
    Case(
        "complete_appraisal", "complete_appraisal", S.APPRAISAL, ("appraise",), "officer",
        S.COMMITTEE,
        "appraiser",
        f"Only a {PROG} of this alliance may use “Complete appraisal” on a plan at the “Appraisal” stage.",
        "regional_officer",
        S.SCREENING, "“Complete appraisal” is not possible for a plan at the “Screening” stage.",
    ),
    Case(
        "approve", "approve", S.COMMITTEE, (), "committee", S.APPROVED,
        "officer",
        "Only a committee member of this alliance may use “Approve” on a plan at the “Committee decision” stage.",
        "committee_b",
        S.APPRAISAL, "“Approve” is not possible for a plan at the “Appraisal” stage.",
        params={"approved_grant": D("14000000")},
    ),
    Case(
        "reject", "reject", S.COMMITTEE, (), "committee", S.REJECTED,
        "officer",
        "Only a committee member of this alliance may use “Reject” on a plan at the “Committee decision” stage.",
        "committee_b",
        S.APPROVED, "“Reject” is not possible for a plan at the “Approved” stage.",
    ),
    Case(
        "withdraw", "withdraw", S.DRAFT, (), "producer", S.WITHDRAWN,
        "ta",
        "Only a producer organization representative of this alliance may use “Withdraw” on a plan at the “Draft” stage.",
        "producer_b",
        S.APPROVED, "“Withdraw” is not possible for a plan at the “Approved” stage.",
    ),
    Case(
        "sign_agreement", "sign_agreement", S.APPROVED, ("agree",), "officer", S.ACTIVE,
        "buyer_user",
        f"Only a {PROG} of this alliance may use “Sign the agreement” on a plan at the “Approved” stage.",
        "regional_officer",
        S.ACTIVE, "“Sign the agreement” is not possible for a plan at the “Active” stage.",
    ),
    Case(
        "complete", "complete", S.MONITORING, (), "me_officer", S.COMPLETED,
        "officer",
        "Only a monitoring and evaluation officer of this alliance may use “Complete” on a plan at the “Monitoring” stage.",
        "me_b",
        S.ACTIVE, "“Complete” is not possible for a plan at the “Active” stage.",
    ),
    Case(
        "suspend", "suspend", S.ACTIVE, (), "officer", S.SUSPENDED,
        "finance", f"Only a {PROG} of this alliance may use “Suspend” on a plan at the “Active” stage.",
        "regional_officer",
        S.COMMITTEE, "“Suspend” is not possible for a plan at the “Committee decision” stage.",
    ),
    Case(
        "resume", "resume", S.SUSPENDED, (), "officer", S.ACTIVE,
        "funder_user", f"Only a {PROG} of this alliance may use “Resume” on a plan at the “Suspended” stage.",
        "regional_officer",
        S.ACTIVE, "“Resume” is not possible for a plan at the “Active” stage.",
    ),
    Case(
        "cancel", "cancel", S.ACTIVE, (), "officer", S.CANCELLED,
        "me_officer", f"Only a {PROG} of this alliance may use “Cancel” on a plan at the “Active” stage.",
        "regional_officer",
        S.MONITORING, "“Cancel” is not possible for a plan at the “Monitoring” stage.",
    ),
]  # fmt: skip
CASE_IDS = [c.id for c in CASES]
REASON_REQUIRED = {
    "fail_screening": "Fail screening",
    "request_revision": "Request revision",
    "reject": "Reject",
    "suspend": "Suspend",
    "cancel": "Cancel",
    "complete": "Complete",
}


def test_the_table_covers_every_transition():
    covered = {(c.name, c.source) for c in CASES}
    for t in workflow.TRANSITIONS:
        if t.system:
            continue
        assert any((t.name, s) in covered for s in t.sources), t.name
    assert {c.name for c in CASES} | {"finish_disbursement"} == set(workflow.TRANSITION_NAMES)
    assert {t.name for t in workflow.TRANSITIONS if t.reason_required} == set(REASON_REQUIRED)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_allowed_for_the_right_role_on_its_own_plan(w, case):
    plan = build(w, case.source, *case.steps)
    actor = getattr(w, case.actor)
    before = logs_of(plan).count()

    result = fire(case.name, plan, actor, comment="  Checked.  ", **case.params)

    assert result.status == case.target
    plan.refresh_from_db()
    assert plan.status == case.target
    assert logs_of(plan).count() == before + 1
    log = logs_of(plan).last()
    assert (log.transition, log.actor, log.from_state, log.to_state, log.comment) == (
        case.name,
        actor,
        case.source,
        case.target,
        "Checked.",
    )
    assert log.subject == plan


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wrong_role_is_forbidden_other_scope_not_found(w, case, django_capture_on_commit_callbacks):
    plan = build(w, case.source, *case.steps)
    before = snapshot(plan)

    with django_capture_on_commit_callbacks() as callbacks:
        error = refused(
            lambda: fire(case.name, plan, getattr(w, case.wrong_role), **case.params), "forbidden"
        )
        assert error.reasons == (case.forbidden,)
        # Another organization or region: the plan is not there for them.
        for persona in (case.out_of_scope, "outsider"):
            error = refused(
                lambda p=persona: fire(case.name, plan, getattr(w, p), **case.params), "not_found"
            )
            assert error.reasons == ("You do not have access to this business plan.",)

    assert snapshot(plan) == before
    assert callbacks == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wrong_state(w, case):
    plan = build(w, case.wrong_state)
    before = snapshot(plan)

    error = refused(
        lambda: fire(case.name, plan, getattr(w, case.actor), **case.params), "wrong_state"
    )

    assert error.reasons == (case.wrong_state_message,)
    assert snapshot(plan) == before


@pytest.mark.parametrize(
    ("case", "comment"),
    [(c, "" if i % 2 else "   \n\t") for i, c in enumerate(CASES) if c.name in REASON_REQUIRED],
    ids=lambda v: v.id if isinstance(v, Case) else repr(v),
)
def test_reason_required(w, case, comment):
    plan = build(w, case.source, *case.steps)
    before = snapshot(plan)

    error = refused(
        lambda: fire(case.name, plan, getattr(w, case.actor), comment=comment), "invalid"
    )

    assert error.reasons == (f"Give a reason for “{REASON_REQUIRED[case.name]}”.",)
    assert error.fields == {"comment": ["Give a reason."]}
    assert snapshot(plan) == before


# --- the effects of each transition, exact values ---------------------------------------


def test_submit_freezes_version_1_with_the_roster_counts(w):
    # OrganizationFactory: 30 members; odd i are women (15); i % 3 == 0 are 25 (10 youth).
    plan = build(w, S.DRAFT)
    version = plan.current_version
    assert (version.number, version.frozen_at) == (1, None)

    services.plan_submit(plan=plan, by=w.producer)

    version.refresh_from_db()
    assert plan.versions.count() == 1
    assert version.frozen_at is not None
    assert (version.beneficiary_families, version.women_members, version.youth_members) == (
        30,
        15,
        10,
    )


def test_ta_provider_submits_for_an_accompanied_organization_only(w):
    plan = build(w, S.DRAFT)
    services.plan_submit(plan=plan, by=w.ta, comment="On behalf of Coop A.")
    assert plan.status == S.SUBMITTED
    log = logs_of(plan).last()
    assert (log.actor, log.comment) == (w.ta, "On behalf of Coop A.")

    plan_b = build(w, S.DRAFT, org=w.org_b)
    before = snapshot(plan_b)
    refused(lambda: services.plan_submit(plan=plan_b, by=w.ta), "not_found")
    assert snapshot(plan_b) == before


def _budget(version):
    return list(
        version.budget_lines.order_by("id").values_list(
            "category", "description", "quantity", "unit_cost", "amount", *BudgetLine.SOURCES
        )
    )


def _cash_flows(version):
    return list(
        CashFlowRow.objects.filter(version=version)
        .order_by("year")
        .values_list("year", "revenue_with", "costs_with", "revenue_without", "costs_without")
    )


@pytest.mark.parametrize(
    ("source", "actor"),
    [(S.SCREENING, "officer"), (S.APPRAISAL, "officer"), (S.COMMITTEE, "committee")],
)
def test_request_revision_opens_version_2_as_an_editable_copy(w, source, actor):
    plan = build(w, source)
    v1 = plan.current_version
    frozen_at = v1.frozen_at

    services.plan_request_revision(plan=plan, by=getattr(w, actor), comment="  Fix the prices. ")

    assert plan.status == S.REVISION_REQUESTED
    assert list(plan.versions.values_list("number", flat=True)) == [1, 2]
    v1.refresh_from_db()
    v2 = plan.current_version
    assert (v1.frozen_at, v2.number, v2.frozen_at) == (frozen_at, 2, None)
    assert (v2.title, v2.horizon_years, v2.created_by) == (v1.title, 5, getattr(w, actor))
    assert _budget(v2) == _budget(v1)
    assert len(_budget(v2)) == 1
    assert _cash_flows(v2) == _cash_flows(v1)
    assert len(_cash_flows(v2)) == 6
    assert services.can_edit_content(w.producer, plan) is True
    decisions = list(
        CommitteeDecision.objects.filter(version__plan=plan).values_list(
            "outcome", "reason", "approved_grant"
        )
    )
    if source == S.COMMITTEE:
        assert decisions == [("returned", "Fix the prices.", None)]
    else:
        assert decisions == []


def test_resubmit_freezes_version_2(w):
    plan = build(w, S.REVISION_REQUESTED)
    services.plan_resubmit(plan=plan, by=w.producer)

    assert plan.status == S.SUBMITTED
    versions = list(plan.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert all(v.frozen_at is not None for v in versions)
    assert (versions[1].beneficiary_families, versions[1].women_members) == (30, 15)
    assert services.can_edit_content(w.producer, plan) is False


def test_approve_commits_exactly_the_approved_grant(w):
    plan = build(w, S.COMMITTEE)
    available = w.program.available

    services.plan_approve(
        plan=plan,
        by=w.committee,
        approved_grant="13500000",
        conditions="Buy certified seed.",
        comment="Sound plan.",
    )

    assert (plan.status, plan.approved_grant, plan.approval_conditions) == (
        S.APPROVED,
        D("13500000"),
        "Buy certified seed.",
    )
    commitment = GrantCommitment.objects.get(plan=plan)
    assert (commitment.plan, commitment.program, commitment.amount) == (
        plan,
        w.program,
        D("13500000"),
    )
    assert (commitment.released_amount, commitment.committed_by) == (D("0"), w.committee)
    decision = CommitteeDecision.objects.get(version__plan=plan)
    assert (
        decision.version,
        decision.outcome,
        decision.approved_grant,
        decision.conditions,
        decision.reason,
        decision.decided_by,
    ) == (plan.current_version, "approved", D("13500000"), "Buy certified seed.", "Sound plan.",
          w.committee)  # fmt: skip
    assert w.program.available == available - D("13500000")


def test_reject_records_the_decision_with_its_reason(w):
    plan = build(w, S.COMMITTEE)
    services.plan_reject(plan=plan, by=w.committee, comment="  No market.  ")

    assert plan.status == S.REJECTED
    assert list(
        CommitteeDecision.objects.filter(version__plan=plan).values_list(
            "version", "outcome", "reason", "approved_grant"
        )
    ) == [(plan.current_version.pk, "rejected", "No market.", None)]
    assert not GrantCommitment.objects.filter(plan=plan).exists()


def test_sign_agreement_splits_the_commitment_into_tranches(w):
    plan = build(w, S.APPROVED, "agree")
    services.plan_sign_agreement(plan=plan, by=w.officer)

    today = timezone.localdate()
    tranches = tranches_of(plan)
    assert len(tranches) == w.program.tranche_count == 3
    # 14,000,000 / 3 in whole francs: two of 4,666,666 and the remainder.
    assert [(t.number, t.amount, t.status) for t in tranches] == [
        (1, D("4666666"), "planned"),
        (2, D("4666666"), "planned"),
        (3, D("4666668"), "planned"),
    ]
    assert sum(t.amount for t in tranches) == plan.commitment.amount == D("14000000")
    assert [t.planned_date for t in tranches] == [
        today,
        add_months(today, 3),
        add_months(today, 6),
    ]


@pytest.mark.parametrize("source", [S.APPROVED, S.ACTIVE, S.MONITORING])
def test_suspend_then_resume_returns_to_the_exact_previous_state(w, source):
    plan = build(w, source)
    services.plan_suspend(plan=plan, by=w.officer, comment="Audit pending.")
    assert (plan.status, plan.suspended_from) == (S.SUSPENDED, source)

    services.plan_resume(plan=plan, by=w.officer, comment="Audit closed.")

    assert (plan.status, plan.suspended_from) == (source, "")
    assert list(logs_of(plan).values_list("transition", "from_state", "to_state"))[-2:] == [
        ("suspend", source, S.SUSPENDED),
        ("resume", S.SUSPENDED, source),
    ]


def test_cancel_active_with_one_tranche_paid_releases_the_rest(w):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    authorize(w, first)
    pay(w, first, "TR-0001")
    available = w.program.available

    services.plan_cancel(plan=plan, by=w.officer, comment="The buyer left.")

    commitment = GrantCommitment.objects.get(plan=plan)
    assert (plan.status, plan.suspended_from) == (S.CANCELLED, "")
    assert commitment.released_amount == D("14000000") - D("4666666") == D("9333334")
    assert w.program.available == available + D("9333334")  # what was not paid


def test_cancel_approved_releases_the_whole_commitment(w):
    plan = build(w, S.APPROVED)
    # Approved: the whole grant is held for it (the programme's balance is 14 M short).
    commitment = GrantCommitment.objects.get(plan=plan)
    assert (commitment.amount, commitment.released_amount) == (D("14000000"), D("0"))
    available = w.program.available
    services.plan_cancel(plan=plan, by=w.officer, comment="Duplicate.")
    assert GrantCommitment.objects.get(plan=plan).released_amount == D("14000000")
    assert w.program.available == available + D("14000000")


def test_cancel_suspended_alliance_clears_suspended_from(w):
    plan = build(w, S.SUSPENDED)
    assert plan.suspended_from == S.ACTIVE
    services.plan_cancel(plan=plan, by=w.officer, comment="Fraud.")
    assert (plan.status, plan.suspended_from) == (S.CANCELLED, "")
    assert GrantCommitment.objects.get(plan=plan).released_amount == D("14000000")


def test_cancel_refused_for_an_alliance_suspended_in_monitoring(w):
    plan = build(w, S.MONITORING)
    services.plan_suspend(plan=plan, by=w.officer, comment="Audit.")
    before = snapshot(plan)

    error = refused(
        lambda: services.plan_cancel(plan=plan, by=w.officer, comment="Fraud."), "conflict"
    )

    assert error.reasons == ("Only an approved or active alliance can be cancelled.",)
    assert snapshot(plan) == before


@pytest.mark.parametrize("source", [S.SUBMITTED, S.COMMITTEE, S.REVISION_REQUESTED])
def test_producer_withdraws_before_a_decision(w, source):
    plan = build(w, source)
    services.plan_withdraw(plan=plan, by=w.producer)
    assert plan.status == S.WITHDRAWN


def test_complete_closes_monitoring(w):
    plan = build(w, S.MONITORING)
    services.plan_complete(plan=plan, by=w.me_officer, comment="Targets met.")
    assert plan.status == S.COMPLETED
    log = logs_of(plan).last()
    assert (log.transition, log.actor, log.comment) == ("complete", w.me_officer, "Targets met.")


# --- finish_disbursement: the platform only -------------------------------------------


def test_finish_disbursement_is_refused_to_any_person(w):
    plan = build(w, S.ACTIVE)
    for persona in ("officer", "finance", "committee", "producer", "me_officer", "buyer_user"):
        user = getattr(w, persona)
        before = snapshot(plan)

        decision = check_plan_transition(user, plan, "finish_disbursement")
        assert (decision.allowed, decision.code, decision.reasons) == (
            False,
            "forbidden",
            ("The platform does this by itself.",),
        ), persona
        error = refused(
            lambda u=user: services._fire(plan=plan, name="finish_disbursement", by=u),
            "forbidden",
        )
        assert error.reasons == ("The platform does this by itself.",)
        assert snapshot(plan) == before


def test_finish_disbursement_waits_for_every_tranche(w):
    plan = build(w, S.ACTIVE)
    before = snapshot(plan)
    error = refused(lambda: services.plan_finish_disbursement(plan=plan), "conflict")
    assert error.reasons == ("Not every tranche has been paid.",)
    assert snapshot(plan) == before


def test_finish_disbursement_from_a_wrong_state(w):
    plan = build(w, S.APPROVED)
    error = refused(lambda: services.plan_finish_disbursement(plan=plan), "wrong_state")
    assert error.reasons == (
        "“Finish disbursement” is not possible for a plan at the “Approved” stage.",
    )


# --- notifications, on commit ----------------------------------------------------------


def _notified(plan):
    return sorted(
        Notification.objects.filter(alliance=plan.alliance).values_list(
            "recipient__username", flat=True
        )
    )


def test_submit_notifies_officers_in_scope_in_its_transaction(
    w, django_capture_on_commit_callbacks
):
    plan = build(w, S.DRAFT, org=w.org_b)

    with django_capture_on_commit_callbacks() as callbacks:
        services.plan_submit(plan=plan, by=w.producer_b)
        # Told in the app with the step itself, before the commit...
        assert _notified(plan) == ["officer", "regional_officer"]
    # ...and e-mailed through the outbox once it has committed (beside the step's other
    # effects: the portfolio figures' refresh).
    notices = OutboxMessage.objects.filter(task="accounts.tasks.notify_transition", sent_at=None)
    assert notices.count() == 1
    assert callbacks
    for callback in callbacks:
        callback()

    assert _notified(plan) == ["officer", "regional_officer"]  # nobody told twice
    log = logs_of(plan).last()
    with translation.override("en"):
        said = {(n.transition_log_id, n.text) for n in Notification.objects.all()}
    assert said == {(log.pk, f"{plan.alliance.code}: Submit (Draft → Submitted)")}


def test_submit_by_ta_notifies_the_officer_and_the_producer_only(
    w, django_capture_on_commit_callbacks
):
    plan = build(w, S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_submit(plan=plan, by=w.ta)
    # The regional officer (region B) and producer B are not concerned; the actor neither.
    assert _notified(plan) == ["officer", "producer"]


def test_committee_is_notified_when_appraisal_completes(w, django_capture_on_commit_callbacks):
    plan = build(w, S.APPRAISAL, "appraise")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_complete_appraisal(plan=plan, by=w.officer)
    # committee_b sits for region B only; the officer is the actor.
    assert _notified(plan) == ["committee", "producer"]


# --- guards ----------------------------------------------------------------------------


def _refused_submit(w, plan, reasons):
    before = snapshot(plan)
    error = refused(lambda: services.plan_submit(plan=plan, by=w.producer), "conflict")
    assert error.reasons == reasons
    assert snapshot(plan) == before


def test_submit_refused_without_budget_lines(w):
    plan = build(w, S.DRAFT)
    plan.current_version.budget_lines.all().delete()
    _refused_submit(w, plan, ("Add at least one investment budget line.",))


def test_submit_refused_with_cash_flow_years_missing(w):
    plan = build(w, S.DRAFT)
    plan.current_version.cash_flows.filter(year__in=[4, 5]).delete()
    _refused_submit(w, plan, ("The cash-flow projection lacks years 4, 5 of the 5-year horizon.",))


def test_submit_refused_when_the_call_is_closed_but_resubmit_is_not(w):
    plan = build(w, S.DRAFT)
    returned = build(w, S.REVISION_REQUESTED)
    today = timezone.localdate()
    w.program.opens_on = today - datetime.timedelta(days=60)
    w.program.closes_on = today - datetime.timedelta(days=1)
    w.program.save()

    _refused_submit(
        w,
        plan,
        (f"The programme's call is open from {w.program.opens_on} to {w.program.closes_on}.",),
    )
    services.plan_resubmit(plan=returned, by=w.producer)
    assert returned.status == S.SUBMITTED


def _screen(w, plan, **answers):
    checks = dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, ""))
    checks.update(answers)
    services.screening_record(plan=plan, by=w.officer, checks=checks)


def test_pass_screening_refused_before_the_checklist(w):
    plan = build(w, S.SCREENING)
    before = snapshot(plan)
    error = refused(lambda: services.plan_pass_screening(plan=plan, by=w.officer), "conflict")
    assert error.reasons == ("Record the screening checklist first.",)
    assert snapshot(plan) == before


def test_pass_screening_refused_when_a_manual_check_failed(w):
    plan = build(w, S.SCREENING)
    _screen(w, plan, field_visit=(False, "Site flooded."))
    before = snapshot(plan)

    error = refused(lambda: services.plan_pass_screening(plan=plan, by=w.officer), "conflict")

    assert error.reasons == (
        "These eligibility checks did not pass: A field visit confirmed the plan's premises.",
    )
    assert snapshot(plan) == before


def _appraise(w, plan, appraiser, scores=None):
    """Assign `appraiser`; with `scores` ({code: score}) also complete the appraisal."""
    assignment = services.appraisal_assign(plan=plan, appraiser=appraiser, by=w.officer)
    if scores is not None:
        criteria = {c.code: c.pk for c in w.program.criteria.all()}
        services.appraisal_declare_no_conflict(assignment=assignment, by=appraiser)
        services.appraisal_submit(
            assignment=assignment,
            by=appraiser,
            recommendation="approve",
            scores={criteria[code]: (D(value), "") for code, value in scores.items()},
        )


def _refused_appraisal(w, plan, reasons):
    before = snapshot(plan)
    error = refused(lambda: services.plan_complete_appraisal(plan=plan, by=w.officer), "conflict")
    assert error.reasons == reasons
    assert snapshot(plan) == before


def test_complete_appraisal_refused_with_one_of_two_appraisals(w):
    plan = build(w, S.APPRAISAL)
    _appraise(w, plan, w.appraiser, {"market": 8, "financial": 8})
    _refused_appraisal(w, plan, ("The programme requires 2 appraisals; 1 assigned.",))

    _appraise(w, plan, w.appraiser2)  # assigned, not done
    _refused_appraisal(w, plan, ("1 of 2 appraisals are not complete yet.",))


# ProgramFactory's rubric: market weighs 2, financial 1, each scored out of 10.
WEIGHTS = {"market": D(2), "financial": D(1)}


def by_hand(scores):
    weighted = sum(WEIGHTS[code] * D(score) / 10 for code, score in scores.items())
    return (weighted / sum(WEIGHTS.values()) * 100).quantize(D("0.01"))


def test_complete_appraisal_refused_below_the_threshold(w):
    plan = build(w, S.APPRAISAL)
    first, second = {"market": 5, "financial": 8}, {"market": 5, "financial": 7}
    _appraise(w, plan, w.appraiser, first)
    _appraise(w, plan, w.appraiser2, second)
    # (2*5/10 + 8/10) / 3 = 60.00; (2*5/10 + 7/10) / 3 = 56.67; mean 58.335 -> 58.34.
    expected = ((by_hand(first) + by_hand(second)) / 2).quantize(D("0.01"))
    assert (by_hand(first), by_hand(second), expected) == (D("60.00"), D("56.67"), D("58.34"))

    _refused_appraisal(
        w, plan, (f"The weighted score {expected} is below the programme's threshold 60.",)
    )


def test_complete_appraisal_passes_exactly_at_the_threshold(w):
    plan = build(w, S.APPRAISAL)
    for appraiser in (w.appraiser, w.appraiser2):
        _appraise(w, plan, appraiser, {"market": 5, "financial": 8})
    services.plan_complete_appraisal(plan=plan, by=w.officer)
    assert plan.status == S.COMMITTEE


def _agreement(w, plan, *, confirm):
    agreement = agreement_draft(
        alliance=plan.alliance,
        by=w.producer,
        product=w.product,
        unit="kg",
        annual_volume=D("100000"),
        unit_price=D("250"),
        duration_months=36,
    )
    agreement_send(agreement=agreement, by=w.producer)
    if confirm:
        agreement_confirm(agreement=agreement, by=w.buyer_user)


def _check(w, plan, *codes):
    for requirement in w.program.legalization_requirements.filter(code__in=codes):
        legalization_check_record(alliance=plan.alliance, requirement=requirement, by=w.officer)


def _refused_signing(w, plan, reasons):
    before = snapshot(plan)
    error = refused(lambda: services.plan_sign_agreement(plan=plan, by=w.officer), "conflict")
    assert error.reasons == reasons
    assert snapshot(plan) == before


def test_sign_agreement_refused_before_the_buyer_confirms(w):
    plan = build(w, S.APPROVED)
    _agreement(w, plan, confirm=False)
    _check(w, plan, "signed", "bank")
    _refused_signing(w, plan, ("The buyer has not confirmed the purchase agreement.",))


def test_sign_agreement_refused_with_the_checklist_incomplete(w):
    plan = build(w, S.APPROVED)
    _agreement(w, plan, confirm=True)
    _check(w, plan, "signed")
    _refused_signing(
        w, plan, ("The legalization checklist is not complete: Bank account registered.",)
    )


def test_sign_agreement_lists_everything_missing(w):
    plan = build(w, S.APPROVED)
    _refused_signing(
        w,
        plan,
        (
            "The buyer has not confirmed the purchase agreement.",
            "The legalization checklist is not complete: Alliance agreement signed; "
            "Bank account registered.",
        ),
    )


SET_GRANT = ("Set the approved grant.", ["Enter an amount greater than zero."])
ABOVE = (f"The approved grant ({XOF}14,000,001) is above the grant requested ({XOF}14,000,000).",)
FRACTION = ("XOF amounts cannot be finer than its minor unit.",)


@pytest.mark.parametrize(
    ("grant", "reasons", "field_messages"),
    [
        (None, SET_GRANT[:1], SET_GRANT[1]),
        ("", SET_GRANT[:1], SET_GRANT[1]),
        ("lots", SET_GRANT[:1], SET_GRANT[1]),
        (D("0"), SET_GRANT[:1], SET_GRANT[1]),
        ("-5", SET_GRANT[:1], SET_GRANT[1]),
        (D("14000001"), ABOVE, list(ABOVE)),
        (D("13999999.5"), FRACTION, list(FRACTION)),
    ],
    ids=["missing", "blank", "not-a-number", "zero", "negative", "above-requested", "fraction"],
)
def test_approve_refuses_a_bad_approved_grant(w, grant, reasons, field_messages):
    plan = build(w, S.COMMITTEE)
    before = snapshot(plan)

    error = refused(
        lambda: services.plan_approve(plan=plan, by=w.committee, approved_grant=grant), "invalid"
    )

    assert error.reasons == reasons
    assert error.fields == {"approved_grant": field_messages}
    assert snapshot(plan) == before


# --- tranches (funding.services) -------------------------------------------------------


def test_tranche_request_verify_authorize_pay(w):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    today = timezone.localdate()
    attach_evidence(first, by=w.producer)

    money.tranche_request(tranche=first, by=w.producer, comment="Deposit made.")
    assert (first.status, first.requested_by) == ("requested", w.producer)
    money.tranche_verify(tranche=first, by=w.officer)
    assert (first.status, first.verified_by) == ("verified", w.officer)
    money.tranche_authorize(tranche=first, by=w.finance2)
    assert (first.status, first.authorized_by) == ("authorized", w.finance2)
    payment = money.tranche_pay(
        tranche=first, by=w.finance, amount="4666666", paid_on=today, reference=" TR-0001 "
    )

    first.refresh_from_db()
    assert first.status == "paid"
    assert (payment.kind, payment.amount, payment.paid_on, payment.reference) == (
        "payment",
        D("4666666"),
        today,
        "TR-0001",
    )
    assert payment.recorded_by == w.finance
    assert tranche_net_paid(first) == commitment_net_paid(plan.commitment) == D("4666666")
    plan.refresh_from_db()
    assert plan.status == S.ACTIVE
    assert list(
        logs_of(plan)
        .filter(object_id=first.pk, transition__startswith="tranche_")
        .values_list("transition", "from_state", "to_state", "actor")
    ) == [
        ("tranche_request", "planned", "requested", w.producer.pk),
        ("tranche_verify", "requested", "verified", w.officer.pk),
        ("tranche_authorize", "verified", "authorized", w.finance2.pk),
        ("tranche_pay", "authorized", "paid", w.finance.pk),
    ]


STEPS = ["planned", "requested", "verified", "authorized"]


def _advance(w, tranche, status):
    """Move `tranche` from planned to `status` with the right personas."""
    attach_evidence(tranche, by=w.producer)
    actions = [
        lambda: money.tranche_request(tranche=tranche, by=w.producer),
        lambda: money.tranche_verify(tranche=tranche, by=w.officer),
        lambda: money.tranche_authorize(tranche=tranche, by=w.finance2),
    ]
    for action in actions[: STEPS.index(status)]:
        action()


def _step(name, tranche, by):
    if name == "pay":
        return money.tranche_pay(
            tranche=tranche, by=by, amount=tranche.amount, paid_on=timezone.localdate(),
            reference="TR-0001",
        )  # fmt: skip
    return getattr(money, f"tranche_{name}")(tranche=tranche, by=by)


@pytest.mark.parametrize(
    ("name", "source", "right_role", "wrong_role", "message", "out_of_scope"),
    [
        ("request", "planned", "producer", "buyer_user",
         f"Only a {PO} of this alliance may request a tranche.", "producer_b"),
        ("verify", "requested", "officer", "finance",
         f"Only a {PROG} of this alliance may verify a tranche request.", "regional_officer"),
        ("authorize", "verified", "finance", "officer",
         "Only a finance officer of this alliance may authorize a tranche.", "producer_b"),
        ("pay", "authorized", "finance", "officer",
         "Only a finance officer of this alliance may record a payment.", "regional_officer"),
    ],
)  # fmt: skip
def test_tranche_step_refusals(w, name, source, right_role, wrong_role, message, out_of_scope):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    _advance(w, first, source)
    before = snapshot(plan)

    assert refused(lambda: _step(name, first, getattr(w, wrong_role)), "forbidden").reasons == (
        message,
    )
    assert refused(lambda: _step(name, first, getattr(w, out_of_scope)), "not_found").reasons == (
        "You do not have access to this alliance.",
    )
    assert snapshot(plan) == before


@pytest.mark.parametrize(
    ("name", "source", "right_role", "message"),
    [
        ("request", "requested", "producer",
         "Tranche 1 is requested; it cannot be sent to “request a tranche”."),
        ("verify", "planned", "officer",
         "Tranche 1 is planned; it cannot be sent to “verify a tranche request”."),
        ("authorize", "requested", "finance",
         "Tranche 1 is requested; it cannot be sent to “authorize a tranche”."),
        ("pay", "verified", "finance",
         "Tranche 1 is verified; it cannot be sent to “record a payment”."),
    ],
)  # fmt: skip
def test_tranche_step_in_a_wrong_state(w, name, source, right_role, message):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    _advance(w, first, source)
    before = snapshot(plan)

    error = refused(lambda: _step(name, first, getattr(w, right_role)), "wrong_state")

    assert error.reasons == (message,)
    assert snapshot(plan) == before


def test_maker_checker_the_verifier_cannot_authorize(w):
    both = member_of(
        member_of(UserFactory(username="officer_finance"), Role.PROGRAMME_OFFICER),
        Role.FINANCE_OFFICER,
    )
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    attach_evidence(first, by=w.producer)
    money.tranche_request(tranche=first, by=w.producer)
    money.tranche_verify(tranche=first, by=both)
    before = snapshot(plan)

    error = refused(lambda: money.tranche_authorize(tranche=first, by=both), "forbidden")

    assert error.reasons == (
        "You verified this tranche: another finance officer must authorize it.",
    )
    assert snapshot(plan) == before
    money.tranche_authorize(tranche=first, by=w.finance)
    assert (first.status, first.verified_by, first.authorized_by) == (
        "authorized",
        both,
        w.finance,
    )


def test_tranche_2_cannot_be_requested_before_tranche_1_is_paid(w):
    plan = build(w, S.ACTIVE)
    first, second, _third = tranches_of(plan)
    authorize(w, first)
    before = snapshot(plan)

    error = refused(lambda: money.tranche_request(tranche=second, by=w.producer), "conflict")

    assert error.reasons == ("Tranche 1 must be paid before tranche 2 is requested.",)
    assert snapshot(plan) == before
    pay(w, first, "TR-0001")
    attach_evidence(second, by=w.producer)
    money.tranche_request(tranche=second, by=w.producer)
    assert second.status == "requested"


@pytest.mark.parametrize("action", ["suspend", "cancel"])
def test_no_payment_while_the_alliance_is_suspended_or_cancelled(w, action):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    authorize(w, first)
    fire(action, plan, w.officer, comment="Audit.")
    before = snapshot(plan)

    error = refused(lambda: pay(w, first, "TR-0001"), "conflict")

    assert error.reasons == (f"The alliance is {plan.status}: its tranches are frozen.",)
    assert plan.status == {"suspend": S.SUSPENDED, "cancel": S.CANCELLED}[action]
    assert snapshot(plan) == before
    assert not Payment.objects.filter(tranche__commitment__plan=plan).exists()


def test_payment_needs_a_reference_and_a_date_not_in_the_future(w):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    authorize(w, first)
    before = snapshot(plan)

    error = refused(
        lambda: money.tranche_pay(
            tranche=first,
            by=w.finance,
            amount=first.amount,
            paid_on=timezone.localdate() + datetime.timedelta(days=1),
            reference="   ",
        ),
        "invalid",
    )

    assert error.fields == {
        "reference": ["Give the bank or treasury reference."],
        "paid_on": ["Give the payment date; it cannot be in the future."],
    }
    assert error.reasons == (
        "Give the bank or treasury reference.",
        "Give the payment date; it cannot be in the future.",
    )
    assert snapshot(plan) == before


@pytest.mark.parametrize("amount", [D("4666665"), D("4666667"), D("4666666.4"), "x"])
def test_payment_must_be_the_tranche_amount(w, amount):
    plan = build(w, S.ACTIVE)
    first = tranches_of(plan)[0]
    authorize(w, first)
    before = snapshot(plan)

    error = refused(lambda: pay(w, first, "TR-0001", amount=amount), "invalid")

    message = f"The payment must be the tranche amount, {XOF}4,666,666."
    assert (error.reasons, error.fields) == ((message,), {"amount": [message]})
    assert snapshot(plan) == before


def test_duplicate_payment_reference_refused(w):
    plan = build(w, S.ACTIVE)
    first, second, _third = tranches_of(plan)
    authorize(w, first)
    pay(w, first, "TR-0001")
    authorize(w, second)
    before = snapshot(plan)

    error = refused(lambda: pay(w, second, "TR-0001"), "invalid")

    assert error.reasons == ("A payment with reference TR-0001 is already recorded.",)
    assert error.fields == {"reference": ["This reference is already used."]}
    assert snapshot(plan) == before


def test_last_tranche_paid_moves_the_plan_to_monitoring(w):
    plan = build(w, S.ACTIVE)
    tranches = tranches_of(plan)
    for number, tranche in enumerate(tranches, start=1):
        authorize(w, tranche)
        pay(w, tranche, f"TR-{number:04d}")
        plan.refresh_from_db()
        assert plan.status == (S.MONITORING if number == 3 else S.ACTIVE)

    assert commitment_net_paid(plan.commitment) == D("14000000")
    last_two = list(
        logs_of(plan).values_list("transition", "actor", "from_state", "to_state", "comment")
    )[-2:]
    assert last_two == [
        ("tranche_pay", w.finance.pk, "authorized", "paid", ""),
        ("finish_disbursement", None, S.ACTIVE, S.MONITORING, ""),
    ]
    finish = logs_of(plan).last()
    assert finish.subject == plan


@pytest.mark.parametrize(
    ("currency", "amounts"),
    [
        ("XOF", [D("4666666"), D("4666666"), D("4666668")]),
        ("COP", [D("4666666.66"), D("4666666.66"), D("4666666.68")]),
    ],
)
def test_reversal_restores_the_net_paid_to_the_cent(w, currency, amounts):
    w.program.currency = currency
    w.program.save()
    plan = build(w, S.ACTIVE, org=w.org_a)  # built now, in that currency (not prebuilt)
    first, second, _third = tranches_of(plan)
    assert [t.amount for t in tranches_of(plan)] == amounts
    authorize(w, first)
    pay(w, first, "TR-0001")
    authorize(w, second)
    payment = pay(w, second, "TR-0002")
    assert commitment_net_paid(plan.commitment) == amounts[0] + amounts[1]

    reversal = money.payment_reverse(payment=payment, by=w.finance2, reason="Wrong account.")

    assert (reversal.kind, reversal.amount, reversal.reverses, reversal.reference) == (
        "reversal",
        amounts[1],
        payment,
        "TR-0002-REV",
    )
    second.refresh_from_db()
    assert second.status == Tranche.Status.AUTHORIZED
    assert tranche_net_paid(second) == D("0")
    assert commitment_net_paid(plan.commitment) == amounts[0]
    error = refused(
        lambda: money.payment_reverse(payment=payment, by=w.finance2, reason="Again."),
        "wrong_state",
    )
    assert error.reasons == ("This payment is already reversed.",)

    pay(w, second, "TR-0002-B")
    assert commitment_net_paid(plan.commitment) == amounts[0] + amounts[1]
