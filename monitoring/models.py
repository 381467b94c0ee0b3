"""Periodic monitoring reports (DESIGN.md §8).

The report's life: due -> submitted -> accepted | returned, and returned -> submitted when
the producer organization resubmits. `overdue` is shown, not stored: a due report past
its date. Indicators, values and the portfolio views come with the monitoring issue; the
report itself exists already because a tranche waits for the report due before it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MonitoringReport(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="monitoring_reports"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DUE, db_index=True
    )
    narrative = models.TextField(_("narrative"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alliance", "period_start"]
        verbose_name = _("monitoring report")
        verbose_name_plural = _("monitoring reports")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "period_start"], name="monitoring_report_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="monitoring_report_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.period_start} – {self.period_end}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.DUE and self.due_on < timezone.localdate()
