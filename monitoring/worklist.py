"""Monitoring's "my tasks" and home-page figures (registered in `accounts.worklist`):
reports to send and to review, overdue reports to chase, deliveries to confirm and to
correct; each from its scope selector, each record leading to the form where it is done."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.policy import deliveries_visible_to, monitoring_reports_visible_to
from accounts.worklist import Figure, Task, TaskItem, acting_as, alliance_subject, keeps, kept
from alliances.deliveries import DELIVERY_STEPS
from alliances.models import Delivery
from core.formats import format_date, format_money, format_number

from .models import MonitoringReport
from .services import REPORT_STEPS

REPORT = "monitoring.MonitoringReport"
DELIVERY = "alliances.Delivery"
S = MonitoringReport.Status
REPORT_ROWS = ("alliance__producer_organization", "alliance__plan")


def _reports(user, step: str, order: str, **where):
    """Reports in the reader's scope, on alliances where the user takes `step`."""
    return (
        monitoring_reports_visible_to(user)
        .filter(acting_as(user, REPORT_STEPS[step].roles), **where)
        .select_related(*REPORT_ROWS)
        .order_by(order, "pk")
    )


def reports_to_send(user):
    """Reports the PO side must send: period over, due or returned, on its alliances."""
    today = timezone.localdate()
    return _reports(user, "submit", "due_on", status__in=[S.DUE, S.RETURNED], period_end__lt=today)


def reports_to_review(user):
    """Submitted reports in the M&E officer's regions."""
    return _reports(user, "accept", "submitted_at", status=S.SUBMITTED)


def reports_overdue(user):
    """Reports past their date and not sent (due or returned), in the M&E officer's
    regions: the ones to chase (`overdue` is shown, not stored, §8)."""
    today = timezone.localdate()
    return _reports(user, "accept", "due_on", status__in=[S.DUE, S.RETURNED], due_on__lt=today)


def deliveries_to_confirm(user):
    return (
        deliveries_visible_to(user)
        .filter(acting_as(user, DELIVERY_STEPS["confirm"].roles), status=Delivery.Status.RECORDED)
        .select_related("alliance__producer_organization", "alliance__plan", "alliance__program")
        .order_by("delivered_on", "pk")
    )


def deliveries_to_correct(user):
    return (
        deliveries_visible_to(user)
        .filter(acting_as(user, DELIVERY_STEPS["correct"].roles), status=Delivery.Status.DISPUTED)
        .select_related("alliance__producer_organization", "alliance__plan", "alliance__program")
        .order_by("delivered_on", "pk")
    )


def _report_item(report) -> TaskItem:
    return TaskItem(
        _("%(alliance)s: report of %(start)s to %(end)s")
        % {
            "alliance": alliance_subject(report.alliance),
            "start": format_date(report.period_start),
            "end": format_date(report.period_end),
        },
        reverse("monitoring:report", args=[report.pk]),
        # The M&E officer's reason, when the report came back to the PO side.
        report.return_reason if report.status == S.RETURNED else "",
    )


def _overdue_item(report) -> TaskItem:
    item = _report_item(report)
    due = _("Due on %(date)s.") % {"date": format_date(report.due_on, long=True)}
    return TaskItem(item.text, item.url, due)


def _delivery_item(delivery) -> TaskItem:
    alliance = delivery.alliance
    return TaskItem(
        _("%(alliance)s: %(volume)s on %(date)s at %(price)s")
        % {
            "alliance": alliance_subject(alliance),
            "volume": format_number(delivery.volume),
            "date": format_date(delivery.delivered_on),
            "price": format_money(delivery.unit_price, alliance.program.currency),
        },
        reverse("monitoring:deliveries", args=[alliance.plan.pk]) + f"#delivery-{delivery.pk}",
        delivery.dispute_reason if delivery.status == Delivery.Status.DISPUTED else "",
    )


def monitoring_tasks(user, s) -> list[Task]:
    """Monitoring reports (§8) and deliveries (§7) waiting for the user."""
    reports = reverse("monitoring:reports")
    tasks = []
    if s.roles & {Role.PRODUCER, Role.TA_PROVIDER}:
        tasks += [
            Task(
                "to_report",
                gettext_lazy("Monitoring reports to send"),
                reports,
                records=reports_to_send(user),
                item=_report_item,
                covers=((REPORT, "save"), (REPORT, "evidence"), (REPORT, "submit")),
            ),
            Task(
                "to_correct_delivery",
                gettext_lazy("Disputed deliveries to correct"),
                reverse("plan-list") + "?status=active",
                records=deliveries_to_correct(user),
                item=_delivery_item,
                covers=((DELIVERY, "correct"),),
            ),
        ]
    if Role.ME_OFFICER in s.staff:
        tasks += [
            Task(
                "to_review_report",
                gettext_lazy("Monitoring reports to review"),
                reports + "?column=waiting",
                records=reports_to_review(user),
                item=_report_item,
                covers=((REPORT, "accept"), (REPORT, "return")),
            ),
            Task(
                "to_chase_report",
                gettext_lazy("Overdue monitoring reports to chase"),
                reports + "?column=missing",
                records=reports_overdue(user),
                item=_overdue_item,
            ),
        ]
    if s.buyer_ids:
        tasks.append(
            Task(
                "to_confirm_delivery",
                gettext_lazy("Deliveries to confirm"),
                reverse("plan-list") + "?task=to_confirm_delivery",
                records=deliveries_to_confirm(user),
                item=_delivery_item,
                covers=((DELIVERY, "confirm"), (DELIVERY, "dispute")),
            )
        )
    return tasks


# Kept per user as the task counts are (`accounts.worklist.kept`): counted over every
# report of the officer's regions.
REVIEW_COUNTS = keeps("monitoring_figures")


def _review_counts(user) -> dict[str, int]:
    today = timezone.localdate()
    return (
        monitoring_reports_visible_to(user)
        .filter(acting_as(user, REPORT_STEPS["accept"].roles))
        .aggregate(
            overdue=Count("pk", filter=Q(status__in=[S.DUE, S.RETURNED], due_on__lt=today)),
            waiting=Count("pk", filter=Q(status=S.SUBMITTED)),
            returned=Count("pk", filter=Q(status=S.RETURNED)),
        )
    )


def monitoring_figures(user, s) -> list[Figure]:
    """The M&E officer's figures: reports overdue, waiting for review, and back with the
    PO side, in its regions (one query, kept between steps)."""
    if Role.ME_OFFICER not in s.staff:
        return []
    counts = kept(user, REVIEW_COUNTS, lambda: _review_counts(user))
    reports = reverse("monitoring:reports")
    return [
        Figure(
            _("Overdue monitoring reports"),
            format_number(counts["overdue"], digits=0),
            url=reports + "?column=missing",
        ),
        Figure(
            _("Monitoring reports to review"),
            format_number(counts["waiting"], digits=0),
            url=reports + "?column=waiting",
        ),
        Figure(
            _("Reports returned to the producer organizations"),
            format_number(counts["returned"], digits=0),
        ),
    ]
