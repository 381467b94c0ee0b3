"""Readable names for analysis figures and a plan's stage; the words for states and steps
come from the one registry, `core.labels`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import labels

SOURCE_LABELS = {
    "grant": gettext_lazy("Grant"),
    "producer_cash": gettext_lazy("Producer cash"),
    "producer_in_kind": gettext_lazy("Producer in kind"),
    "buyer": gettext_lazy("Buyer"),
    "credit": gettext_lazy("Credit"),
    "other": gettext_lazy("Other"),
}


def stage_label(status: str | None) -> str:
    """An alliance's stage: its plan's state ("No plan" without one)."""
    return labels.state_label("plans.BusinessPlan", status) if status else _("No plan")
