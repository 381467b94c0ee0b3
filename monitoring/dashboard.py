"""The portfolio dashboard (§8): the alliances a user may see, added up by programme,
region, value chain and stage.

Every figure comes from a handful of grouped queries (GROUP BY programme, quarter,
value chain...), never from one query per alliance: the number of queries is the same
for 3 alliances and for 10,000.

Money is added up per programme in the programme's currency; programmes are added
together only after conversion to their reporting currency at the programme's dated
rate. Volumes are added up only within one value chain and one unit.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import portfolio_alliances_visible_to
from alliances.models import Delivery
from core import labels
from core.money import ZERO, round_money
from core.translated import translated
from funding.models import GrantCommitment, Payment, PurchaseAgreement, PurchaseAgreementVersion
from plans.models import PlanStatus, PlanVersion

from .models import IndicatorValue, MonitoringReport
from .selectors import SALES_VALUE

MONEY = DecimalField(max_digits=18, decimal_places=2)
VOLUME = DecimalField(max_digits=20, decimal_places=3)
MEMBERS_INDICATOR = "members"
# Plans whose approved version counts as "planned" beneficiaries: approved and not
# given up (rejected, withdrawn and cancelled plans are out; a suspended one is in).
PLANNED_STATUSES = (
    PlanStatus.APPROVED,
    PlanStatus.ACTIVE,
    PlanStatus.MONITORING,
    PlanStatus.COMPLETED,
    PlanStatus.SUSPENDED,
)


# --- who sees the dashboard, and which alliances ----------------------------------------


# --- what the dashboard shows -----------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class CountRow:
    key: object  # a stage code, or a programme / region / value chain id
    label: str
    count: int


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    code: str
    name: str
    currency: str
    reporting_currency: str
    reporting_rate: Decimal
    reporting_rate_date: datetime.date

    def to_reporting(self, amount: Decimal) -> Decimal:
        """`amount` (programme currency) in the reporting currency, rounded to its unit."""
        return round_money(amount * self.reporting_rate, self.reporting_currency)


@dataclass
class ProgramMoney:
    """Committed (net of released) and paid (net of reversals) in one programme."""

    program: ProgramInfo
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def currency(self) -> str:
        return self.program.currency

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.paid

    @property
    def committed_reporting(self) -> Decimal:
        return self.program.to_reporting(self.committed)

    @property
    def paid_reporting(self) -> Decimal:
        return self.program.to_reporting(self.paid)


@dataclass
class ReportingTotal:
    """Programmes added up in one reporting currency (each converted at its own rate)."""

    currency: str
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.paid


@dataclass
class MoneyOverTime:
    """Cumulative committed and paid, quarter by quarter, in one reporting currency."""

    currency: str
    quarters: list[datetime.date] = field(default_factory=list)
    committed: list[Decimal] = field(default_factory=list)
    paid: list[Decimal] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [quarter_label(q) for q in self.quarters]


@dataclass
class Beneficiaries:
    """Planned (approved plans' versions) against reached (latest accepted reports)."""

    planned_families: int = 0
    planned_women: int = 0
    planned_youth: int = 0
    plans: int = 0  # plans counted in "planned"
    reached_members: Decimal = ZERO
    reached_women: Decimal = ZERO
    reached_youth: Decimal = ZERO
    reporting: int = 0  # alliances with an accepted "members" value

    def add(self, other: Beneficiaries) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SalesRow:
    """Sales of one value chain in one unit: agreed annual volume against confirmed
    deliveries; the value of deliveries per programme currency."""

    value_chain_id: int
    value_chain: str
    unit: str
    agreements: int = 0  # confirmed purchase agreements
    agreed_annual: Decimal = ZERO
    delivered_last_12_months: Decimal = ZERO
    delivered_total: Decimal = ZERO
    deliveries: int = 0
    values: dict[str, Decimal] = field(default_factory=dict)  # currency -> value

    @property
    def share_of_agreed(self) -> Decimal | None:
        """Delivered in the last 12 months as a share of the agreed annual volume."""
        if not self.agreed_annual:
            return None
        return self.delivered_last_12_months / self.agreed_annual


@dataclass
class Portfolio:
    # Filters: chosen ids and the choices the user may make.
    program_id: int | None
    region_id: int | None
    value_chain_id: int | None
    programs: list[Choice]
    regions: list[Choice]
    value_chains: list[Choice]
    today: datetime.date
    alliance_count: int = 0
    by_stage: list[CountRow] = field(default_factory=list)
    by_program: list[CountRow] = field(default_factory=list)
    by_region: list[CountRow] = field(default_factory=list)
    by_value_chain: list[CountRow] = field(default_factory=list)
    money: list[ProgramMoney] = field(default_factory=list)
    money_totals: list[ReportingTotal] = field(default_factory=list)
    money_over_time: list[MoneyOverTime] = field(default_factory=list)
    beneficiaries: Beneficiaries = field(default_factory=Beneficiaries)
    beneficiaries_by_program: list[tuple[ProgramInfo, Beneficiaries]] = field(default_factory=list)
    sales: list[SalesRow] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        return any(x is not None for x in (self.program_id, self.region_id, self.value_chain_id))


class NotAllowedFilter(Exception):
    """A filter value the user may not choose (another programme, region...)."""


def quarter_label(day: datetime.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _next_quarter(day: datetime.date) -> datetime.date:
    index = day.year * 12 + day.month - 1 + 3
    return datetime.date(index // 12, index % 12 + 1, 1)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# --- the computation --------------------------------------------------------------------


def portfolio(
    user,
    *,
    program: int | None = None,
    region: int | None = None,
    value_chain: int | None = None,
    today: datetime.date | None = None,
) -> Portfolio:
    """The dashboard of `user`, optionally narrowed to one programme, region and value
    chain among those of the alliances they see. A filter outside what they see raises
    `NotAllowedFilter`."""
    today = today or timezone.localdate()
    scope = portfolio_alliances_visible_to(user)

    # 1. One grouped query: alliance counts per programme x region x value chain x stage.
    # It also gives the filter choices and each programme's currency and rate.
    groups = list(
        scope.order_by()
        .values(
            "program_id",
            "program__code",
            "program__name",
            "program__currency",
            "program__reporting_currency",
            "program__reporting_rate",
            "program__reporting_rate_date",
            "region_id",
            "region__name",
            "value_chain_id",
            "plan__status",
            value_chain_name=translated("value_chain__name"),
        )
        .annotate(n=Count("pk"))
    )
    programs: dict[int, ProgramInfo] = {}
    regions: dict[int, str] = {}
    chains: dict[int, str] = {}
    for g in groups:
        programs[g["program_id"]] = ProgramInfo(
            g["program_id"],
            g["program__code"],
            g["program__name"],
            g["program__currency"],
            g["program__reporting_currency"],
            g["program__reporting_rate"],
            g["program__reporting_rate_date"],
        )
        regions[g["region_id"]] = g["region__name"]
        chains[g["value_chain_id"]] = g["value_chain_name"]
    for chosen, allowed in ((program, programs), (region, regions), (value_chain, chains)):
        if chosen is not None and chosen not in allowed:
            raise NotAllowedFilter

    result = Portfolio(
        program_id=program,
        region_id=region,
        value_chain_id=value_chain,
        programs=sorted(
            (Choice(p.id, f"{p.code} · {p.name}") for p in programs.values()),
            key=lambda c: c.label,
        ),
        regions=sorted((Choice(k, v) for k, v in regions.items()), key=lambda c: c.label),
        value_chains=sorted((Choice(k, v) for k, v in chains.items()), key=lambda c: c.label),
        today=today,
    )

    def chosen(g) -> bool:
        return (
            (program is None or g["program_id"] == program)
            and (region is None or g["region_id"] == region)
            and (value_chain is None or g["value_chain_id"] == value_chain)
        )

    groups = [g for g in groups if chosen(g)]
    _counts(result, groups, programs, regions, chains)

    alliances = scope
    if program is not None:
        alliances = alliances.filter(program_id=program)
    if region is not None:
        alliances = alliances.filter(region_id=region)
    if value_chain is not None:
        alliances = alliances.filter(value_chain_id=value_chain)
    # Used as a sub-select in every query below (no list of ids travels).
    alliance_ids = alliances.order_by().values("pk")
    shown = {g["program_id"]: programs[g["program_id"]] for g in groups}

    _money(result, alliance_ids, shown)
    _beneficiaries(result, alliance_ids, shown)
    _sales(result, alliance_ids, today)
    return result


def _counts(result: Portfolio, groups, programs, regions, chains) -> None:
    stage = defaultdict(int)
    by_program = defaultdict(int)
    by_region = defaultdict(int)
    by_chain = defaultdict(int)
    for g in groups:
        stage[g["plan__status"]] += g["n"]
        by_program[g["program_id"]] += g["n"]
        by_region[g["region_id"]] += g["n"]
        by_chain[g["value_chain_id"]] += g["n"]
    result.alliance_count = sum(g["n"] for g in groups)
    # Workflow order, stages with no alliance included (a zero is information too).
    result.by_stage = [
        CountRow(code, labels.state_label("plans.BusinessPlan", code), stage.get(code, 0))
        for code in PlanStatus.values
    ]
    if stage.get(None):
        result.by_stage.append(CountRow(None, _("No business plan"), stage[None]))
    result.by_program = sorted(
        (CountRow(k, f"{programs[k].code} · {programs[k].name}", n) for k, n in by_program.items()),
        key=lambda r: r.label,
    )
    result.by_region = sorted(
        (CountRow(k, regions[k], n) for k, n in by_region.items()), key=lambda r: r.label
    )
    result.by_value_chain = sorted(
        (CountRow(k, chains[k], n) for k, n in by_chain.items()), key=lambda r: r.label
    )


_SIGNED_AMOUNT = Case(
    When(kind="reversal", then=-F("amount")),
    default=F("amount"),
    output_field=MONEY,
)


def _money(result: Portfolio, alliance_ids, programs: dict[int, ProgramInfo]) -> None:

    # 2. Commitments (net of released) per programme and quarter of commitment.
    committed = (
        GrantCommitment.objects.filter(plan__alliance__in=alliance_ids)
        .order_by()
        .annotate(quarter=TruncQuarter("committed_at"))
        .values("program_id", "quarter")
        .annotate(t=Sum(F("amount") - F("released_amount"), output_field=MONEY))
    )
    # 3. Payments (net of reversals) per programme and quarter of payment.
    paid = (
        Payment.objects.filter(tranche__commitment__plan__alliance__in=alliance_ids)
        .order_by()
        .annotate(quarter=TruncQuarter("paid_on"))
        .values("quarter", program_id=F("tranche__commitment__program_id"))
        .annotate(t=Sum(_SIGNED_AMOUNT))
    )
    per_program = {pk: ProgramMoney(info) for pk, info in programs.items()}
    # (reporting currency, quarter) -> [committed, paid], converted at each programme's rate
    flows: dict[str, dict[datetime.date, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    for rows, index in ((committed, 0), (paid, 1)):
        for r in rows:
            info = programs.get(r["program_id"])
            if info is None:  # pragma: no cover - a commitment outside its alliance's programme
                continue
            money = per_program[info.id]
            if index == 0:
                money.committed += r["t"]
            else:
                money.paid += r["t"]
            quarter = _as_date(r["quarter"])
            flows[info.reporting_currency][quarter][index] += r["t"] * info.reporting_rate
    result.money = sorted(
        (m for m in per_program.values() if m.committed or m.paid),
        key=lambda m: m.program.code,
    )
    totals: dict[str, ReportingTotal] = {}
    for m in result.money:
        total = totals.setdefault(
            m.program.reporting_currency, ReportingTotal(m.program.reporting_currency)
        )
        total.committed += m.committed_reporting
        total.paid += m.paid_reporting
    result.money_totals = [totals[c] for c in sorted(totals)]
    for currency in sorted(flows):
        by_quarter = flows[currency]
        series = MoneyOverTime(currency)
        quarter, last = min(by_quarter), max(by_quarter)
        running = [ZERO, ZERO]
        while quarter <= last:
            step = by_quarter.get(quarter, (ZERO, ZERO))
            running = [running[0] + step[0], running[1] + step[1]]
            series.quarters.append(quarter)
            series.committed.append(round_money(running[0], currency))
            series.paid.append(round_money(running[1], currency))
            quarter = _next_quarter(quarter)
        result.money_over_time.append(series)


def _beneficiaries(result: Portfolio, alliance_ids, programs: dict[int, ProgramInfo]) -> None:

    # 4. Planned: the latest frozen version (the approved one) of each approved plan.
    approved_version = (
        PlanVersion.objects.filter(plan=OuterRef("plan"), frozen_at__isnull=False)
        .order_by("-number")
        .values("pk")[:1]
    )
    planned = (
        PlanVersion.objects.filter(
            plan__alliance__in=alliance_ids,
            plan__status__in=PLANNED_STATUSES,
            pk=Subquery(approved_version),
        )
        .order_by()
        .values(program_id=F("plan__alliance__program_id"))
        .annotate(
            families=Sum("beneficiary_families"),
            women=Sum("women_members"),
            youth=Sum("youth_members"),
            plans=Count("pk"),
        )
    )
    # 5. Reached: the "members" value of each alliance's latest accepted report.
    accepted = IndicatorValue.objects.filter(
        indicator__code=MEMBERS_INDICATOR, report__status=MonitoringReport.Status.ACCEPTED
    )
    # Ranked in one pass (a window per alliance), not with a subquery per row: the
    # correlated form took 3 s at 10,000 alliances (benchmarks/dashboard.py).
    latest = (
        accepted.filter(report__alliance__in=alliance_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("report__alliance_id"),
                order_by=[F("report__period_end").desc(), F("report_id").desc()],
            )
        )
        .filter(rank=1)
        .values("pk")
    )
    reached = (
        IndicatorValue.objects.filter(pk__in=latest)
        .order_by()
        .values(program_id=F("report__alliance__program_id"))
        .annotate(
            members=Coalesce(Sum("value"), Value(ZERO), output_field=VOLUME),
            women=Coalesce(Sum("women"), Value(ZERO), output_field=VOLUME),
            youth=Coalesce(Sum("youth"), Value(ZERO), output_field=VOLUME),
            reporting=Count("pk"),
        )
    )
    per_program = {pk: Beneficiaries() for pk in programs}
    for r in planned:
        b = per_program.setdefault(r["program_id"], Beneficiaries())
        b.planned_families += r["families"] or 0
        b.planned_women += r["women"] or 0
        b.planned_youth += r["youth"] or 0
        b.plans += r["plans"]
    for r in reached:
        b = per_program.setdefault(r["program_id"], Beneficiaries())
        b.reached_members += r["members"]
        b.reached_women += r["women"]
        b.reached_youth += r["youth"]
        b.reporting += r["reporting"]
    total = Beneficiaries()
    for b in per_program.values():
        total.add(b)
    result.beneficiaries = total
    result.beneficiaries_by_program = [
        (programs[pk], b)
        for pk, b in sorted(per_program.items(), key=lambda item: programs[item[0]].code)
        if pk in programs
    ]


def _sales(result: Portfolio, alliance_ids, today: datetime.date) -> None:

    # An alliance's unit: that of its agreement's current version, else its product's.
    current_unit = (
        PurchaseAgreementVersion.objects.filter(agreement__alliance=OuterRef("alliance_id"))
        .order_by("-number")
        .values("unit")[:1]
    )
    year_ago = today - datetime.timedelta(days=365)
    # 6. Confirmed deliveries per value chain, unit and programme currency.
    delivered = (
        Delivery.objects.filter(alliance__in=alliance_ids, status=Delivery.Status.CONFIRMED)
        .order_by()
        .annotate(unit=Coalesce(Subquery(current_unit), F("alliance__product__unit")))
        .values(
            "unit",
            "alliance__value_chain_id",
            "alliance__program__currency",
            value_chain_name=translated("alliance__value_chain__name"),
        )
        .annotate(
            total=Sum("volume"),
            recent=Coalesce(
                Sum("volume", filter=Q(delivered_on__gt=year_ago, delivered_on__lte=today)),
                Value(ZERO),
                output_field=VOLUME,
            ),
            value=Sum(SALES_VALUE),
            n=Count("pk"),
        )
    )
    # 7. Agreed annual volumes of confirmed agreements (their current version).
    current_version = (
        PurchaseAgreementVersion.objects.filter(agreement=OuterRef("agreement"))
        .order_by("-number")
        .values("pk")[:1]
    )
    agreed = (
        PurchaseAgreementVersion.objects.filter(
            agreement__alliance__in=alliance_ids,
            agreement__status=PurchaseAgreement.Status.CONFIRMED,
            pk=Subquery(current_version),
        )
        .order_by()
        .values(
            "unit",
            "agreement__alliance__value_chain_id",
            value_chain_name=translated("agreement__alliance__value_chain__name"),
        )
        .annotate(volume=Sum("annual_volume"), n=Count("pk"))
    )
    rows: dict[tuple[int, str], SalesRow] = {}

    def row(chain_id, chain, unit) -> SalesRow:
        return rows.setdefault((chain_id, unit), SalesRow(chain_id, chain, unit))

    for r in agreed:
        s = row(
            r["agreement__alliance__value_chain_id"],
            r["value_chain_name"],
            r["unit"],
        )
        s.agreed_annual += r["volume"]
        s.agreements += r["n"]
    for r in delivered:
        s = row(r["alliance__value_chain_id"], r["value_chain_name"], r["unit"])
        s.delivered_total += r["total"]
        s.delivered_last_12_months += r["recent"]
        s.deliveries += r["n"]
        currency = r["alliance__program__currency"]
        s.values[currency] = s.values.get(currency, ZERO) + r["value"]
    result.sales = sorted(rows.values(), key=lambda s: (s.value_chain, s.unit))
