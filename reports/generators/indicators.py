"""Indicator table (XLSX, §8-§9): per alliance and indicator, the baseline, the end-of-plan
target, the value to date and the accepted value of each reporting period; then every
monitoring report with its dates and status.

Rows come from `monitoring.selectors.indicator_table`, the function the alliance's
monitoring page reads, so the file and the page agree. Periods are numbered from the
signing date (period 1 is the alliance's first quarter); only accepted reports fill a
period's column. Indicators disaggregated by sex or youth get a row for each "of which"
figure under their total. The report covers the requester's visible portfolio narrowed
by the job's parameters, and only alliances whose monitoring the requester may read
(buyers may not) and which have a reporting schedule.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import monitoring_alliances_visible_to
from core.labels import state_label
from monitoring.models import Indicator, MonitoringReport
from monitoring.selectors import aggregate, indicator_table, volume_unit

from . import xlsx
from .base import Context

FIXED_WIDTHS = [12, 16, 30, 14, 16, 18, 30, 9, 9, 14, 14, 14]
FIGURES = range(9, 12)  # baseline, target, to date: then one column per period


def indicator_headers(periods: int) -> list[str]:
    return [
        _("Programme"),
        _("Alliance code"),
        _("Alliance"),
        _("Region"),
        _("Value chain"),
        _("Indicator code"),
        _("Indicator"),
        _("Of which"),
        _("Unit"),
        _("Baseline"),
        _("End-of-plan target"),
        _("Value to date"),
    ] + [_("Period %(number)s") % {"number": n} for n in range(1, periods + 1)]


def covered(ctx: Context):
    """The alliances of the report: visible, narrowed by the parameters, whose monitoring
    the requester may read, and that have reports."""
    scheduled = MonitoringReport.objects.filter(alliance=OuterRef("pk"))
    return (
        ctx.alliances()
        .filter(pk__in=monitoring_alliances_visible_to(ctx.user).values("pk"))
        .filter(Exists(scheduled))
        .select_related("program", "region", "value_chain", "product")
        .order_by("program__code", "code")
    )


def period_count(alliances) -> int:
    """The most periods started among the alliances: the number of period columns."""
    today = timezone.localdate()
    counts = alliances.annotate(
        started=Count("monitoring_reports", filter=Q(monitoring_reports__period_start__lte=today))
    ).values_list("started", flat=True)
    return max(counts, default=0)


def alliance_rows(alliance) -> Iterator[tuple[Indicator, list]]:
    """(indicator, row) of one alliance, the row without its styles."""
    reports, rows = indicator_table(alliance)
    units = {"currency": alliance.program.currency, "volume_unit": volume_unit(alliance)}
    accepted = {r.pk for r in reports if r.status == MonitoringReport.Status.ACCEPTED}
    head = [
        alliance.program.code,
        alliance.code,
        alliance.name,
        alliance.region.name,
        alliance.value_chain.name,
    ]
    for row in rows:
        indicator = row.indicator
        cells = [row.cells.get(r.pk) if r.pk in accepted else None for r in reports]
        unit = indicator.unit_for(**units)
        values = [c.value if c else None for c in cells]
        yield (
            indicator,
            [
                *head,
                indicator.code,
                indicator.label,
                "",
                unit,
                row.baseline,
                row.end_target,
                row.to_date,
                *values,
            ],
        )
        parts = [("women", _("women"), indicator.by_sex), ("youth", _("youth"), indicator.by_youth)]
        for attr, label, shown in parts:
            if not shown:
                continue
            figures = [getattr(c, attr) if c else None for c in cells]
            to_date = aggregate(indicator, [f for f in figures if f is not None])
            yield (
                indicator,
                [
                    *head,
                    indicator.code,
                    indicator.label,
                    label,
                    unit,
                    None,
                    None,
                    to_date,
                    *figures,
                ],
            )


REPORT_WIDTHS = [12, 16, 8, 12, 12, 12, 14, 9, 12, 16, 12, 16, 40]
REPORT_DATES = {3, 4, 5, 8, 10}  # period start and end, due, submitted and reviewed on


def report_headers() -> list[str]:
    return [
        _("Programme"),
        _("Alliance code"),
        _("Period"),
        _("Period start"),
        _("Period end"),
        _("Due on"),
        _("Status"),
        _("Overdue"),
        _("Submitted on"),
        _("Submitted by"),
        _("Reviewed on"),
        _("Reviewed by"),
        _("Reason for return"),
    ]


def report_rows(alliances) -> Iterator[list]:
    today = timezone.localdate()
    reports = (
        MonitoringReport.objects.filter(
            alliance__in=alliances.values("pk"), period_start__lte=today
        )
        .select_related("alliance__program", "submitted_by", "reviewed_by")
        .order_by("alliance__program__code", "alliance__code", "period_start")
    )
    number, current = 0, None
    for report in reports.iterator(chunk_size=2000):
        number = number + 1 if report.alliance_id == current else 1
        current = report.alliance_id
        yield [
            report.alliance.program.code,
            report.alliance.code,
            number,
            report.period_start,
            report.period_end,
            report.due_on,
            state_label(report, report.status),
            _("yes") if report.is_overdue else "",
            _local_date(report.submitted_at),
            report.submitted_by.username if report.submitted_by else "",
            _local_date(report.reviewed_at),
            report.reviewed_by.username if report.reviewed_by else "",
            report.return_reason,
        ]


def _local_date(moment):
    # Spreadsheets have no time zones: the day as it was where the platform runs.
    return timezone.localdate(moment) if moment else None


def _figure(ws, value, indicator: Indicator, currency: str):
    """A figure as a number: an amount in the currency's minor units, anything else with
    the decimals it has."""
    if value is None:
        return None
    return xlsx.money(ws, value, currency) if indicator.is_money else xlsx.number(ws, value)


def generate(ctx: Context, path) -> None:
    alliances = covered(ctx)
    periods = period_count(alliances)
    wb = xlsx.workbook()
    ws = xlsx.sheet(wb, _("Indicators"), indicator_headers(periods), FIXED_WIDTHS + [12] * periods)
    ctx.progress.phase(0, 90, alliances.count())
    for alliance in alliances.iterator(chunk_size=500):
        currency = alliance.program.currency
        for indicator, row in alliance_rows(alliance):
            row = [
                _figure(ws, v, indicator, currency) if i in FIGURES or i >= len(FIXED_WIDTHS) else v
                for i, v in enumerate(row)
            ]
            ws.append(row)
        ctx.progress.row()
    ctx.progress.phase(90, 99, 1)
    ws = xlsx.sheet(wb, _("Reports"), report_headers(), REPORT_WIDTHS)
    for row in report_rows(alliances):
        ws.append([xlsx.date(ws, v) if i in REPORT_DATES else v for i, v in enumerate(row)])
    ctx.progress.row()
    wb.save(str(path))
