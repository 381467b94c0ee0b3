"""Indicator table (XLSX, §8-§9): per alliance and indicator, the baseline, the end-of-plan
target, the value to date and the accepted value of each calendar period; then every
monitoring report with its dates, status and the people who sent and reviewed it.

The figures are those of the alliance's monitoring page (`monitoring.selectors.
indicator_table`): the indicators of its programme, values of accepted reports only, to
date the aggregate of the accepted values, or for computed indicators the confirmed
deliveries and revolving-fund repayments since its first period began. Indicators
disaggregated by sex or youth get a row for each "of which" figure under their total.

Period columns are calendar quarters ("2026 Q1"), or months when every programme covered
reports monthly, the same columns for every alliance; a report counts in the calendar
period in which its own period ends (two reports ending in one quarter add up as the
indicator adds up). The report covers the requester's visible portfolio narrowed by the
job's parameters, and only alliances whose monitoring the requester may read (buyers may
not) and which have a reporting schedule.

A fixed number of queries for any portfolio (`streams`): one per table, read in chunks
side by side; memory holds one alliance.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, Length
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import monitoring_alliances_visible_to
from alliances.models import Delivery
from core.dates import add_months, calendar_period
from core.formats import format_period
from core.labels import state_label
from core.money import ZERO
from core.translated import translated
from funding.models import PurchaseAgreementVersion
from monitoring.models import (
    Indicator,
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFundEntry,
)
from monitoring.selectors import SALES_VALUE, SALES_VALUE_FIELD, aggregate, indicators_by_program

from . import xlsx
from .base import Context
from .streams import Follower, alliance_key, alliance_order, rows

S = MonitoringReport.Status
# Columns: programme, alliance code, alliance, region, value chain, indicator code,
# indicator, of which, unit, then the figures (baseline, target, to date, each period).
TEXT_WIDTHS = [12, 16, 30, 14, 16, 18, 30, 9, 9]
FIGURE_WIDTH = 14
FIGURES_FROM = len(TEXT_WIDTHS)


def indicator_headers(periods: list[str]) -> list[str]:
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
        *periods,
    ]


def covered(ctx: Context):
    """The alliances of the report: visible, narrowed by the parameters, whose monitoring
    the requester may read, and that have reports."""
    scheduled = MonitoringReport.objects.filter(alliance=OuterRef("pk"))
    return (
        ctx.alliances()
        .filter(pk__in=monitoring_alliances_visible_to(ctx.user).values("pk"))
        .filter(Exists(scheduled))
    )


@dataclass
class Calendar:
    """The period columns: calendar months (1) or quarters (3), first to last."""

    months: int
    starts: list[datetime.date] = field(default_factory=list)

    def column(self, period_end: datetime.date) -> int:
        """The column of a report whose period ends on `period_end`."""
        start = calendar_period(period_end, self.months)
        first = self.starts[0]
        return ((start.year - first.year) * 12 + start.month - first.month) // self.months

    def labels(self) -> list[str]:
        return [format_period(start, self.months) for start in self.starts]


@dataclass
class Survey:
    """What one query tells about the covered alliances before their rows are written."""

    alliances: int
    calendar: Calendar
    longest: dict[str, int]


def survey(alliances) -> Survey:
    """How many alliances, the calendar of the period columns (reports whose period has
    started) and the longest names, in one query."""
    today = timezone.localdate()
    started = Q(monitoring_reports__period_start__lte=today)
    figures = alliances.aggregate(
        count=Count("pk", distinct=True),
        months=Max("program__monitoring_period_months"),
        first=Min("monitoring_reports__period_end", filter=started),
        last=Max("monitoring_reports__period_end", filter=started),
        name=Max(Length("name")),
        region=Max(Length("region__name")),
        chain=Max(Length(translated("value_chain__name"))),
    )
    calendar = Calendar(months=1 if figures["months"] == 1 else 3)
    if figures["first"] is not None:
        start = calendar_period(figures["first"], calendar.months)
        while start <= figures["last"]:
            calendar.starts.append(start)
            start = add_months(start, calendar.months)
    longest = {key: figures[key] or 0 for key in ("name", "region", "chain")}
    return Survey(figures["count"], calendar, longest)


# --- the streams: one query each, sorted like the alliances -----------------------------


def _alliances(alliances) -> Iterator[tuple]:
    return rows(
        alliances.order_by(*alliance_order()).values_list(
            *alliance_key(),
            "program_id",
            "program__currency",
            "name",
            "region__name",
            translated("value_chain__name"),
            "product__unit",
        )
    )


def _followers(alliances) -> dict[str, Follower]:
    """The other streams, each restricted to the covered alliances."""
    today = timezone.localdate()
    ids = alliances.values("pk")
    # Confirmed deliveries and fund repayments count from the alliance's first period
    # on: a row counts if a period of the alliance has started by its date.
    started = Q(period_start__lte=today)
    deliveries = (
        Delivery.objects.filter(alliance__in=ids, status=Delivery.Status.CONFIRMED)
        .filter(
            Exists(
                MonitoringReport.objects.filter(
                    started,
                    alliance=OuterRef("alliance"),
                    period_start__lte=OuterRef("delivered_on"),
                )
            )
        )
        .order_by(*alliance_order("alliance__"))
        .values(*alliance_key("alliance__"))
        .annotate(
            total_volume=Coalesce(Sum("volume"), ZERO),
            total_value=Coalesce(Sum(SALES_VALUE), ZERO, output_field=SALES_VALUE_FIELD),
        )
        .values_list(*alliance_key("alliance__"), "total_volume", "total_value")
    )
    alliance = "fund__organization__alliances__"
    repayments = (
        # One filter() call: the Exists and the alliance read the same join.
        RevolvingFundEntry.objects.filter(
            Exists(
                MonitoringReport.objects.filter(
                    started,
                    alliance=OuterRef(f"{alliance}id"),
                    period_start__lte=OuterRef("occurred_on"),
                )
            ),
            kind=RevolvingFundEntry.Kind.REPAYMENT,
            **{f"{alliance}in": ids},
        )
        .order_by(*alliance_order(alliance))
        .values(*alliance_key(alliance))
        .annotate(total=Sum("amount"))
        .values_list(*alliance_key(alliance), "total")
    )
    values = (
        IndicatorValue.objects.filter(
            report__alliance__in=ids, report__status=S.ACCEPTED, report__period_start__lte=today
        )
        .order_by(*alliance_order("report__alliance__"), "report__period_start", "indicator_id")
        .values_list(
            *alliance_key("report__alliance__"),
            "report__period_end",
            "indicator_id",
            "value",
            "women",
            "youth",
        )
    )
    return {
        # The unit deliveries are counted in: the agreement's latest version's (first row).
        "unit": PurchaseAgreementVersion.objects.filter(agreement__alliance__in=ids)
        .order_by(*alliance_order("agreement__alliance__"), "-number")
        .values_list(*alliance_key("agreement__alliance__"), "unit"),
        "baselines": IndicatorBaseline.objects.filter(alliance__in=ids)
        .order_by(*alliance_order("alliance__"))
        .values_list(*alliance_key("alliance__"), "indicator_id", "value"),
        "targets": IndicatorTarget.objects.filter(alliance__in=ids, year__isnull=True)
        .order_by(*alliance_order("alliance__"))
        .values_list(*alliance_key("alliance__"), "indicator_id", "value"),
        "values": values,
        "sales": deliveries,
        "repaid": repayments,
    }


# --- the rows ---------------------------------------------------------------------------


@dataclass
class AllianceFigures:
    """What one alliance's rows are made of, from the streams."""

    head: list
    currency: str
    volume_unit: str
    baselines: dict[int, Decimal]
    targets: dict[int, Decimal]
    # indicator id -> part ("value", "women", "youth") -> column -> accepted figures
    periods: dict[int, dict[str, dict[int, list[Decimal]]]]
    accepted: dict[int, list[Decimal]]  # indicator id -> accepted values, oldest first
    sales: tuple[Decimal, Decimal]
    repaid: Decimal


