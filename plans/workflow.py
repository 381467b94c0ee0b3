"""The business-plan workflow of DESIGN.md §3, defined once, as data.

`TRANSITIONS` is the state table: for each action, the states it leaves from, the state
it goes to, the roles that may fire it (on their own objects, see `accounts.policy`),
whether a reason is required, and the guards that must hold. A guard returns a
`Decision` whose reasons tell a person what is missing. The table is executed by
`plans.services`, which is the only code that changes a plan's status.

The table is small enough to read in one screen, and each guard needs the object, the
actor and the action's parameters to explain a refusal; a state-machine library would
add a second place where the rules live, so none is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    ALLOWED,
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    WRONG_STATE,
    Decision,
    can_view_alliance,
    refuse,
    role_names,
    roles_for_alliance,
)
from accounts.steps import Confirm, Step, StepTable
from core.formats import format_number
from core.money import format_money, is_whole_in

from . import finance
from .models import PlanStatus as S
from .rules import plan_rule_breaches

Guard = Callable[..., Decision]

PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
OFFICER = frozenset({Role.PROGRAMME_OFFICER})
COMMITTEE = frozenset({Role.COMMITTEE_MEMBER})
ME_OFFICER = frozenset({Role.ME_OFFICER})
PRODUCER_ONLY = frozenset({Role.PRODUCER})


@dataclass(frozen=True)
class Transition(Step):
    """A step of the plan (`accounts.steps.Step`): its target None means back to the
    state the plan was suspended from; its journal name and words are its name and
    label."""

    @property
    def api_name(self) -> str:
        return self.name.replace("_", "-")


# --- guards ----------------------------------------------------------------------------


def plan_content_problems(version, program) -> list[str]:
    """What keeps this version from being submitted, in words (empty when complete)."""
    problems: list[str] = []
    if not version.title.strip():
        problems.append(_("The plan has no title."))
    if not version.budget_lines.exists():
        problems.append(_("Add at least one investment budget line."))
    years = sorted(version.cash_flows.values_list("year", flat=True))
    expected = list(range(version.horizon_years + 1))
    if years != expected:
        missing = sorted(set(expected) - set(years))
        extra = sorted(set(years) - set(expected))
        if missing:
            problems.append(
                _("The cash-flow projection lacks years %(years)s of the %(n)s-year horizon.")
                % {"years": ", ".join(map(str, missing)), "n": version.horizon_years}
            )
        if extra:
            problems.append(
                _("The cash-flow projection has years beyond the horizon: %(years)s.")
                % {"years": ", ".join(map(str, extra))}
            )
    currency = program.currency
    for line in version.budget_lines.all():
        if not all(is_whole_in(getattr(line, f), currency) for f in ("amount", *finance.SOURCES)):
            problems.append(
                _("Budget line “%(line)s” has amounts finer than the %(currency)s minor unit.")
                % {"line": line.description, "currency": currency}
            )
    return problems


def beneficiaries(version) -> dict[str, int]:
    """Families, women and youth: frozen with the version, else counted from the roster."""
    if version.is_frozen:
        return {
            "families": version.beneficiary_families,
            "women": version.women_members,
            "youth": version.youth_members,
        }
    counts = version.plan.alliance.producer_organization.members.active().counts()
    return {"families": counts["members"], "women": counts["women"], "youth": counts["youth"]}


def _ready_to_submit(plan, *, check_call_dates: bool) -> Decision:
    version = plan.current_version
    program = plan.alliance.program
    problems = plan_content_problems(version, program)
    today = timezone.localdate()
    if check_call_dates and not (program.opens_on <= today <= program.closes_on):
        problems.append(
            _("The programme's call is open from %(opens)s to %(closes)s.")
            % {"opens": program.opens_on, "closes": program.closes_on}
        )
    if not problems:
        families = beneficiaries(version)["families"]
        analysis = version.analysis()
        problems.extend(
            b.message
            for b in plan_rule_breaches(program=program, analysis=analysis, families=families)
        )
    return refuse(CONFLICT, *problems) if problems else ALLOWED


def guard_ready_to_submit(plan, **_params) -> Decision:
    return _ready_to_submit(plan, check_call_dates=True)


def guard_ready_to_resubmit(plan, **_params) -> Decision:
    return _ready_to_submit(plan, check_call_dates=False)


def guard_screening_passed(plan, **_params) -> Decision:
    checks = list(plan.current_version.screening_checks.all())
    if not checks:
        return refuse(CONFLICT, _("Record the screening checklist first."))
    # Labels are sentences; drop their full stop so the list reads as one sentence.
    failed = [c.label.rstrip(".") for c in checks if not c.passed]
    if failed:
        return refuse(
            CONFLICT,
            _("These eligibility checks did not pass: %(checks)s.") % {"checks": "; ".join(failed)},
        )
    return ALLOWED


def appraisal_score(assignment) -> Decimal | None:
    """One appraiser's weighted score on a 0-100 scale."""
    weight = total = Decimal(0)
    for s in assignment.scores.all():
        total += s.criterion.weight * s.score / s.criterion.max_score
        weight += s.criterion.weight
    return (total / weight * 100).quantize(Decimal("0.01")) if weight else None


