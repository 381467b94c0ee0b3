"""Purchase agreements (§7): drafted by the PO side or an officer, confirmed by the buyer.

draft -> sent -> confirmed | declined. An amendment of a sent, confirmed or declined
agreement is a new version, back in draft, that the buyer confirms again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import (
    ALLOWED,
    CONFLICT,
    INVALID,
    WRONG_STATE,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
)
from accounts.steps import Confirm, Step, StepTable, record_step, take_step

from .models import PurchaseAgreement, PurchaseAgreementVersion

DRAFTERS = frozenset({Role.PRODUCER, Role.TA_PROVIDER, Role.PROGRAMME_OFFICER})
TERM_FIELDS = (
    "product",
    "unit",
    "annual_volume",
    "quality_specification",
    "price_type",
    "unit_price",
    "market_reference",
    "delivery_schedule",
    "payment_terms",
    "duration_months",
    "buyer_support",
)


REQUIRED_TERMS = {
    "product": gettext_lazy("Choose the product."),
    "unit": gettext_lazy("Give the unit of the volume."),
    "annual_volume": gettext_lazy("Give an annual volume greater than zero."),
    "unit_price": gettext_lazy("Give a unit price of zero or more."),
    "duration_months": gettext_lazy("Give a duration of at least one month."),
}


def _check_terms(terms: dict) -> None:
    """Readable messages for missing or impossible terms, before the database sees them."""
    errors = {}
    for name, message in REQUIRED_TERMS.items():
        value = terms.get(name)
        floor_ok = {
            "annual_volume": lambda v: v > 0,
            "duration_months": lambda v: v > 0,
            "unit_price": lambda v: v >= 0,
        }.get(name, lambda v: True)
        if value in (None, "") or not floor_ok(value):
            errors[name] = [str(message)]
    if errors:
        raise ActionRefused(
            _("Some terms of the agreement are missing or impossible."),
            code=INVALID,
            fields=errors,
        )


def agreement_draft(*, alliance, by, **terms) -> PurchaseAgreement:
    """Write the agreement's terms: version 1, or an amendment (a new version in draft)."""
    agreement_draft_decision(by, alliance).raise_if_refused()
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise ActionRefused(
            _("Unknown terms: %(t)s.") % {"t": ", ".join(sorted(unknown))}, code=INVALID
        )
    with transaction.atomic():
        agreement, _created = PurchaseAgreement.objects.select_for_update().get_or_create(
            alliance=alliance
        )
        current = agreement.current_version
        if current is not None:
            base = {f: getattr(current, f) for f in TERM_FIELDS}
            base.update(terms)
            terms = base
        _check_terms(terms)
        # A draft is edited in place; once sent, a change is an amendment: a new version.
        if current is not None and agreement.status == PurchaseAgreement.Status.DRAFT:
            for f, v in terms.items():
                setattr(current, f, v)
            current.save()
        else:
            PurchaseAgreementVersion.objects.create(
                agreement=agreement,
                number=current.number + 1 if current else 1,
                created_by=by,
                **terms,
            )
        if agreement.status != PurchaseAgreement.Status.DRAFT:
            previous = agreement.status
            agreement.status = PurchaseAgreement.Status.DRAFT
            agreement.decline_reason = ""
            agreement.save(update_fields=["status", "decline_reason", "updated_at"])
            record_step(
                subject=agreement,
                alliance=alliance,
                transition=AGREEMENT_AMEND,
                from_state=previous,
                to_state=agreement.status,
                by=by,
            )
    return agreement


AGREEMENT_AMEND = "agreement_amend"
A = PurchaseAgreement.Status


class AgreementSteps(StepTable):
    """The agreement's table: its refusals say the agreement's state in its own words."""

    def decide(self, user, subject, name: str, *, state: bool = True, **params) -> Decision:
        return agreement_decision(user, subject, name)


