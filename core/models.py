"""The outbox: tasks a transaction asks for, written in that transaction (core/outbox.py)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task to run once the transaction that wrote it has committed. Delivered to the
    task queue right after the commit, or by the sweep while the queue is unreachable;
    never lost with the queue, never run for a transaction that rolled back."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The web request that asked for the task: its logs carry the same id (core/log_context).
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["created_at"], name="outbox_pending", condition=Q(sent_at=None))
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
