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
    INVALID,
    WRONG_STATE,
    ActionRefused,
    Decision,
    refuse,
    require_roles,
)
from accounts.steps import record_step

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


# The steps the transition log records (registered in `AlliancesConfig.ready`).
AGREEMENT_AMEND = "agreement_amend"
AGREEMENT_LOG_STEPS = {
    "agreement_send": gettext_lazy("Agreement sent to the buyer"),
    "agreement_confirm": gettext_lazy("Agreement confirmed by the buyer"),
    "agreement_decline": gettext_lazy("Agreement declined by the buyer"),
    AGREEMENT_AMEND: gettext_lazy("Agreement amended"),
}


def _log_name(action: str) -> str:
    return f"agreement_{action}"


ACTION_LABELS = {
    "send": gettext_lazy("send the agreement to the buyer"),
    "confirm": gettext_lazy("confirm the agreement"),
    "decline": gettext_lazy("decline the agreement"),
}


AGREEMENT_ACTIONS = {
    # action: (roles, source, target, reason required)
    "send": (DRAFTERS, PurchaseAgreement.Status.DRAFT, PurchaseAgreement.Status.SENT, False),
    "confirm": (
        frozenset({Role.BUYER}),
        PurchaseAgreement.Status.SENT,
        PurchaseAgreement.Status.CONFIRMED,
        False,
    ),
    "decline": (
        frozenset({Role.BUYER}),
        PurchaseAgreement.Status.SENT,
        PurchaseAgreement.Status.DECLINED,
        True,
    ),
}


def agreement_decision(by, agreement, action: str) -> Decision:
    """May `by` send, confirm or decline `agreement` now? (Pages ask it for buttons.)"""
    roles, source, _target, _reason = AGREEMENT_ACTIONS[action]
    label = str(ACTION_LABELS[action])
    decision = require_roles(by, agreement.alliance, roles, label)
    if not decision:
        return decision
    if agreement.status != source:
        return refuse(
            WRONG_STATE,
            _("The agreement is %(status)s: it cannot be sent to “%(action)s”.")
            % {"status": str(agreement.get_status_display()).lower(), "action": label},
        )
    return ALLOWED


def agreement_draft_decision(by, alliance) -> Decision:
    return require_roles(by, alliance, DRAFTERS, _("draft the purchase agreement"))


def _move(agreement, *, by, action, comment=""):
    _roles, source, target, reason_required = AGREEMENT_ACTIONS[action]
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = (
            PurchaseAgreement.objects.select_for_update()
            .select_related("alliance")
            .get(pk=agreement.pk)
        )
        agreement_decision(by, locked, action).raise_if_refused()
        if reason_required and not comment:
            raise ActionRefused(
                _("A reason is required."), code=INVALID, fields={"comment": [_("Give a reason.")]}
            )
        locked.status = target
        fields = ["status", "updated_at"]
        if target == PurchaseAgreement.Status.DECLINED:
            locked.decline_reason = comment
            fields.append("decline_reason")
        locked.save(update_fields=fields)
        if target == PurchaseAgreement.Status.CONFIRMED:
            locked.versions.filter(number=locked.current_version.number).update(
                confirmed_at=timezone.now()
            )
        record_step(
            subject=locked,
            alliance=locked.alliance,
            transition=_log_name(action),
            from_state=source,
            to_state=target,
            by=by,
            comment=comment,
        )
    agreement.refresh_from_db()
    return agreement


def agreement_send(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="send", comment=comment)


def agreement_confirm(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="confirm", comment=comment)


def agreement_decline(*, agreement, by, comment: str = "") -> PurchaseAgreement:
    return _move(agreement, by=by, action="decline", comment=comment)
