"""Signing in (password, then an authentication code for users with two-factor sign-in)
and the pages where a user sets up, inspects and turns off two-factor sign-in.

Sign-in in two steps: the password page checks the password (django-axes counts the
failures); a user with an authenticator app is then asked for a code before the session
is signed in. The user whose sign-in waits for its code is kept in the anonymous session
for a few minutes only.
"""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import policy, two_factor
from .lockout import lockout_response

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Authentication code"),
        max_length=32,
        strip=True,
        help_text=gettext_lazy(
            "The 6-digit code from your authenticator app, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- signing in ------------------------------------------------------------------------


class SignInView(LoginView):
    """Step 1: the password. Users without two-factor sign-in are signed in here."""

    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "since": int(time.time()),
        }
        return redirect("login_verify")


def _pending(request) -> tuple[object, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, pending


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class SignInVerifyView(FormView):
    """Step 2: the authentication code. A wrong code counts as a failed sign-in."""

    template_name = "accounts/sign_in_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        found = _pending(request)
        if found is None:
            messages.info(request, _("Your sign-in has expired. Enter your password again."))
            return redirect("login")
        self.user, self.pending = found
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request)
        device = two_factor.verify_code(self.user, form.cleaned_data["code"])
        if device is None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                request.session.pop(PENDING_KEY, None)
                return lockout_response(request)
            form.add_error(
                "code",
                _("This code is not valid. Check your authenticator app and try again."),
            )
            return self.form_invalid(form)
        request.session.pop(PENDING_KEY, None)
        next_url = self.pending.get("next") or reverse("home")
        auth_login(request, self.user, backend=self.pending["backend"])
        otp_login(request, device)
        if isinstance(device, StaticDevice):
            left = len(two_factor.backup_codes(self.user))
            messages.warning(
                request,
                _("You signed in with a backup code. %(left)s backup codes are left.")
                % {"left": left},
            )
        return HttpResponseRedirect(next_url)


# --- setting up and managing two-factor sign-in ----------------------------------------


def _verified(request) -> bool:
    return request.user.is_verified()


@method_decorator(login_required, name="dispatch")
class TwoFactorView(View):
    """The user's two-factor sign-in: on or off, required or not, what they can do."""

    def get(self, request):
        user = request.user
        return render(
            request,
            "accounts/two_factor.html",
            {
                "enabled": two_factor.has_two_factor(user),
                "required": policy.must_use_two_factor(user),
                "verified": _verified(request),
                "backup_codes_left": len(two_factor.backup_codes(user)),
            },
        )


@method_decorator([login_required, never_cache], name="dispatch")
class TwoFactorSetupView(View):
    """Enrolment: start (a new secret), scan the QR code, confirm with a first code.

    Replacing an authenticator needs a session signed in with a code."""

    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if two_factor.has_two_factor(request.user) and not _verified(request):
            messages.error(request, _("Sign in with your authentication code first."))
            return redirect("two_factor")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form=None, status=200):
        device = two_factor.pending_device(request.user)
        context = {
            "device": device,
            "form": form or CodeForm(),
            "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
            "required": policy.must_use_two_factor(request.user),
        }
        if device is not None:
            context["qr_code"] = two_factor.qr_code_svg(device)
            context["secret"] = two_factor.secret_for_typing(device)
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        next_url = _safe_next(request, request.POST.get("next"))
        if request.POST.get("action") == "start":
            two_factor.start_enrolment(request.user)
            return redirect(_with_next(reverse("two_factor_setup"), next_url))
        device = two_factor.pending_device(request.user)
        if device is None:
            messages.error(request, _("Start the set-up first."))
            return redirect("two_factor_setup")
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        codes = two_factor.finish_enrolment(request.user, device, form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                _("This code does not match. Check the time on your phone and try again."),
            )
            return self._render(request, form, status=400)
        device.refresh_from_db()
        otp_login(request, device)
        messages.success(
            request,
            _("Two-factor sign-in is on. Keep your backup codes somewhere safe."),
        )
        return redirect(_with_next(reverse("two_factor_backup_codes"), next_url))


@method_decorator([login_required, never_cache], name="dispatch")
class BackupCodesView(View):
    """The unused backup codes (only in a session signed in with a code), and new ones."""

    def dispatch(self, request, *args, **kwargs):
        if not two_factor.has_two_factor(request.user) or not _verified(request):
            messages.error(request, _("Sign in with your authentication code first."))
            return redirect("two_factor")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            "accounts/two_factor_backup_codes.html",
            {
                "codes": two_factor.backup_codes(request.user),
                "next": _safe_next(request, request.GET.get("next")),
            },
        )

    def post(self, request):
        two_factor.replace_backup_codes(request.user)
        messages.success(request, _("New backup codes were made; the old ones no longer work."))
        return redirect("two_factor_backup_codes")


@method_decorator(login_required, name="dispatch")
class TwoFactorTurnOffView(View):
    def post(self, request):
        user = request.user
        if policy.must_use_two_factor(user):
            messages.error(request, _("Your role requires two-factor sign-in: it stays on."))
        elif not _verified(request):
            messages.error(request, _("Sign in with your authentication code first."))
        else:
            two_factor.turn_off(user)
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect("two_factor")
