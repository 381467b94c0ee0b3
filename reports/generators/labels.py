"""Readable names for the codes stored in the transition log and for analysis figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OTHER_ACTIONS = {
    "tranche_request": gettext_lazy("Tranche requested"),
    "tranche_verify": gettext_lazy("Tranche verified"),
    "tranche_authorize": gettext_lazy("Tranche authorized"),
    "tranche_pay": gettext_lazy("Tranche paid"),
    "payment_reverse": gettext_lazy("Payment reversed"),
    "agreement_send": gettext_lazy("Agreement sent to the buyer"),
    "agreement_confirm": gettext_lazy("Agreement confirmed by the buyer"),
    "agreement_decline": gettext_lazy("Agreement declined by the buyer"),
    "agreement_amend": gettext_lazy("Agreement amended"),
}

SOURCE_LABELS = {
    "grant": gettext_lazy("Grant"),
    "producer_cash": gettext_lazy("Producer cash"),
    "producer_in_kind": gettext_lazy("Producer in kind"),
    "buyer": gettext_lazy("Buyer"),
    "credit": gettext_lazy("Credit"),
    "other": gettext_lazy("Other"),
}


def action_label(name: str) -> str:
    from plans import workflow

    transitions = workflow.transitions_named(name)
    if transitions:
        return str(transitions[0].label)
    if name in OTHER_ACTIONS:
        return str(OTHER_ACTIONS[name])
    return name.replace("_", " ")


def state_label(state: str) -> str:
    from alliances.models import PurchaseAgreement
    from funding.models import Tranche
    from plans.models import PlanStatus

    for choices in (PlanStatus, Tranche.Status, PurchaseAgreement.Status):
        if state in choices.values:
            return str(choices(state).label)
    return state.replace("_", " ")


def stage_label(status: str | None) -> str:
    from plans.models import PlanStatus

    return str(PlanStatus(status).label) if status in PlanStatus.values else _("No plan")
