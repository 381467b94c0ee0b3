"""Reads of monitoring (§8): which indicators an alliance reports, the figures the
platform computes from its own records, and each alliance's indicator table."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliances.models import Delivery
from core.money import ZERO
from funding.models import Program, PurchaseAgreementVersion

from .models import (
    Indicator,
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFundEntry,
)

SALES_VALUE_FIELD = DecimalField(max_digits=32, decimal_places=5)
# A delivery's value: volume times unit price (annotate it under another name than
# "volume" or "value", or F("volume") would read the annotation).
SALES_VALUE = ExpressionWrapper(F("volume") * F("unit_price"), output_field=SALES_VALUE_FIELD)


def indicators_by_program(program_ids, catalogue: dict | None = None) -> dict[int, list]:
    """{programme id: the indicators its alliances report}: the programme's choice among
    the indicators in use, or the whole catalogue in use. `catalogue` ({id: Indicator},
    all of them) saves its query when the caller has it."""

    if catalogue is None:
        catalogue = {i.pk: i for i in Indicator.objects.all()}
    in_use = sorted((i for i in catalogue.values() if i.active), key=lambda i: (i.position, i.code))
    chosen: dict[int, set[int]] = defaultdict(set)
    through = Program.indicators.through.objects.filter(program_id__in=set(program_ids))
    for program_id, indicator_id in through.values_list("program_id", "indicator_id"):
        chosen[program_id].add(indicator_id)
    return {pk: [i for i in in_use if i.pk in chosen[pk]] or in_use for pk in set(program_ids)}


def indicators_for(alliance) -> list[Indicator]:
    """The indicators an alliance reports (`indicators_by_program`)."""
    return indicators_by_program([alliance.program_id])[alliance.program_id]


def volume_unit(alliance) -> str:
    """The unit an alliance's deliveries are counted in: its purchase agreement's (current
    version), else its product's."""

    unit = (
        PurchaseAgreementVersion.objects.filter(agreement__alliance=alliance)
        .order_by("-number")
        .values_list("unit", flat=True)
        .first()
    )
    return unit or alliance.product.unit


def confirmed_sales(alliance_ids, start: datetime.date | None = None, end=None) -> dict:
    """{alliance_id: (volume, value)} of confirmed deliveries, dated within [start, end]."""

    rows = Delivery.objects.filter(alliance_id__in=alliance_ids, status=Delivery.Status.CONFIRMED)
    if start is not None:
        rows = rows.filter(delivered_on__gte=start)
    if end is not None:
        rows = rows.filter(delivered_on__lte=end)
    totals = rows.values("alliance_id").annotate(
        total_volume=Coalesce(Sum("volume"), ZERO),
        total_value=Coalesce(Sum(SALES_VALUE), ZERO, output_field=SALES_VALUE_FIELD),
    )
    return {r["alliance_id"]: (r["total_volume"], r["total_value"]) for r in totals}


def fund_repayments(organization_id: int, start=None, end=None) -> Decimal:
    rows = RevolvingFundEntry.objects.filter(
        fund__organization_id=organization_id, kind=RevolvingFundEntry.Kind.REPAYMENT
    )
    if start is not None:
        rows = rows.filter(occurred_on__gte=start)
    if end is not None:
        rows = rows.filter(occurred_on__lte=end)
    return rows.aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]


