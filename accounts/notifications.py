"""Who hears about a transition, and what they are told.

For each transition-log row, the people who must act next (the roles that may fire a
transition from the new state, on this alliance) and the producer organization's
representatives are notified in the app. E-mail delivery comes with the pages.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from .models import Notification, Role
from .policy import users_acting_for


def _next_roles(log) -> set[str]:
    from funding.models import Tranche
    from funding.services import TRANCHE_STEPS
    from plans import workflow
    from plans.models import BusinessPlan

    model = log.content_type.model_class()
    if model is BusinessPlan:
        return {r for t in workflow.transitions_from(log.to_state) if not t.system for r in t.roles}
    if model is Tranche:
        return {r for s in TRANCHE_STEPS.values() if s.source == log.to_state for r in s.roles}
    return set()


def recipients(log):
    roles = _next_roles(log) | {Role.PRODUCER}
    users = users_acting_for(log.alliance, roles)
    if log.actor_id:
        users = users.exclude(pk=log.actor_id)
    return users


def _state_label(state: str) -> str:
    from funding.models import Tranche
    from plans.models import PlanStatus

    for choices in (PlanStatus, Tranche.Status):
        if state in choices.values:
            return str(choices(state).label)
    return state.replace("_", " ")


def message_for(log) -> str:
    from plans import workflow

    transitions = workflow.transitions_named(log.transition)
    action = str(transitions[0].label) if transitions else log.transition.replace("_", " ")
    return _("%(alliance)s: %(action)s (%(from)s → %(to)s)") % {
        "alliance": log.alliance.code,
        "action": action,
        "from": _state_label(log.from_state),
        "to": _state_label(log.to_state),
    }


def notify(log) -> list[Notification]:
    """Record the in-app notifications of `log`; safe to run twice (one per recipient)."""
    created = []
    for user in recipients(log):
        with translation.override(user.preferred_language or None):
            message = message_for(log)
        notification, was_created = Notification.objects.get_or_create(
            recipient=user,
            transition_log=log,
            defaults={"alliance_id": log.alliance_id, "message": message},
        )
        if was_created:
            created.append(notification)
    return created
