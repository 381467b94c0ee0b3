"""Every change of a business plan's status, one function per action (§3).

Pages, API, admin actions, commands and tasks call these functions and nothing else to
move a plan. Each runs in one transaction, locks the plan row, asks the policy (role,
object, state, guards), applies its effects, saves, writes the transition log and
schedules notifications once the transaction has committed. A refusal raises
`ActionRefused` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import worklist
from accounts.models import Role
from accounts.policy import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    WRONG_STATE,
    ActionRefused,
    require_roles,
    roles_for_alliance,
)
from accounts.steps import take_step
from alliances.models import Alliance
from core.rows import save_rows

from . import workflow
from .models import (
    MANUAL_SCREENING_ITEMS,
    AppraisalAssignment,
    BudgetLine,
    BusinessPlan,
    CashFlowRow,
    CommitteeDecision,
    CriterionScore,
    PlanStatus,
    PlanVersion,
    ScreeningCheck,
    ScreeningItem,
)
from .proposals import proposal_problems
from .rules import plan_rule_breaches

# What a plan's step may change besides its status (the effects below set them).
PLAN_STEP_FIELDS = ("suspended_from", "approved_grant", "approval_conditions", "updated_at")


def _fire(
    *,
    plan: BusinessPlan,
    name: str,
    by,
    comment: str = "",
    effect: Callable[[BusinessPlan], None] | None = None,
    **params,
) -> BusinessPlan:
    """Take the plan's step `name` (`accounts.steps.take_step` with the plan's table)."""

    def changes(locked: BusinessPlan, _comment: str) -> tuple[str, ...]:
        if effect is not None:
            effect(locked)
        return PLAN_STEP_FIELDS

    return take_step(
        workflow.PLAN_STEPS, name, plan, by=by, comment=comment, effect=changes, **params
    )


# --- effects shared by several actions -------------------------------------------------


def _freeze_current_version(plan: BusinessPlan) -> None:
    version = plan.current_version
    counts = workflow.beneficiaries(version)
    version.beneficiary_families = counts["families"]
    version.women_members = counts["women"]
    version.youth_members = counts["youth"]
    version.frozen_at = timezone.now()
    version.save(
        update_fields=["beneficiary_families", "women_members", "youth_members", "frozen_at"]
    )


def _open_new_version(plan: BusinessPlan, by) -> PlanVersion:
    """Copy the frozen version into a new editable one, with its lines and cash flows."""
    old = plan.current_version
    new = PlanVersion.objects.create(
        plan=plan,
        number=old.number + 1,
        title=old.title,
        summary=old.summary,
        market_description=old.market_description,
        technical_description=old.technical_description,
        environmental_social=old.environmental_social,
        horizon_years=old.horizon_years,
        created_by=by,
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            version=new,
            **{
                f: getattr(line, f)
                for f in (
                    "category",
                    "description",
                    "quantity",
                    "unit_cost",
                    "amount",
                    *BudgetLine.SOURCES,
                )
            },
        )
        for line in old.budget_lines.all()
    )
    CashFlowRow.objects.bulk_create(
        CashFlowRow(
            version=new,
            year=row.year,
            revenue_with=row.revenue_with,
            costs_with=row.costs_with,
            revenue_without=row.revenue_without,
            costs_without=row.costs_without,
        )
        for row in old.cash_flows.all()
    )
    return new


def _record_decision(plan, by, outcome, *, reason="", grant=None, conditions="") -> None:
    CommitteeDecision.objects.create(
        version=plan.current_version,
        outcome=outcome,
        approved_grant=grant,
        conditions=conditions,
        reason=reason,
        decided_by=by,
    )


# --- one function per action -----------------------------------------------------------


def plan_submit(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="submit", by=by, comment=comment, effect=_freeze_current_version)


def plan_resubmit(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="resubmit", by=by, comment=comment, effect=_freeze_current_version)


def plan_start_screening(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="start_screening", by=by, comment=comment)


def plan_pass_screening(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="pass_screening", by=by, comment=comment)


def plan_fail_screening(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="fail_screening", by=by, comment=comment)


def plan_request_revision(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    comment = (comment or "").strip()  # the decision keeps the reason as logged

    def effect(locked: BusinessPlan) -> None:
        if locked.status == PlanStatus.COMMITTEE:
            _record_decision(locked, by, CommitteeDecision.Outcome.RETURNED, reason=comment)
        _open_new_version(locked, by)

    return _fire(plan=plan, name="request_revision", by=by, comment=comment, effect=effect)


def plan_complete_appraisal(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="complete_appraisal", by=by, comment=comment)


def plan_approve(
    *,
    plan: BusinessPlan,
    by,
    approved_grant: Decimal | str,
    conditions: str = "",
    comment: str = "",
) -> BusinessPlan:
    """Approve with a grant; funding reserves programme budget in a grant commitment (§4,
    its registered effect)."""
    comment = (comment or "").strip()

    def effect(locked: BusinessPlan) -> None:
        grant = workflow.parse_amount(approved_grant)
        _record_decision(
            locked,
            by,
            CommitteeDecision.Outcome.APPROVED,
            grant=grant,
            conditions=conditions,
            reason=comment,
        )
        locked.approved_grant = grant
        locked.approval_conditions = conditions

    return _fire(
        plan=plan,
        name="approve",
        by=by,
        comment=comment,
        effect=effect,
        approved_grant=approved_grant,
    )


def plan_reject(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    comment = (comment or "").strip()

    def effect(locked: BusinessPlan) -> None:
        _record_decision(locked, by, CommitteeDecision.Outcome.REJECTED, reason=comment)

    return _fire(plan=plan, name="reject", by=by, comment=comment, effect=effect)


def plan_withdraw(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    return _fire(plan=plan, name="withdraw", by=by, comment=comment)


def plan_sign_agreement(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    """Sign: the commitment becomes a schedule of tranches that sums to it exactly, and the
    monitoring reports are scheduled (funding's and monitoring's registered effects)."""
    return _fire(plan=plan, name="sign_agreement", by=by, comment=comment)


def plan_finish_disbursement(*, plan: BusinessPlan) -> BusinessPlan:
    """Fired by the platform when the last tranche is paid."""
    return _fire(plan=plan, name="finish_disbursement", by=None)


def plan_complete(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    """The M&E officer ends the alliance's life with a closing note (the comment); no
    report is due for periods that had not started (monitoring's registered effect)."""
    return _fire(plan=plan, name="complete", by=by, comment=comment)


def plan_suspend(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    def effect(locked: BusinessPlan) -> None:
        locked.suspended_from = locked.status

    return _fire(plan=plan, name="suspend", by=by, comment=comment, effect=effect)


def plan_resume(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    """Back to the state the plan was suspended from (`_fire` reads it before effects)."""

    def effect(locked: BusinessPlan) -> None:
        locked.suspended_from = ""

    return _fire(plan=plan, name="resume", by=by, comment=comment, effect=effect)


def plan_cancel(*, plan: BusinessPlan, by, comment: str = "") -> BusinessPlan:
    """Cancel; the undisbursed part of the commitment goes back to the programme, and no
    report is due for periods that had not started (funding's and monitoring's registered
    effects)."""

    def effect(locked: BusinessPlan) -> None:
        locked.suspended_from = ""

    return _fire(plan=plan, name="cancel", by=by, comment=comment, effect=effect)


PLAN_ACTIONS: dict[str, Callable[..., BusinessPlan]] = {
    "submit": plan_submit,
    "resubmit": plan_resubmit,
    "start_screening": plan_start_screening,
    "pass_screening": plan_pass_screening,
    "fail_screening": plan_fail_screening,
    "request_revision": plan_request_revision,
    "complete_appraisal": plan_complete_appraisal,
    "approve": plan_approve,
    "reject": plan_reject,
    "withdraw": plan_withdraw,
    "sign_agreement": plan_sign_agreement,
    "complete": plan_complete,
    "suspend": plan_suspend,
    "resume": plan_resume,
    "cancel": plan_cancel,
}


# --- creating a proposal ---------------------------------------------------------------


def alliance_propose(
    *,
    program,
    producer_organization,
    buyer,
    product,
    name: str,
    title: str,
    by,
    horizon_years: int = 5,
) -> BusinessPlan:
    """A PO (or its TA provider) proposes an alliance: the alliance, its plan, version 1."""

    probe = Alliance(
        program=program,
        producer_organization=producer_organization,
        buyer=buyer,
        region_id=producer_organization.region_id,
    )

    if not roles_for_alliance(by, probe) & {Role.PRODUCER, Role.TA_PROVIDER}:
        raise ActionRefused(
            _(
                "Only a representative of the organization, or its technical assistance "
                "provider, may propose an alliance for it."
            ),
            code=FORBIDDEN,
        )
    # The page offers only these choices; the API and any other caller meet the same rule.
    problems = proposal_problems(
        organization=producer_organization, program=program, buyer=buyer, product=product
    )
    if problems:
        raise ActionRefused(
            [m for ms in problems.values() for m in ms], code=INVALID, fields=problems
        )
    with transaction.atomic():
        # Lock the programme row so two proposals never get the same code.
        type(program).objects.select_for_update().get(pk=program.pk)
        sequence = Alliance.objects.filter(program=program).count() + 1
        alliance = Alliance.objects.create(
            code=f"{program.code}-{sequence:04d}",
            name=name,
            program=program,
            producer_organization=producer_organization,
            buyer=buyer,
            value_chain=product.value_chain,
            product=product,
            region=producer_organization.region,
        )
        plan = BusinessPlan.objects.create(alliance=alliance, created_by=by)
        PlanVersion.objects.create(
            plan=plan, number=1, title=title, horizon_years=horizon_years, created_by=by
        )
        # A new draft to complete, with no step yet: the PO side's kept counts are stale.
        worklist.forget_acting_for(alliance, by.pk)
    return plan


def can_edit_content(user, plan: BusinessPlan) -> bool:
    """The PO side edits the open version of a draft or returned plan."""

    return (
        plan.status in (PlanStatus.DRAFT, PlanStatus.REVISION_REQUESTED)
        and not plan.current_version.is_frozen
        and bool(roles_for_alliance(user, plan.alliance) & {Role.PRODUCER, Role.TA_PROVIDER})
    )


# --- screening -------------------------------------------------------------------------

# The officer's items: code -> label (lazy, read in the reader's language).
MANUAL_SCREENING_CHECKS = {item.value: item.label for item in MANUAL_SCREENING_ITEMS}


def automatic_screening_checks(plan: BusinessPlan) -> list[tuple[str, str, bool, str]]:
    """Eligibility computed from the programme's rules: (code, label, passed, note), the
    label in the active language."""
    alliance = plan.alliance
    program = alliance.program
    version = plan.current_version
    region_ok = program.eligible_regions.filter(pk=alliance.region_id).exists()
    chain_ok = program.eligible_value_chains.filter(pk=alliance.value_chain_id).exists()
    breaches = plan_rule_breaches(
        program=program,
        analysis=version.analysis(),
        families=workflow.beneficiaries(version)["families"],
    )
    checks = [
        (ScreeningItem.ELIGIBLE_REGION, region_ok, "" if region_ok else str(alliance.region)),
        (
            ScreeningItem.ELIGIBLE_VALUE_CHAIN,
            chain_ok,
            "" if chain_ok else str(alliance.value_chain),
        ),
        (ScreeningItem.MONEY_RULES, not breaches, " ".join(b.message for b in breaches)),
    ]
    return [(item.value, str(item.label), passed, note) for item, passed, note in checks]


def screening_record(*, plan: BusinessPlan, by, checks: dict[str, tuple[bool, str]]) -> None:
    """Record the screening checklist: the officer's items plus the automatic ones."""
    with transaction.atomic():
        locked = BusinessPlan.objects.for_step().get(pk=plan.pk)
        require_roles(
            by, locked.alliance, {Role.PROGRAMME_OFFICER}, _("record the screening checklist")
        ).raise_if_refused()
        if locked.status != PlanStatus.SCREENING:
            raise ActionRefused(_("The plan is not in screening."), code=WRONG_STATE)
        unknown = set(checks) - set(MANUAL_SCREENING_CHECKS)
        missing = set(MANUAL_SCREENING_CHECKS) - set(checks)
        if unknown or missing:
            raise ActionRefused(
                _("Answer every item of the screening checklist."),
                code=INVALID,
                fields={code: [_("Answer this item.")] for code in missing},
            )
        version = locked.current_version
        # Only codes are stored: a check's label is read in the reader's language.
        rows = [(c, p, n, False) for c, (p, n) in checks.items()]
        rows += [(c, p, n, True) for c, _label, p, n in automatic_screening_checks(locked)]
        values = {
            code: {
                "passed": passed,
                "note": note,
                "automatic": automatic,
                "checked_by": None if automatic else by,
            }
            for code, passed, note, automatic in rows
        }
        save_rows(ScreeningCheck, {"version": version}, "code", values)


# --- appraisal -------------------------------------------------------------------------


def appraisal_assign(*, plan: BusinessPlan, appraiser, by):
    with transaction.atomic():
        locked = BusinessPlan.objects.for_step().get(pk=plan.pk)
        require_roles(
            by, locked.alliance, {Role.PROGRAMME_OFFICER}, _("assign appraisers")
        ).raise_if_refused()
        if locked.status != PlanStatus.APPRAISAL:
            raise ActionRefused(_("The plan is not in appraisal."), code=WRONG_STATE)
        if Role.APPRAISER not in roles_for_alliance(appraiser, locked.alliance):
            raise ActionRefused(
                _("%(user)s is not an appraiser for this alliance's region.") % {"user": appraiser},
                code=INVALID,
                fields={"appraiser": [_("Choose an appraiser of this region.")]},
            )
        version = locked.current_version
        if version.appraisals.filter(appraiser=appraiser).exists():
            raise ActionRefused(
                _("%(user)s is already assigned.") % {"user": appraiser},
                code=INVALID,
                fields={"appraiser": [_("Already assigned.")]},
            )
        assignment = AppraisalAssignment.objects.create(
            version=version, appraiser=appraiser, assigned_by=by
        )
        # Not a step of the plan's table: the appraiser's cached counts go here.
        worklist.forget([appraiser.pk])
        return assignment


def _locked_assignment(assignment, by):
    BusinessPlan.objects.for_step().get(versions__appraisals=assignment)
    locked = (
        AppraisalAssignment.objects.select_for_update(of=("self",))
        .select_related("version__plan__alliance__program")
        .get(pk=assignment.pk)
    )
    if locked.appraiser_id != getattr(by, "pk", None):
        raise ActionRefused(_("Only the assigned appraiser may do this."), code=FORBIDDEN)
    if locked.version.plan.status != PlanStatus.APPRAISAL or locked.is_complete:
        raise ActionRefused(_("This appraisal is closed."), code=WRONG_STATE)
    return locked


def appraisal_declare_no_conflict(*, assignment, by):
    with transaction.atomic():
        locked = _locked_assignment(assignment, by)
        locked.no_conflict_declared_at = timezone.now()
        locked.save(update_fields=["no_conflict_declared_at"])
    return locked


def appraisal_submit(
    *, assignment, by, scores: dict[int, tuple], recommendation: str, comment: str = ""
):
    """Score every rubric criterion (score, comment) and recommend; completes the appraisal."""

    with transaction.atomic():
        locked = _locked_assignment(assignment, by)
        if locked.no_conflict_declared_at is None:
            raise ActionRefused(
                _("Declare that you have no conflict of interest first."), code=CONFLICT
            )
        criteria = list(locked.version.plan.alliance.program.criteria.all())
        errors: dict[str, list[str]] = {}
        for criterion in criteria:
            value = workflow.parse_amount((scores.get(criterion.pk) or (None,))[0])
            if value is None or value < 0 or value > criterion.max_score:
                errors[f"score_{criterion.pk}"] = [
                    _("Give a score from 0 to %(max)s.") % {"max": criterion.max_score}
                ]
        if recommendation not in AppraisalAssignment.Recommendation.values:
            errors["recommendation"] = [_("Choose a recommendation.")]
        if errors:
            raise ActionRefused(
                _("Some scores are missing or out of range."), code=INVALID, fields=errors
            )
        given = {}
        for criterion in criteria:
            value, note = (tuple(scores[criterion.pk]) + ("",))[:2]
            given[criterion] = {"score": workflow.parse_amount(value), "comment": note or ""}
        save_rows(CriterionScore, {"assignment": locked}, "criterion", given)
        locked.recommendation = recommendation
        locked.comment = comment
        locked.completed_at = timezone.now()
        locked.save(update_fields=["recommendation", "comment", "completed_at"])
        worklist.forget([by.pk])
    return locked
