"""Users, their roles, and the in-app notifications they receive.

A user's roles are `Membership` rows. Ministry staff hold one or more staff roles, each
optionally scoped to regions (no region = national). A producer-organization user is
bound to one organization, a buyer user to one buyer, a funder user to one funder, and a
technical-assistance user to one provider (which accompanies several organizations).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    email_notifications = models.BooleanField(_("send me e-mail notifications"), default=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    PRODUCER = "producer", _("Producer organization representative")
    BUYER = "buyer", _("Buyer representative")
    TA_PROVIDER = "ta_provider", _("Technical assistance provider")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    APPRAISER = "appraiser", _("Appraiser")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    ME_OFFICER = "me_officer", _("Monitoring and evaluation officer")
    FUNDER = "funder", _("Public funder")


STAFF_ROLES = frozenset(
    {
        Role.PROGRAMME_OFFICER,
        Role.APPRAISER,
        Role.COMMITTEE_MEMBER,
        Role.FINANCE_OFFICER,
        Role.ME_OFFICER,
    }
)


def _bound_to(field: str | None) -> Q:
    """Exactly `field` among the binding foreign keys is set (none when field is None)."""
    q = Q()
    for name in ("producer_organization", "buyer", "funder", "ta_provider"):
        q &= Q(**{f"{name}__isnull": name != field})
    return q


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    producer_organization = models.ForeignKey(
        "alliances.ProducerOrganization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    buyer = models.ForeignKey(
        "alliances.Buyer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    funder = models.ForeignKey(
        "alliances.Funder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    ta_provider = models.ForeignKey(
        "alliances.TechnicalAssistanceProvider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    regions = models.ManyToManyField(
        "alliances.Region",
        blank=True,
        related_name="staff_memberships",
        help_text=_("Ministry staff only: leave empty for national scope."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="membership_one_per_role"),
            models.CheckConstraint(
                name="membership_binding_matches_role",
                condition=(
                    (Q(role=Role.PRODUCER) & _bound_to("producer_organization"))
                    | (Q(role=Role.BUYER) & _bound_to("buyer"))
                    | (Q(role=Role.FUNDER) & _bound_to("funder"))
                    | (Q(role=Role.TA_PROVIDER) & _bound_to("ta_provider"))
                    | (Q(role__in=sorted(STAFF_ROLES)) & _bound_to(None))
                ),
            ),
        ]

    def __str__(self) -> str:
        bound = self.producer_organization or self.buyer or self.funder or self.ta_provider
        return f"{self.user} · {self.get_role_display()}" + (f" · {bound}" if bound else "")


# How each kind of notice is worded: kind -> a function of the notification giving its
# text in the active language. Notices are worded when read (the page, the e-mail), in
# the reader's language, from what they refer to: a step in the transition log
# (`accounts.notifications`), or the parameters another app stored and registered a
# wording for when ready (monitoring's overdue-report reminder).
NOTICE_KINDS: dict[str, Callable[["Notification"], str]] = {}
STEP_NOTICE = "step"


def register_notice_kind(kind: str, render: Callable[["Notification"], str]) -> None:
    NOTICE_KINDS[kind] = render


class Notification(models.Model):
    """An in-app notice to a user who must act next (or whose plan moved)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.CASCADE, related_name="notifications"
    )
    transition_log = models.ForeignKey(
        "plans.TransitionLog",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # What the notice is about, worded when read (`text`): "step" (`transition_log`) or a
    # kind another app registered, with its `params`.
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The text of a notice recorded before notices were worded when read (no `kind`).
    message = models.CharField(_("message"), max_length=500, blank=True)
    # Where the notice leads, when not the alliance's plan page (an overdue report).
    path = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # A user's notifications, newest first (the notifications page).
            models.Index(fields=["recipient", "created_at", "id"], name="notification_recent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "transition_log"], name="notification_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The notice in the active language (the reader's)."""
        render = NOTICE_KINDS.get(self.kind)
        return render(self) if render is not None else self.message


class ApiTokenGrant(models.Model):
    """How an API token (rest_framework.authtoken's `Token`, beside which this row lives)
    was issued: with a verified authentication code or not, and for which password.

    `accounts.api_tokens` writes it when a token is created and reads it on every API
    request signed with the token (see `ExpiringTokenAuthentication`)."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="grant"
    )
    # A digest of the user's password hash when the token was issued: any change of the
    # password, by whatever path, makes it differ.
    password_stamp = models.CharField(max_length=64)
    second_factor = models.BooleanField(
        _("issued with an authentication code"),
        default=False,
    )

    class Meta:
        verbose_name = _("API token grant")
        verbose_name_plural = _("API token grants")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)  # never the key: it is the token