def plan_score(assignments) -> Decimal | None:
    """The plan's score: the mean of its complete appraisals' weighted scores (§6)."""
    scores = [appraisal_score(a) for a in assignments if a.is_complete]
    scores = [s for s in scores if s is not None]
    return (sum(scores) / len(scores)).quantize(Decimal("0.01")) if scores else None


def guard_appraisal_complete(plan, **_params) -> Decision:
    program = plan.alliance.program
    assignments = list(plan.current_version.appraisals.prefetch_related("scores__criterion").all())
    complete = [a for a in assignments if a.is_complete]
    problems = []
    if len(assignments) < program.required_appraisals:
        problems.append(
            _("The programme requires %(required)s appraisals; %(assigned)s assigned.")
            % {"required": program.required_appraisals, "assigned": len(assignments)}
        )
    if len(complete) < len(assignments):
        problems.append(
            _("%(open)s of %(assigned)s appraisals are not complete yet.")
            % {"open": len(assignments) - len(complete), "assigned": len(assignments)}
        )
    if not problems:
        score = plan_score(complete)
        if score is None or score < program.score_threshold:
            problems.append(
                _("The weighted score %(score)s is below the programme's threshold %(threshold)s.")
                % {
                    "score": format_number(score, digits=2),
                    "threshold": format_number(program.score_threshold, digits=2),
                }
            )
    return refuse(CONFLICT, *problems) if problems else ALLOWED


def parse_amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def guard_approval(plan, *, approved_grant=None, **_params) -> Decision:
    """At approval the money rules are checked again, with the grant the committee sets."""
    program = plan.alliance.program
    currency = program.currency
    grant = parse_amount(approved_grant)
    if grant is None or grant <= 0:
        return refuse(
            INVALID,
            _("Set the approved grant."),
            fields={"approved_grant": [_("Enter an amount greater than zero.")]},
        )
    if not is_whole_in(grant, currency):
        msg = _("%(currency)s amounts cannot be finer than its minor unit.") % {
            "currency": currency
        }
        return refuse(INVALID, msg, fields={"approved_grant": [msg]})
    version = plan.current_version
    analysis = version.analysis()
    requested = analysis.totals_by_source["grant"]
    if grant > requested:
        msg = _("The approved grant (%(grant)s) is above the grant requested (%(requested)s).") % {
            "grant": format_money(grant, currency),
            "requested": format_money(requested, currency),
        }
        return refuse(INVALID, msg, fields={"approved_grant": [msg]})
    breaches = plan_rule_breaches(
        program=program,
        analysis=analysis,
        families=beneficiaries(version)["families"],
        grant=grant,
    )
    if breaches:
        return refuse(CONFLICT, *(b.message for b in breaches))
    return ALLOWED


def guard_all_tranches_paid(plan, **_params) -> Decision:
    commitment = getattr(plan, "commitment", None)
    tranches = list(commitment.tranches.all()) if commitment else []
    if not tranches or any(t.payments.net_paid() < t.amount for t in tranches):
        return refuse(CONFLICT, _("Not every tranche has been paid."))
    return ALLOWED


def guard_cancellable(plan, **_params) -> Decision:
    if plan.status == S.SUSPENDED and plan.suspended_from not in (S.APPROVED, S.ACTIVE):
        return refuse(CONFLICT, _("Only an approved or active alliance can be cancelled."))
    return ALLOWED


# --- the state table -------------------------------------------------------------------