def computed_values_for(reports, catalogue: dict | None = None) -> dict[int, dict]:
    """{report id: {Indicator: value}} of the computed indicators of each report's period,
    from the platform's records now: confirmed deliveries (volume; value to the cent) and
    revolving-fund repayments. A fixed number of queries for any number of reports."""

    reports = list(reports)
    if not reports:
        return {}
    used = indicators_by_program({r.alliance.program_id for r in reports}, catalogue)
    wanted = {r.pk: [i for i in used[r.alliance.program_id] if i.is_computed] for r in reports}
    sources = {i.source for indicators in wanted.values() for i in indicators}
    start = min(r.period_start for r in reports)
    end = max(r.period_end for r in reports)
    deliveries, repayments = [], []
    if sources & {Indicator.Source.DELIVERY_VOLUME, Indicator.Source.DELIVERY_VALUE}:
        deliveries = list(
            Delivery.objects.filter(
                alliance_id__in={r.alliance_id for r in reports},
                status=Delivery.Status.CONFIRMED,
                delivered_on__range=(start, end),
            ).values_list("alliance_id", "delivered_on", "volume", "unit_price")
        )
    if Indicator.Source.REVOLVING_REPAYMENTS in sources:
        repayments = list(
            RevolvingFundEntry.objects.filter(
                fund__organization_id__in={r.alliance.producer_organization_id for r in reports},
                kind=RevolvingFundEntry.Kind.REPAYMENT,
                occurred_on__range=(start, end),
            ).values_list("fund__organization_id", "occurred_on", "amount")
        )
    out: dict[int, dict] = {}
    for report in reports:
        within = report.period_start, report.period_end
        volume = value = repaid = ZERO
        for alliance_id, day, lot, price in deliveries:
            if alliance_id == report.alliance_id and within[0] <= day <= within[1]:
                volume += lot
                value += lot * price
        for organization_id, day, amount in repayments:
            if organization_id == report.alliance.producer_organization_id and (
                within[0] <= day <= within[1]
            ):
                repaid += amount
        figures = {
            Indicator.Source.DELIVERY_VOLUME: volume,
            Indicator.Source.DELIVERY_VALUE: value.quantize(Decimal("0.01")),
            Indicator.Source.REVOLVING_REPAYMENTS: repaid,
        }
        out[report.pk] = {i: figures[i.source] for i in wanted[report.pk]}
    return out


def computed_values(report: MonitoringReport) -> dict[Indicator, Decimal]:
    """The computed indicators of one report's period (`computed_values_for`)."""
    return computed_values_for([report])[report.pk]


@dataclass
class Cell:
    value: Decimal | None = None
    women: Decimal | None = None
    youth: Decimal | None = None
    computed: bool = False


@dataclass
class IndicatorRow:
    """One line of an alliance's indicator table."""

    indicator: Indicator
    baseline: Decimal | None
    targets: dict[int | None, Decimal]  # plan year (None: end of plan) -> target
    cells: dict[int, Cell] = field(default_factory=dict)  # report id -> cell
    to_date: Decimal | None = None

    @property
    def end_target(self) -> Decimal | None:
        return self.targets.get(None)

    @property
    def progress(self) -> int | None:
        """Per cent of the end-of-plan target reached to date."""
        if self.to_date is None or not self.end_target:
            return None
        return int(self.to_date * 100 / self.end_target)


def report_cells_for(reports, catalogue: dict | None = None) -> dict[int, dict[int, Cell]]:
    """{report id: {indicator id: Cell}}: the stored values of each report, and the live
    computed ones until a report is accepted (then its stored snapshot). A fixed number
    of queries for any number of reports."""
    reports = list(reports)
    cells: dict[int, dict[int, Cell]] = {r.pk: {} for r in reports}
    for v in IndicatorValue.objects.filter(report__in=reports).select_related("indicator"):
        cells[v.report_id][v.indicator_id] = Cell(
            v.value, v.women, v.youth, v.indicator.is_computed
        )
    live = [r for r in reports if r.status != MonitoringReport.Status.ACCEPTED]
    for report_id, values in computed_values_for(live, catalogue).items():
        for indicator, value in values.items():
            cells[report_id][indicator.pk] = Cell(value, computed=True)
    return cells


def report_cells(report: MonitoringReport) -> dict[int, Cell]:
    """{indicator id: Cell} of one report (`report_cells_for`)."""
    return report_cells_for([report])[report.pk]


def aggregate(indicator: Indicator, values: list[Decimal]) -> Decimal | None:
    """The value to date of `values` (one per period, oldest first) as the indicator adds up."""
    if not values:
        return None
    if indicator.aggregation == Indicator.Aggregation.SUM:
        return sum(values, ZERO)
    if indicator.aggregation == Indicator.Aggregation.AVERAGE:
        return (sum(values, ZERO) / len(values)).quantize(Decimal("0.001"))
    return values[-1]


