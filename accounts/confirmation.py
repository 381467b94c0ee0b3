"""The confirmation page of a step that cannot be undone (GOV.UK "warning text", then
"Yes, withdraw the plan" / "No, go back"), the same for every step table.

A step whose table entry carries `confirm` (`accounts.steps.Confirm`) is taken by a page
only from a POST that carries `CONFIRM_FIELD`: the confirmation page's "Yes" button sends
it, with the fields first posted. Any other POST of that step (its own button, a stray
click, a replayed form) is checked as usual and then shows the confirmation page,
changing nothing. No script is involved. The API does not ask: a client confirms by
calling.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.formats import format_date, format_money, format_number
from core.number_fields import LocaleDecimalField

from .steps import Confirm

CONFIRM_FIELD = "confirmed"
BACK_FIELD = "back"  # the page the step's form was on, for "No, go back"
_NOT_RESENT = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "yes"


def needs_confirmation(request: HttpRequest, confirm: Confirm | None) -> bool:
    """True when the step must be confirmed and this POST has not confirmed it."""
    return confirm is not None and not is_confirmed(request)


def back_url(request: HttpRequest, default: str) -> str:
    """Where "No, go back" leads: the page the form said it was on (a path of this site),
    else `default`."""
    back = request.POST.get(BACK_FIELD, "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return default


def _shown(field, value, currency: str) -> str:
    if isinstance(value, datetime.date):
        return format_date(value, long=True)
    if isinstance(value, Decimal):
        money = isinstance(field, LocaleDecimalField) and field.shown_places is not None
        return format_money(value, currency) if money and currency else format_number(value)
    return str(value)


def summary_of(form, currency: str = "") -> list[tuple[str, str]]:
    """(label, value) of each field the person filled in, as the page shows values."""
    if form is None or not form.is_valid():
        return []
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        rows.append((str(field.label), _shown(field, value, currency)))
    return rows


def confirmation_page(
    request: HttpRequest,
    *,
    confirm: Confirm,
    back: str,
    form=None,
    subject: str = "",
    currency: str = "",
    action: str | None = None,
) -> HttpResponse:
    """The page that asks `confirm.question` about `subject`, shows what was filled in
    `form`, and posts the same fields again, confirmed, to `action` (the same URL by
    default). Nothing has changed yet."""
    resent = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_RESENT
        for value in values
    ]
    return render(
        request,
        "accounts/confirm_step.html",
        {
            "confirm": confirm,
            "subject": subject,
            "summary": summary_of(form, currency),
            "resent": resent,
            "action": action or request.get_full_path(),
            "back": back,
            "confirm_field": CONFIRM_FIELD,
        },
    )
