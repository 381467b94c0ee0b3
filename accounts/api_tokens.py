"""API tokens: how long they last, what revokes them, and two-factor sign-in.

A token is DRF's `authtoken.Token` (one per user) with an `ApiTokenGrant` beside it that
says for which password it was issued and whether a verified authentication code was
given. Every API request signed with a token passes `ExpiringTokenAuthentication`, which
refuses it, in this order, when:

- the user is inactive (401; the token is deleted);
- the token is older than `API_TOKEN_TTL_DAYS` (401; deleted);
- the user's password has changed since it was issued (401; deleted);
- the user must use two-factor sign-in (`policy.must_use_two_factor`) and the token was
  issued without a code (403; the user asks for a new token with the code).

Revocation is decided there, when the token is used, by comparing the token with the
user's row as it is now, not by reacting to the changes that revoke it: a password set
by the password-change page, a reset link, the admin, `set_password()` + `save()`, a
`QuerySet.update()` or plain SQL all change the password hash, and none of them can skip
a check made on every request. Signals would miss `update()` and SQL. The one signal
here only makes deactivation final: it deletes the tokens of a user saved as inactive,
so that reactivating the account later does not bring an old token back.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from . import two_factor
from .models import ApiTokenGrant, User

EXPIRED = _("Your token has expired; ask for a new one.")
PASSWORD_CHANGED = _("Your token was revoked because your password changed; ask for a new one.")
NEEDS_SECOND_FACTOR = _(
    "Your role requires two-factor sign-in: ask for a new token, giving your authentication code."
)


def password_stamp(user) -> str:
    """A digest of the user's password hash. Django salts each new hash afresh, so setting
    a password (even the same one again) changes it. The token table holds only this
    digest, nothing that would let anyone test a guessed password."""
    return hashlib.sha256(user.password.encode()).hexdigest()


def expires_at(token: Token) -> datetime.datetime:
    return token.created + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)


def _unusable_reason(token: Token):
    """Why `token` no longer identifies its user (a message), or None. The caller has
    checked that the user is active; two-factor sign-in is checked apart."""
    if timezone.now() >= expires_at(token):
        return EXPIRED
    grant = getattr(token, "grant", None)
    if grant is None or grant.password_stamp != password_stamp(token.user):
        return PASSWORD_CHANGED
    return None


def api_token_issue(*, user: User, second_factor: bool) -> Token:
    """The user's token: the current one while it is usable (and, when this request gave
    a verified code, was issued with one too), otherwise a new one. The caller has checked
    the password and, for `second_factor`, the code."""
    with transaction.atomic():
        # One token per user: lock the user so that two requests at once do not both create.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
        token = Token.objects.select_related("user", "grant").filter(user=user).first()
        if token is not None:
            grant = getattr(token, "grant", None)
            if _unusable_reason(token) is None and (grant.second_factor or not second_factor):
                return token
            token.delete()
        token = Token.objects.create(user=user)
        if second_factor:
            ApiTokenGrant.objects.filter(token=token).update(second_factor=True)
    return token


def api_token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens that have expired, been revoked, or
    lack the second factor the user's role requires (see the module's docstring).

    The two-factor check is made here because `two_factor.TwoFactorRequiredMiddleware`
    runs before DRF has read the token: it sees such requests as anonymous."""

    def authenticate_credentials(self, key):
        try:  # `get`, not `first`: no ORDER BY to build on every request
            token = Token.objects.select_related("user", "grant").get(key=key)
        except Token.DoesNotExist:
            return super().authenticate_credentials(key)  # DRF's "Invalid token."
        user = token.user
        if not user.is_active:
            api_token_revoke(user=user)
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        reason = _unusable_reason(token)
        if reason is not None:
            token.delete()
            raise exceptions.AuthenticationFailed(reason)
        if not token.grant.second_factor and two_factor.requirement_for_api(user):
            raise exceptions.PermissionDenied(NEEDS_SECOND_FACTOR)
        return user, token


# --- keeping the grant beside every token ------------------------------------------------


@receiver(post_save, sender=Token)
def _grant_for_new_token(sender, instance, created, raw=False, **kwargs):
    # Tokens are made by `api_token_issue`, but also by DRF's admin page and by tests;
    # each gets a grant for the current password, without a second factor. A token made
    # without `save()` (bulk_create, SQL) has none and is refused.
    if created and not raw:
        ApiTokenGrant.objects.get_or_create(
            token=instance, defaults={"password_stamp": password_stamp(instance.user)}
        )


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _deactivation_revokes_tokens(sender, instance, update_fields=None, raw=False, **kwargs):
    # The authentication refuses an inactive user's token anyway; deleting it makes the
    # revocation outlast a later reactivation.
    if raw or instance.is_active:
        return
    if update_fields is None or "is_active" in update_fields:
        api_token_revoke(user=instance)