def indicator_table(alliance, *, accepted_only: bool = False) -> tuple[list, list[IndicatorRow]]:
    """(reports, rows): the alliance's reports whose period has started, oldest first, and
    per indicator its baseline, targets, value per report and value to date. Computed
    indicators to date come from all confirmed deliveries / repayments since signing;
    reported ones aggregate the accepted reports."""
    today = timezone.localdate()
    reports = list(
        alliance.monitoring_reports.filter(period_start__lte=today).order_by("period_start")
    )
    if accepted_only:
        reports = [r for r in reports if r.status == MonitoringReport.Status.ACCEPTED]
    indicators = indicators_for(alliance)
    baselines = dict(
        IndicatorBaseline.objects.filter(alliance=alliance).values_list("indicator_id", "value")
    )
    targets: dict[int, dict] = {}
    for t in IndicatorTarget.objects.filter(alliance=alliance):
        targets.setdefault(t.indicator_id, {})[t.year] = t.value
    rows = [IndicatorRow(i, baselines.get(i.pk), targets.get(i.pk, {})) for i in indicators]
    by_id = {row.indicator.pk: row for row in rows}
    accepted_values: dict[int, list[Decimal]] = {}
    all_cells = report_cells_for(reports)
    for report in reports:
        for indicator_id, cell in all_cells[report.pk].items():
            if indicator_id in by_id:
                by_id[indicator_id].cells[report.pk] = cell
                if report.status == MonitoringReport.Status.ACCEPTED:
                    accepted_values.setdefault(indicator_id, []).append(cell.value)
    start = reports[0].period_start if reports else None
    sales = confirmed_sales([alliance.pk], start) if start else {}
    volume, value = sales.get(alliance.pk, (ZERO, ZERO))
    for row in rows:
        source = row.indicator.source
        if source == Indicator.Source.DELIVERY_VOLUME:
            row.to_date = volume
        elif source == Indicator.Source.DELIVERY_VALUE:
            row.to_date = value.quantize(Decimal("0.01"))
        elif source == Indicator.Source.REVOLVING_REPAYMENTS:
            row.to_date = fund_repayments(alliance.producer_organization_id, start)
        else:
            row.to_date = aggregate(row.indicator, accepted_values.get(row.indicator.pk, []))
    return reports, rows


def reports_board_filter(today: datetime.date) -> dict[str, Q]:
    """The M&E status board's columns, as filters on monitoring reports (§8)."""
    S = MonitoringReport.Status
    return {
        # Nothing sent, and past its date.
        "missing": Q(status=S.DUE, due_on__lt=today),
        # Sent back to the PO, and past its date.
        "late": Q(status=S.RETURNED, due_on__lt=today),
        # Sent by the PO, waiting for the M&E officer.
        "waiting": Q(status=S.SUBMITTED),
        # Period over, still within its days to submit.
        "open": Q(status__in=[S.DUE, S.RETURNED], period_end__lt=today, due_on__gte=today),
    }


BOARD_PROGRAM, BOARD_CODE = "alliance__program_id", "alliance__program__code"
BOARD_REGION, BOARD_NAME = "alliance__region_id", "alliance__region__name"


def reports_board_counts(pending, columns: dict[str, Q]) -> tuple[list[dict], list[dict], dict]:
    """The status board's counts of `pending` reports in each of `columns`
    (`reports_board_filter`), by programme, by region and in all: one grouped query (a
    row per programme and region), summed by `reports_board_sums`."""
    groups = pending.values(BOARD_PROGRAM, BOARD_CODE, BOARD_REGION, BOARD_NAME).annotate(
        **{name: Count("pk", filter=q) for name, q in columns.items()}
    )
    return reports_board_sums(groups.order_by(), columns)


def reports_board_sums(groups, columns) -> tuple[list[dict], list[dict], dict]:
    """Rows of counts per programme and region (`BOARD_PROGRAM`, `BOARD_CODE`,
    `BOARD_REGION`, `BOARD_NAME` and a count per column) summed by programme (in the
    order of their codes), by region (by name) and in all."""
    by_program: dict[int, dict] = {}
    by_region: dict[int, dict] = {}
    totals = dict.fromkeys(columns, 0)
    for group in groups:
        key = group[BOARD_PROGRAM]
        program = by_program.setdefault(key, {BOARD_PROGRAM: key, BOARD_CODE: group[BOARD_CODE]})
        region = by_region.setdefault(
            group[BOARD_REGION],
            {BOARD_REGION: group[BOARD_REGION], BOARD_NAME: group[BOARD_NAME]},
        )
        for name in columns:
            for row in (program, region, totals):
                row[name] = row.get(name, 0) + group.get(name, 0)
    return (
        sorted(by_program.values(), key=lambda row: row[BOARD_CODE]),
        sorted(by_region.values(), key=lambda row: row[BOARD_NAME]),
        totals,
    )
