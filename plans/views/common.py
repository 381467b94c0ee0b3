"""Helpers shared by the plan pages: access and turning refusals into answers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.policy import FORBIDDEN, NOT_FOUND, ActionRefused, Decision, get_plan_for_user

from ..models import BusinessPlan


def plan_or_404(request, pk) -> BusinessPlan:
    return get_plan_for_user(request.user, pk)


def enforce(decision: Decision) -> None:
    """Raise 404 or 403 for a refused page access; other refusals are for actions."""
    if decision:
        return
    if decision.code == NOT_FOUND:
        raise Http404(decision.reason)
    raise PermissionDenied(decision.reason)


def report_refusal(request, refusal: ActionRefused, form=None) -> None:
    """Show a refused action: 404/403 for access, else the reasons as messages or form errors."""
    if refusal.code == NOT_FOUND:
        raise Http404(" ".join(refusal.reasons))
    if refusal.code == FORBIDDEN:
        raise PermissionDenied(" ".join(refusal.reasons))
    if form is not None and refusal.fields:
        for field, errors in refusal.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return
    for reason in refusal.reasons:
        messages.error(request, reason)
