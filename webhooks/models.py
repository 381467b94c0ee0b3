"""Webhooks (DESIGN §10): endpoints that outside systems register to hear of steps, and
the log of every delivery to them.

An endpoint belongs to the user who registered it (an administrator or a programme
officer) and hears only of what that user may read (`webhooks.events`), in one
programme or in all of theirs. Each step of the step tables becomes an event, delivered
by `webhooks.services` with an HMAC-SHA256 signature and retried with backoff.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Webhook(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("registered by"),
    )
    program = models.ForeignKey(
        "funding.Program",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("programme"),
        help_text=_("Only events of this programme; empty: every programme the owner reads."),
    )
    url = models.URLField(_("address"), max_length=500)
    # Event names (`webhooks.events.event_names()`), or ["*"] for every event.
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["is_active"], name="webhook_active")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return "*" in self.events or event in self.events


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("event"), max_length=80)
    # The journal row the event tells of (none for a ping): one delivery per row and webhook.
    log_id = models.BigIntegerField(null=True, blank=True, editable=False)
    payload = models.JSONField(_("body"), encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "log_id"],
                condition=Q(log_id__isnull=False),
                name="webhook_delivery_once_per_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"