def _to_date(indicator: Indicator, figures: AllianceFigures):
    source = indicator.source
    if source == Indicator.Source.DELIVERY_VOLUME:
        return figures.sales[0]
    if source == Indicator.Source.DELIVERY_VALUE:
        return figures.sales[1].quantize(Decimal("0.01"))
    if source == Indicator.Source.REVOLVING_REPAYMENTS:
        return figures.repaid
    return aggregate(indicator, figures.accepted.get(indicator.pk, []))


class Words:
    """An indicator's label and unit, read once per report: the translated fields are slow
    to read, and a report's language does not change while it is written."""

    def __init__(self):
        self._labels: dict[int, str] = {}
        self._units: dict[tuple, str] = {}

    def label(self, indicator: Indicator) -> str:
        if indicator.pk not in self._labels:
            self._labels[indicator.pk] = indicator.label
        return self._labels[indicator.pk]

    def unit(self, indicator: Indicator, currency: str, volume_unit: str) -> str:
        key = (indicator.pk, currency, volume_unit)
        if key not in self._units:
            self._units[key] = indicator.unit_for(currency=currency, volume_unit=volume_unit)
        return self._units[key]


def indicator_rows(
    indicators: list[Indicator], figures: AllianceFigures, columns: int, words: Words
) -> Iterator[tuple[Indicator, list]]:
    """(indicator, row) of one alliance, the row without its styles."""
    parts = [("women", _("women"), "by_sex"), ("youth", _("youth"), "by_youth")]
    for indicator in indicators:
        unit = words.unit(indicator, figures.currency, figures.volume_unit)
        by_period = figures.periods.get(indicator.pk, {})

        def period_values(part: str, by_period=by_period, indicator=indicator) -> list:
            found = by_period.get(part, {})
            return [aggregate(indicator, found.get(column, [])) for column in range(columns)]

        head = [*figures.head, indicator.code, words.label(indicator)]
        yield (
            indicator,
            [
                *head,
                "",
                unit,
                figures.baselines.get(indicator.pk),
                figures.targets.get(indicator.pk),
                _to_date(indicator, figures),
                *period_values("value"),
            ],
        )
        for attr, label, shown in parts:
            if not getattr(indicator, shown):
                continue
            accepted = [v for c in sorted(by_period.get(attr, {})) for v in by_period[attr][c]]
            yield (
                indicator,
                [*head, label, unit, None, None, aggregate(indicator, accepted)]
                + period_values(attr),
            )


