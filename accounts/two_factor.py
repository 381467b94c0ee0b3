"""Two-factor sign-in: a code from an authenticator app (TOTP), with one-time backup codes.

Built on django-otp. Whether a user *must* use it is the policy's question
(`policy.must_use_two_factor`); this module holds the devices (enrolment, checking a code,
backup codes) and the middleware that keeps a user who must use two-factor sign-in away
from every page until they have signed in with a code.
"""

from __future__ import annotations

import base64
import time

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import policy

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
TOTP_DIGITS = 6


# --- devices ---------------------------------------------------------------------------


def has_two_factor(user) -> bool:
    """Has the user a confirmed authenticator app (so signing in needs a code)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice | None:
    """The authenticator being set up (its code not yet confirmed), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def start_enrolment(user) -> TOTPDevice:
    """A new secret for the user's authenticator app, unconfirmed until a code matches."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (made here, no outside
    service). segno writes plain SVG elements and attributes: no script, no style."""
    qr = segno.make(device.config_url, error="m")
    return mark_safe(qr.svg_inline(scale=5, border=2, light="#fff", title=_("QR code to scan")))  # noqa: S308


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps that cannot scan a QR code."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalize_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def finish_enrolment(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending authenticator if `code` matches it. Replaces any earlier
    authenticator and issues fresh backup codes, which are returned; None if the code
    does not match."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
        if locked is None or locked.confirmed or not locked.verify_token(normalize_code(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=locked.pk).delete()
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        codes = replace_backup_codes(user)
    device.refresh_from_db()
    return codes


def replace_backup_codes(user) -> list[str]:
    """Ten new one-time backup codes; the old ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes(user) -> list[str]:
    """The backup codes not used yet."""
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def verify_code(user, code: str) -> Device | None:
    """The device that accepts `code` for `user`: the authenticator app for a six-digit
    code, the backup codes otherwise (a backup code works once). None if none does.

    Each device counts its failures and makes the user wait longer after each one."""
    code = normalize_code(code)
    if not code:
        return None
    model = TOTPDevice if code.isdigit() and len(code) == TOTP_DIGITS else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def turn_off(user) -> None:
    """Remove the user's authenticator and backup codes (the caller checks it is allowed)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


# --- enforcement -----------------------------------------------------------------------

# The answer of `policy.must_use_two_factor` is kept in the session for a few minutes, so
# that pages do not ask the database on every request; a programme or role changed by an
# administrator applies to users already signed in within that time.
REQUIRED_SESSION_KEY = "two_factor_required"
RECHECK_SECONDS = 300


def remember_requirement(request, user) -> bool:
    required = policy.must_use_two_factor(user)
    request.session[REQUIRED_SESSION_KEY] = [user.pk, int(time.time()), required]
    return required


def requirement(request, user) -> bool:
    """`policy.must_use_two_factor(user)`, as remembered in the session."""
    kept = request.session.get(REQUIRED_SESSION_KEY)
    if (
        isinstance(kept, list)
        and len(kept) == 3
        and kept[0] == user.pk
        and 0 <= time.time() - kept[1] < RECHECK_SECONDS
    ):
        return bool(kept[2])
    return remember_requirement(request, user)


def requirement_for_api(user) -> bool:
    """`policy.must_use_two_factor(user)` for a request signed with an API token,
    remembered in the cache for as long as sessions keep it (a token has no session)."""
    key = f"{REQUIRED_SESSION_KEY}:{user.pk}"
    required = cache.get(key)
    if required is None:
        required = policy.must_use_two_factor(user)
        cache.set(key, required, RECHECK_SECONDS)
    return required


@receiver(user_logged_in)
def _remember_requirement_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        remember_requirement(request, user)


# Pages a user who must enrol may still open (unnamespaced URL names).
OPEN_URL_NAMES = frozenset({"login", "login_verify", "logout", "two_factor_setup", "set_language"})


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class TwoFactorRequiredMiddleware:
    """Keeps a user who must use two-factor sign-in, and has not signed in with a code,
    away from every page but enrolment and signing out. Goes after django-otp's
    `OTPMiddleware`, which tells whether the session was verified with a code.

    It sees the session's user only: an API request signed with a token is anonymous
    here (DRF reads the token later, in the view), and is checked by
    `api_tokens.ExpiringTokenAuthentication` instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and not match.namespace and match.url_name in OPEN_URL_NAMES:
            return None
        if not requirement(request, user):
            return None
        message = _("Your role requires two-factor sign-in: sign in with an authentication code.")
        if _is_api(request):
            return JsonResponse({"detail": message, "reasons": [message], "fields": {}}, status=403)
        if has_two_factor(user):
            # Signed in without a code (e.g. before the authenticator was added): start over.
            logout(request)
            messages.info(request, message)
            return redirect_to_login(request.get_full_path())
        messages.info(
            request,
            _("Your role requires two-factor sign-in. Set up your authenticator app to continue."),
        )
        setup = reverse("two_factor_setup")
        return redirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
