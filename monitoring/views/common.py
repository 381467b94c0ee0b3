"""What the monitoring pages share: how a refusal is shown, and how figures are written."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.policy import (
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    ActionRefused,
)
from core.formats import format_quantity


def show_refusal(request, refusal: ActionRefused, form=None, field_for=None) -> None:
    """404/403 for access; field messages onto the form; other reasons as form errors
    (or messages when there is no form). A refusal never becomes a 500."""
    if refusal.code == NOT_FOUND:
        raise Http404(" ".join(refusal.reasons))
    if refusal.code == FORBIDDEN:
        raise PermissionDenied(" ".join(refusal.reasons))
    if form is None:
        for reason in refusal.reasons:
            messages.error(request, reason)
        return
    field_for = field_for or {}
    placed = False
    for key, errors in refusal.fields.items():
        name = field_for.get(key, key)
        if name in form.fields:
            for error in errors:
                form.add_error(name, error)
            placed = True
    # Invalid input is said next to each field; a conflict (a loan over the balance, the
    # wrong stage) also says why, above the form.
    if not placed or refusal.code != INVALID:
        for reason in refusal.reasons:
            form.add_error(None, reason)


def status_for(refusal: ActionRefused) -> int:
    return 400 if refusal.code == INVALID else 409


def number_text(value: Decimal | None) -> str:
    """A volume or count as the user's language writes it (core/formats.py)."""
    return format_quantity(value)