BEFORE_DECISION = frozenset(
    {S.DRAFT, S.SUBMITTED, S.SCREENING, S.APPRAISAL, S.COMMITTEE, S.REVISION_REQUESTED}
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        gettext_lazy("Submit"),
        frozenset({S.DRAFT}),
        S.SUBMITTED,
        PO_SIDE,
        guards=(guard_ready_to_submit,),
    ),
    Transition(
        "start_screening",
        gettext_lazy("Start screening"),
        frozenset({S.SUBMITTED}),
        S.SCREENING,
        OFFICER,
    ),
    Transition(
        "pass_screening",
        gettext_lazy("Pass screening"),
        frozenset({S.SCREENING}),
        S.APPRAISAL,
        OFFICER,
        guards=(guard_screening_passed,),
    ),
    Transition(
        "fail_screening",
        gettext_lazy("Fail screening"),
        frozenset({S.SCREENING}),
        S.REJECTED,
        OFFICER,
        reason_required=True,
        confirm=Confirm(
            gettext_lazy("Reject this plan at screening?"),
            gettext_lazy(
                "You cannot undo this. The plan is rejected: the producer organization "
                "cannot revise or resubmit it."
            ),
            gettext_lazy("Yes, reject the plan"),
        ),
    ),
    Transition(
        "request_revision",
        gettext_lazy("Request revision"),
        frozenset({S.SCREENING, S.APPRAISAL}),
        S.REVISION_REQUESTED,
        OFFICER,
        reason_required=True,
    ),
    Transition(
        "request_revision",
        gettext_lazy("Request revision"),
        frozenset({S.COMMITTEE}),
        S.REVISION_REQUESTED,
        COMMITTEE,
        reason_required=True,
    ),
    Transition(
        "resubmit",
        gettext_lazy("Resubmit"),
        frozenset({S.REVISION_REQUESTED}),
        S.SUBMITTED,
        PO_SIDE,
        guards=(guard_ready_to_resubmit,),
    ),
    Transition(
        "complete_appraisal",
        gettext_lazy("Complete appraisal"),
        frozenset({S.APPRAISAL}),
        S.COMMITTEE,
        OFFICER,
        guards=(guard_appraisal_complete,),
    ),
    Transition(
        "approve",
        gettext_lazy("Approve"),
        frozenset({S.COMMITTEE}),
        S.APPROVED,
        COMMITTEE,
        guards=(guard_approval,),
        confirm=Confirm(
            gettext_lazy("Approve this business plan?"),
            gettext_lazy(
                "You cannot undo this. The approved grant is reserved from the programme's budget."
            ),
            gettext_lazy("Yes, approve the plan"),
            danger=False,
        ),
    ),
    Transition(
        "reject",
        gettext_lazy("Reject"),
        frozenset({S.COMMITTEE}),
        S.REJECTED,
        COMMITTEE,
        reason_required=True,
        confirm=Confirm(
            gettext_lazy("Reject this business plan?"),
            gettext_lazy(
                "You cannot undo this. The committee's rejection is final: the plan cannot "
                "be revised or resubmitted."
            ),
            gettext_lazy("Yes, reject the plan"),
        ),
    ),
    Transition(
        "withdraw",
        gettext_lazy("Withdraw"),
        BEFORE_DECISION,
        S.WITHDRAWN,
        PRODUCER_ONLY,
        confirm=Confirm(
            gettext_lazy("Withdraw this business plan?"),
            gettext_lazy(
                "You cannot undo this. The plan goes no further: it is not screened, "
                "appraised or funded, and it cannot be submitted again."
            ),
            gettext_lazy("Yes, withdraw the plan"),
        ),
    ),
    Transition(
        "sign_agreement",
        gettext_lazy("Sign the agreement"),
        frozenset({S.APPROVED}),
        S.ACTIVE,
        OFFICER,
    ),
    Transition(
        "finish_disbursement",
        gettext_lazy("Finish disbursement"),
        frozenset({S.ACTIVE}),
        S.MONITORING,
        frozenset(),
        guards=(guard_all_tranches_paid,),
        system=True,
    ),
    Transition(
        "complete",
        gettext_lazy("Complete"),
        frozenset({S.MONITORING}),
        S.COMPLETED,
        ME_OFFICER,
        reason_required=True,
        confirm=Confirm(
            gettext_lazy("Complete this alliance?"),
            gettext_lazy(
                "You cannot undo this. The alliance's life ends: monitoring reports of "
                "periods that have not started are dropped."
            ),
            gettext_lazy("Yes, complete the alliance"),
        ),
    ),
    Transition(
        "suspend",
        gettext_lazy("Suspend"),
        frozenset({S.APPROVED, S.ACTIVE, S.MONITORING}),
        S.SUSPENDED,
        OFFICER,
        reason_required=True,
    ),
    Transition(
        "resume",
        gettext_lazy("Resume"),
        frozenset({S.SUSPENDED}),
        None,
        OFFICER,
    ),
    Transition(
        "cancel",
        gettext_lazy("Cancel"),
        frozenset({S.APPROVED, S.ACTIVE, S.SUSPENDED}),
        S.CANCELLED,
        OFFICER,
        guards=(guard_cancellable,),
        reason_required=True,
        confirm=Confirm(
            gettext_lazy("Cancel this alliance?"),
            gettext_lazy(
                "You cannot undo this. No further tranche is paid, and the grant not yet "
                "paid goes back to the programme's budget."
            ),
            gettext_lazy("Yes, cancel the alliance"),
        ),
    ),
)

TRANSITION_NAMES: tuple[str, ...] = tuple(dict.fromkeys(t.name for t in TRANSITIONS))


