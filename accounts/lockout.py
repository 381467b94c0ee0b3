"""Sign-in lockout after repeated failures, per account and address and per account
(django-axes), never per address alone.

`LOGIN_FAILURE_LIMIT` failed attempts within `LOGIN_LOCKOUT_MINUTES` on one account from
one address lock that account for that address; `LOGIN_ACCOUNT_FAILURE_LIMIT` failures on
one account from any addresses (guessing spread over many machines) lock the account
everywhere. An address alone is never locked: a ministry office behind one NAT address
keeps signing in while one colleague mistypes. An administrator unlocks at once by
deleting the attempts in the admin ("Access attempts"). Wrong authentication codes count
as failures too (see `security_views.SignInVerifyView`).
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException


class LockoutBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a locked-out account or address before
    the password is checked.

    Every sign-in a client can reach passes its request (the sign-in page, the admin,
    which sends people there, and the API's token endpoint). A call from the platform's
    own code without a request (a shell, a test) has no client to lock out, so it goes on
    to the password check; django-axes itself would raise instead."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """AXES_HANDLER: two limits where django-axes has one.

    django-axes locks when the failures of any of its lockout parameters reach
    AXES_FAILURE_LIMIT. Here the parameters are the account with the address, and the
    account alone; the account's failures are scaled so that they reach that limit
    exactly when they reach LOGIN_ACCOUNT_FAILURE_LIMIT."""

    def get_failures(self, request, credentials=None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        account_limit = max(settings.LOGIN_ACCOUNT_FAILURE_LIMIT, 1)
        counts = []
        for attempts, parameters in zip(
            self.get_user_attempts(request, credentials),
            settings.AXES_LOCKOUT_PARAMETERS,
            strict=True,
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameters == "username":  # the account from any address
                failures = failures * limit // account_limit
            counts.append(failures)
        return max(counts, default=0)


def client_ip_address(request) -> str:
    """The client's address. Behind `TRUSTED_PROXY_COUNT` reverse proxies it is taken from
    X-Forwarded-For as those proxies wrote it; otherwise REMOTE_ADDR, so that a client
    cannot choose its own address with a forged header."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return remote


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return ngettext(
        "Too many failed sign-in attempts: signing in is blocked for %(minutes)s minute. "
        "Try again later, or ask an administrator to unlock your account.",
        "Too many failed sign-in attempts: signing in is blocked for %(minutes)s minutes. "
        "Try again later, or ask an administrator to unlock your account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_seconds() -> int:
    """How long a client waits (Retry-After): a whole window, since every attempt made
    while locked out counts as a failure and starts the window again."""
    return settings.LOGIN_LOCKOUT_MINUTES * 60


class LockedOut(APIException):
    """The API's answer while the account name or the address is locked out (429, with
    the sign-in page's message and Retry-After)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(lockout_message())
        self.wait = lockout_seconds()  # DRF's exception handler sends it as Retry-After


def is_locked_out(request) -> bool:
    """Has django-axes refused this sign-in, or locked it out with this failure? It marks
    the request it was given while `authenticate()` runs or a failure is counted."""
    return bool(getattr(request, "axes_locked_out", False))


def count_failure(request, username: str) -> None:
    """Count a wrong authentication code toward the lockout, as a wrong password counts."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out client sees (AXES_LOCKOUT_CALLABLE): the sign-in page with the
    message, or the API's error shape; 429 Too Many Requests either way."""
    message = lockout_message()
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "reasons": [message], "fields": {}}, status=429)
    else:
        context = {
            "form": AuthenticationForm(request),
            "lockout_message": message,
            "next": request.POST.get("next", request.GET.get("next", "")),
            "title": _("Sign in"),
        }
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(lockout_seconds())
    return response