def alliance_figures(alliances, calendar: Calendar) -> Iterator[tuple[int, AllianceFigures]]:
    """(programme id, figures) of each covered alliance, in the order of the sheet."""
    followers = {name: Follower(rows(qs)) for name, qs in _followers(alliances).items()}
    for row in _alliances(alliances):
        key = tuple(row[:3])
        program_code, code, _pk = key
        program_id, currency, name, region, chain, product_unit = row[3:]
        units = followers["unit"].take(key)
        periods: dict[int, dict[str, dict[int, list]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        accepted: dict[int, list] = defaultdict(list)
        for period_end, indicator_id, value, women, youth in followers["values"].take(key):
            column = calendar.column(period_end)
            for part, figure in (("value", value), ("women", women), ("youth", youth)):
                if figure is not None:
                    periods[indicator_id][part][column].append(figure)
            if value is not None:
                accepted[indicator_id].append(value)
        sales = followers["sales"].take(key)
        repaid = followers["repaid"].take(key)
        yield (
            program_id,
            AllianceFigures(
                head=[program_code, code, name, region, chain],
                currency=currency,
                volume_unit=(units[0][0] if units else "") or product_unit,
                baselines=dict(followers["baselines"].take(key)),
                targets=dict(followers["targets"].take(key)),
                periods=periods,
                accepted=accepted,
                sales=sales[0] if sales else (ZERO, ZERO),
                repaid=repaid[0][0] if repaid else ZERO,
            ),
        )


# --- the reports sheet ------------------------------------------------------------------

REPORT_WIDTHS = [12, 16, 8, 12, 12, 12, 12, 14, 9, 12, 24, 12, 24, 40]
REPORT_DATES = {4, 5, 6, 9, 11}  # period start and end, due, submitted and reviewed on


def report_headers() -> list[str]:
    return [
        _("Programme"),
        _("Alliance code"),
        _("Period"),
        _("Calendar period"),
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


def report_rows(alliances, calendar: Calendar) -> Iterator[list]:
    today = timezone.localdate()
    reports = (
        MonitoringReport.objects.filter(
            alliance__in=alliances.values("pk"), period_start__lte=today
        )
        .select_related("alliance__program", "submitted_by", "reviewed_by")
        .order_by(*alliance_order("alliance__"), "period_start")
    )
    number, current = 0, None
    for report in reports.iterator(chunk_size=2000):
        number = number + 1 if report.alliance_id == current else 1
        current = report.alliance_id
        yield [
            report.alliance.program.code,
            report.alliance.code,
            number,
            format_period(calendar_period(report.period_end, calendar.months), calendar.months),
            report.period_start,
            report.period_end,
            report.due_on,
            state_label(report, report.status),
            _("yes") if report.is_overdue else "",
            _local_date(report.submitted_at),
            # People by their name (the user's full name; the username only without one).
            str(report.submitted_by) if report.submitted_by else "",
            _local_date(report.reviewed_at),
            str(report.reviewed_by) if report.reviewed_by else "",
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
    facts = survey(alliances)
    calendar = facts.calendar
    catalogue = {i.pk: i for i in Indicator.objects.all()}
    program_ids = alliances.order_by().values("program_id").distinct()
    indicators = indicators_by_program(
        list(program_ids.values_list("program_id", flat=True)), catalogue
    )
    labels = calendar.labels()
    longest = facts.longest
    widths = [*TEXT_WIDTHS]
    widths[2] = max(widths[2], longest["name"] + 1)
    widths[3] = max(widths[3], longest["region"] + 1)
    widths[4] = max(widths[4], longest["chain"] + 1)
    widths[5] = max([widths[5], *(len(i.code) + 1 for i in catalogue.values())])
    widths[6] = max([widths[6], *(len(i.label) + 1 for i in catalogue.values())])
    widths += [FIGURE_WIDTH] * (3 + len(labels))
    wb = xlsx.workbook()
    ws = xlsx.sheet(wb, _("Indicators"), indicator_headers(labels), widths)
    ctx.progress.phase(0, 90, facts.alliances)
    words = Words()
    for program_id, figures in alliance_figures(alliances, calendar):
        rows_of = indicator_rows(indicators[program_id], figures, len(labels), words)
        for indicator, row in rows_of:
            ws.append(
                row[:FIGURES_FROM]
                + [_figure(ws, v, indicator, figures.currency) for v in row[FIGURES_FROM:]]
            )
        ctx.progress.row()
    ctx.progress.phase(90, 99, 1)
    ws = xlsx.sheet(wb, _("Reports"), report_headers(), REPORT_WIDTHS)
    for row in report_rows(alliances, calendar):
        ws.append([xlsx.date(ws, v) if i in REPORT_DATES else v for i, v in enumerate(row)])
    ctx.progress.row()
    xlsx.save(wb, path)