# The steps of an agreement (registered in `funding/registrations.py`): draft -> sent ->
# confirmed | declined; an amendment (a new version, back in draft) is journaled too.
AGREEMENT_STEPS = AgreementSteps(
    (
        Step(
            "send",
            gettext_lazy("send the agreement to the buyer"),
            frozenset({A.DRAFT}),
            A.SENT,
            DRAFTERS,
            done=gettext_lazy("Agreement sent to the buyer"),
            log_name="agreement_send",
        ),
        Step(
            "confirm",
            gettext_lazy("confirm the agreement"),
            frozenset({A.SENT}),
            A.CONFIRMED,
            frozenset({Role.BUYER}),
            done=gettext_lazy("Agreement confirmed by the buyer"),
            log_name="agreement_confirm",
        ),
        Step(
            "decline",
            gettext_lazy("decline the agreement"),
            frozenset({A.SENT}),
            A.DECLINED,
            frozenset({Role.BUYER}),
            done=gettext_lazy("Agreement declined by the buyer"),
            log_name="agreement_decline",
            reason_required=True,
            confirm=Confirm(
                gettext_lazy("Decline this purchase agreement?"),
                gettext_lazy(
                    "You cannot undo this. Your answer goes to the producer organization and "
                    "the programme; only a new version of the agreement can be confirmed."
                ),
                gettext_lazy("Yes, decline the agreement"),
            ),
        ),
    ),
    other_log_steps={AGREEMENT_AMEND: gettext_lazy("Agreement amended")},
)
AGREEMENT_ACTIONS = tuple(AGREEMENT_STEPS)  # the names, for pages and the API


def agreement_acts_next(state: str) -> set[str]:
    """Who is told after a step: the buyer answers a sent agreement (the table's "confirm"
    and "decline"); from any other state the officer takes it on (signs, or has an
    answered or amended agreement sent)."""
    if state == A.SENT:
        return AGREEMENT_STEPS.acts_next(state)
    return {Role.PROGRAMME_OFFICER}


def agreement_decision(by, agreement, action: str) -> Decision:
    """May `by` send, confirm or decline `agreement` now? (Pages ask it for buttons.)"""
    step = AGREEMENT_STEPS[action]
    label = str(step.label)
    decision = require_roles(by, agreement.alliance, step.roles, label)
    if not decision:
        return decision
    if agreement.status not in step.sources:
        return refuse(
            WRONG_STATE,
            _("The agreement is %(status)s: it cannot be sent to “%(action)s”.")
            % {"status": str(agreement.get_status_display()).lower(), "action": label},
        )
    return ALLOWED


def agreement_draft_decision(by, alliance) -> Decision:
    return require_roles(by, alliance, DRAFTERS, _("draft the purchase agreement"))


def _move(agreement, *, by, action, comment=""):
    """Take the agreement's step `action` (`accounts.steps.take_step`)."""

    def changes(locked: PurchaseAgreement, reason: str) -> list[str]:
        fields = ["updated_at"]
        if action == "decline":
            locked.decline_reason = reason
            fields.append("decline_reason")
        if action == "confirm":
            locked.versions.filter(number=locked.current_version.number).update(
                confirmed_at=timezone.now()
            )
        return fields

    return take_step(AGREEMENT_STEPS, action, agreement, by=by, comment=comment, effect=changes)


def agreement_send(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="send", comment=comment)


def agreement_confirm(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="confirm", comment=comment)


def agreement_decline(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="decline", comment=comment)


# --- the condition of signing (registered with the plan workflow, `funding/registrations.py`) --


def guard_agreement_ready(plan, **_params) -> Decision:
    """The buyer has confirmed the purchase agreement; the legalization checklist is done."""

    alliance = plan.alliance
    problems = []
    agreement = PurchaseAgreement.objects.filter(alliance=alliance).first()
    if agreement is None or agreement.status != PurchaseAgreement.Status.CONFIRMED:
        problems.append(_("The buyer has not confirmed the purchase agreement."))
    missing = alliance.program.legalization_requirements.exclude(checks__alliance=alliance)
    labels = [r.label for r in missing]
    if labels:
        problems.append(
            _("The legalization checklist is not complete: %(items)s.")
            % {"items": "; ".join(labels)}
        )
    return refuse(CONFLICT, *problems) if problems else ALLOWED