class PlanSteps(StepTable):
    """The plan's step table: its decisions carry guards and parameters (the approved
    grant), its row is locked with what the guards read, and "resume" returns a plan to
    the state it was suspended from."""

    def decide(self, user, subject, name: str, *, state: bool = True, **params):
        return check_plan_transition(user, subject, name, **params)

    def lock(self, subject):
        return type(subject).objects.for_step().get(pk=subject.pk)

    def target_of(self, step, subject) -> str:
        return step.target or subject.suspended_from


# Registered in `plans/registrations.py`: the words of its steps and who acts after each
# state, read by the notifications; `plans.services` moves plans with `take_step`.
PLAN_STEPS = PlanSteps(TRANSITIONS)


def transitions_named(name: str) -> list[Transition]:
    return PLAN_STEPS.named(name)


def transition_for(name: str, state: str) -> Transition | None:
    return PLAN_STEPS.step_for(name, state)


def transitions_from(state: str) -> list[Transition]:
    return PLAN_STEPS.from_state(state)


# --- who may fire a transition now (the policy of the plan's steps) ---------------------


def next_roles(state: str) -> set[str]:
    """The roles that act after a step leaves a plan in `state` (for notifications)."""
    return PLAN_STEPS.acts_next(state)


def check_plan_transition(user, plan, name: str, *, guards: bool = True, **params) -> Decision:
    """May `user` fire transition `name` on `plan` now? Role, object, state and guards.

    With `guards=False`, only who and when: whether to offer the action at all (the reason
    and the guards are checked when it is fired)."""
    transitions = transitions_named(name)
    if not transitions:
        return refuse(INVALID, _("Unknown action “%(name)s”.") % {"name": name})
    alliance = plan.alliance
    if user is not None and not can_view_alliance(user, alliance):
        return refuse(NOT_FOUND, _("You do not have access to this business plan."))
    entry = transition_for(name, plan.status)
    label = str(transitions[0].label)
    status = str(plan.get_status_display())
    if entry is None:
        return refuse(
            WRONG_STATE,
            _("“%(action)s” is not possible for a plan at the “%(status)s” stage.")
            % {"status": status, "action": label},
        )
    if entry.system:
        if user is not None:
            return refuse(FORBIDDEN, _("The platform does this by itself."))
    else:
        held = roles_for_alliance(user, alliance) if user is not None else frozenset()
        if not (held & entry.roles):
            return refuse(
                FORBIDDEN,
                _(
                    "Only a %(roles)s of this alliance may use “%(action)s” on a plan at the "
                    "“%(status)s” stage."
                )
                % {"roles": role_names(entry.roles), "action": label, "status": status},
            )
    if not guards:
        return ALLOWED
    if entry.reason_required and not str(params.get("comment") or "").strip():
        return refuse(
            INVALID,
            _("Give a reason for “%(action)s”.") % {"action": label},
            fields={"comment": [_("Give a reason.")]},
        )
    for guard in (*entry.guards, *guards_of(name)):
        decision = guard(plan, user=user, **params)
        if not decision:
            return decision
    return ALLOWED


def allowed_plan_transitions(user, plan) -> list:
    """The transitions `user` may fire on `plan` now (for buttons), guards excluded."""
    held = roles_for_alliance(user, plan.alliance)
    return [t for t in transitions_from(plan.status) if not t.system and (held & t.roles)]


# --- what other apps do when a plan moves ----------------------------------------------
#
# An upper app reacts to a plan's transition by registering an effect here (in its
# `registrations.py`), never by being imported from below: funding reserves the grant at
# approval and schedules the tranches at signing; monitoring schedules and closes reports.
# Effects run inside the transition's transaction, after the plan's own effect, with the
# locked plan; one that refuses (`ActionRefused`) undoes the whole transition.

PlanEffect = Callable[..., None]  # effect(plan, *, by)


def on_transition(name: str, effect: PlanEffect) -> None:
    """Run `effect(plan, by=...)` whenever the transition `name` is fired."""
    PLAN_STEPS.on(name, effect)


def effects_of(name: str) -> tuple[PlanEffect, ...]:
    return PLAN_STEPS.effects_of(name)


# A condition an upper app owns, checked with the transition's own guards: funding's
# "the buyer has confirmed the purchase agreement and the legalization checklist is done"
# before signing.
_GUARDS: dict[str, list[Guard]] = {}


def add_guard(name: str, guard: Guard) -> None:
    """Check `guard(plan, user=..., **params) -> Decision` before transition `name`."""
    if not transitions_named(name):
        raise ValueError(f"no plan transition is named {name!r}")
    if guard not in _GUARDS.setdefault(name, []):
        _GUARDS[name].append(guard)


def guards_of(name: str) -> tuple[Guard, ...]:
    return tuple(_GUARDS.get(name, ()))
