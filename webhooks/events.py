"""What an event is: its name, and the object it carries as the registrant sees it.

Every row of the step journal (`accounts.steps.record_step`) is an event named
`<type>.<state reached>`: `plan.approved`, `tranche.authorized`,
`monitoring_report.accepted`...; a tranche's payment is `payment.recorded` (DESIGN §10).
The object is the API's own representation of the record, taken through the API's own
viewset for the webhook's owner: its read scope decides whether the owner hears of the
step at all (one door for reads), and what they see of it.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, resolve, reverse
from rest_framework.request import Request

from accounts.steps import tables
from core import labels

PING = "ping"
# Model -> (the event's type, the API route of the record: its basename).
TYPES: dict[str, tuple[str, str]] = {
    "plans.BusinessPlan": ("plan", "plan"),
    "funding.Tranche": ("tranche", "tranche"),
    "funding.PurchaseAgreement": ("purchase_agreement", "agreement"),
    "funding.CounterpartContribution": ("counterpart_contribution", "counterpart-contribution"),
    "alliances.Delivery": ("delivery", "delivery"),
    "monitoring.MonitoringReport": ("monitoring_report", "monitoring-report"),
}
# Where DESIGN §10 names an event otherwise than `<type>.<state>`.
RENAMED = {("funding.Tranche", "paid"): "payment.recorded"}


def event_for(model_label: str, state: str) -> str | None:
    kind = TYPES.get(model_label)
    if kind is None or not state:
        return None
    return RENAMED.get((model_label, state), f"{kind[0]}.{state}")


def event_name(log) -> str | None:
    """The event of a journal row, or None for a record outside the API."""
    return event_for(labels.log_model(log), log.to_state)


def event_names() -> list[str]:
    """Every event a webhook may ask for: each state each step table's record can reach."""
    names = set()
    for model_label in tables():
        if model_label not in TYPES:
            continue
        model = apps.get_model(model_label)
        for state, _label in model._meta.get_field("status").choices:
            names.add(event_for(model_label, state))
    return sorted(names - {None}) + [PING]


def _request_for(user) -> Request:
    """A request as `user` would send it, for the viewset and its serializers (absolute
    links point to SITE_URL)."""
    site = settings.SITE_URL.rstrip("/")
    scheme, _sep, host = site.partition("://")
    http = HttpRequest()
    http.method = "GET"
    http.META = {
        "SERVER_NAME": host.split(":")[0] or "localhost",
        "SERVER_PORT": host.split(":")[1]
        if ":" in host
        else ("443" if scheme == "https" else "80"),
        "HTTP_HOST": host or "localhost",
        "wsgi.url_scheme": scheme or "http",
    }
    request = Request(http)
    request.user = user
    return request


def representation(model_label: str, object_id: int, user) -> dict | None:
    """The record as `user` reads it in the API (`GET /api/v1/<route>/<id>/`), or None
    when they may not read it (or it has no route)."""
    kind = TYPES.get(model_label)
    if kind is None:
        return None
    try:
        match = resolve(reverse(f"api:{kind[1]}-detail", args=[object_id]))
    except NoReverseMatch:
        return None
    viewset = match.func.cls(**getattr(match.func, "initkwargs", {}))
    viewset.request = _request_for(user)
    viewset.args, viewset.kwargs = (), match.kwargs
    viewset.action = "retrieve"
    viewset.format_kwarg = None
    record = viewset.get_queryset().filter(pk=object_id).first()
    if record is None:
        return None
    return viewset.get_serializer(record).data
