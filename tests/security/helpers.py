"""What the security tests share: signing in through the pages, and authenticator codes."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's authenticator app shows now (or `steps_ahead` steps later:
    a code is accepted once, and the device accepts the next step too)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead)
    return f"{value:0{device.digits}d}"


def enrol(user) -> TOTPDevice:
    """Give `user` a confirmed authenticator (as the set-up page does) and return it."""
    device = two_factor.start_enrolment(user)
    assert two_factor.finish_enrolment(user, device, code_for(device)) is not None
    device.refresh_from_db()
    return device


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)
