"""The portfolio dashboard (§8): the alliances a user may see, added up by programme,
region, value chain and stage.

The figures are read from the summary kept per programme x region x value chain (a
slice) and stage (`monitoring.figures`, refreshed after every step): a few hundred rows
whatever the size of the portfolio, in a fixed number of queries. The user's scope is the
policy's (`portfolio_filter`: regions, programmes), the same filter that gives
`portfolio_alliances_visible_to`, applied to the slices. The page keeps the figures in the
cache per version of the slices read (`portfolio_version`, monitoring/views/dashboard.py).

Money is added up per programme in the programme's currency; programmes are added
together only after conversion to their reporting currency at the programme's dated
rate. Volumes are added up only within one value chain and one unit.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import portfolio_filter
from core import labels
from core.dates import add_months, month_start
from core.money import ZERO, round_money
from core.translated import translated
from plans.models import PlanStatus

from .figures import NO_PLAN, VOLUME
from .models import (
    PortfolioAgreed,
    PortfolioDelivered,
    PortfolioMonth,
    PortfolioSlice,
    PortfolioStage,
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
    refreshed_at: datetime.datetime | None = None  # the oldest refresh of the figures shown

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


def _quarter(month: datetime.date) -> datetime.date:
    return datetime.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def portfolio_slices(user) -> list[dict]:
    """The slices (programme x region x value chain) holding the alliances of the user's
    portfolio scope, with what the dashboard reads of them (names, currencies, rates, the
    time of their figures), in the order of their ids: one query. Every scope the policy
    gives the dashboard (regions, programmes: `portfolio_filter`) is a union of slices,
    and a slice exists only while it holds alliances (`figures._write`)."""
    scope = portfolio_filter(user)
    slices = PortfolioSlice.objects.all() if scope is None else PortfolioSlice.objects.filter(scope)
    return list(
        slices.order_by("pk").values(
            "pk",
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
            "refreshed_at",
            value_chain_name=translated("value_chain__name"),
        )
    )


def portfolio_version(slices: list[dict]) -> str:
    """A digest of `slices` as read (which slices, their figures' times, the names and
    rates shown): every figure of the dashboard is computed from these slices' summary
    rows, and a refresh or a rebuild moves their `refreshed_at`, so two readers with the
    same version see the same figures, and a refreshed slice changes it."""
    return hashlib.sha256(repr(slices).encode()).hexdigest()


def _choices(slices, program, region, value_chain):
    programs: dict[int, ProgramInfo] = {}
    regions: dict[int, str] = {}
    chains: dict[int, str] = {}
    for s in slices:
        programs[s["program_id"]] = ProgramInfo(
            s["program_id"],
            s["program__code"],
            s["program__name"],
            s["program__currency"],
            s["program__reporting_currency"],
            s["program__reporting_rate"],
            s["program__reporting_rate_date"],
        )
        regions[s["region_id"]] = s["region__name"]
        chains[s["value_chain_id"]] = s["value_chain_name"]
    for chosen, allowed in ((program, programs), (region, regions), (value_chain, chains)):
        if chosen is not None and chosen not in allowed:
            raise NotAllowedFilter
    return programs, regions, chains


def check_filters(
    slices: list[dict],
    *,
    program: int | None = None,
    region: int | None = None,
    value_chain: int | None = None,
) -> None:
    """Raise `NotAllowedFilter` when a filter is outside `slices`."""
    _choices(slices, program, region, value_chain)


def portfolio(
    user,
    *,
    program: int | None = None,
    region: int | None = None,
    value_chain: int | None = None,
    today: datetime.date | None = None,
    slices: list[dict] | None = None,
) -> Portfolio:
    """The dashboard of `user`, optionally narrowed to one programme, region and value
    chain among those of the alliances they see. A filter outside what they see raises
    `NotAllowedFilter`. `slices`: `portfolio_slices(user)`, when already read."""
    today = today or timezone.localdate()
    if slices is None:
        slices = portfolio_slices(user)
    programs, regions, chains = _choices(slices, program, region, value_chain)
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
    chosen = {
        s["pk"]: s
        for s in slices
        if (program is None or s["program_id"] == program)
        and (region is None or s["region_id"] == region)
        and (value_chain is None or s["value_chain_id"] == value_chain)
    }
    times = [s["refreshed_at"] for s in chosen.values() if s["refreshed_at"] is not None]
    result.refreshed_at = min(times, default=None)
    ids = list(chosen)
    shown = {s["program_id"]: programs[s["program_id"]] for s in chosen.values()}
    _stages(result, ids, chosen, programs, regions, chains, shown)
    _money(result, ids, shown)
    _sales(result, ids, chains, today)
    return result


def _stages(result: Portfolio, ids, chosen, programs, regions, chains, shown) -> None:
    # 2. Alliances and beneficiaries per slice and stage.
    rows = PortfolioStage.objects.filter(slice_id__in=ids).values(
        "slice_id",
        "stage",
        "alliances",
        "plans",
        "planned_families",
        "planned_women",
        "planned_youth",
        "reporting",
        "reached_members",
        "reached_women",
        "reached_youth",
    )
    stage = defaultdict(int)
    by_program = defaultdict(int)
    by_region = defaultdict(int)
    by_chain = defaultdict(int)
    per_program = {pk: Beneficiaries() for pk in shown}
    for r in rows:
        s = chosen[r["slice_id"]]
        n = r["alliances"]
        stage[r["stage"]] += n
        by_program[s["program_id"]] += n
        by_region[s["region_id"]] += n
        by_chain[s["value_chain_id"]] += n
        b = per_program[s["program_id"]]
        b.plans += r["plans"]
        b.planned_families += r["planned_families"]
        b.planned_women += r["planned_women"]
        b.planned_youth += r["planned_youth"]
        b.reporting += r["reporting"]
        b.reached_members += r["reached_members"]
        b.reached_women += r["reached_women"]
        b.reached_youth += r["reached_youth"]
    result.alliance_count = sum(stage.values())
    # Workflow order, stages with no alliance included (a zero is information too).
    result.by_stage = [
        CountRow(code, labels.state_label("plans.BusinessPlan", code), stage.get(code, 0))
        for code in PlanStatus.values
    ]
    if stage.get(NO_PLAN):
        result.by_stage.append(CountRow(None, _("No business plan"), stage[NO_PLAN]))
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
    total = Beneficiaries()
    for b in per_program.values():
        total.add(b)
    result.beneficiaries = total
    result.beneficiaries_by_program = [
        (programs[pk], b)
        for pk, b in sorted(per_program.items(), key=lambda item: programs[item[0]].code)
    ]


def _money(result: Portfolio, ids, programs: dict[int, ProgramInfo]) -> None:
    # 3. Committed and paid per programme and month, in the programme's currency.
    rows = (
        PortfolioMonth.objects.filter(slice_id__in=ids)
        .values("month", program_id=F("slice__program_id"))
        .annotate(committed_sum=Sum("committed"), paid_sum=Sum("paid"))
        .order_by()
    )
    per_program = {pk: ProgramMoney(info) for pk, info in programs.items()}
    # (reporting currency, quarter) -> [committed, paid], converted at each programme's rate
    flows: dict[str, dict[datetime.date, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )
    for r in rows:
        info = programs[r["program_id"]]
        money = per_program[info.id]
        money.committed += r["committed_sum"]
        money.paid += r["paid_sum"]
        flow = flows[info.reporting_currency][_quarter(r["month"])]
        flow[0] += r["committed_sum"] * info.reporting_rate
        flow[1] += r["paid_sum"] * info.reporting_rate
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


def _sales(result: Portfolio, ids, chains: dict[int, str], today: datetime.date) -> None:
    # 4. Agreed annual volumes of confirmed agreements per value chain and unit.
    agreed = (
        PortfolioAgreed.objects.filter(slice_id__in=ids)
        .values("unit", chain_id=F("slice__value_chain_id"))
        .annotate(n=Sum("agreements"), volume=Sum("annual_volume"))
        .order_by()
    )
    # 5. Confirmed deliveries per value chain, unit and programme currency; "the last 12
    # months" are this month and the eleven before it.
    this_month = month_start(today)
    delivered = (
        PortfolioDelivered.objects.filter(slice_id__in=ids)
        .values("unit", chain_id=F("slice__value_chain_id"), currency=F("slice__program__currency"))
        .annotate(
            total=Sum("volume"),
            recent=Coalesce(
                Sum(
                    "volume",
                    filter=Q(month__gte=add_months(this_month, -11), month__lte=this_month),
                ),
                Value(ZERO),
                output_field=VOLUME,
            ),
            value_sum=Sum("value"),
            n=Sum("deliveries"),
        )
        .order_by()
    )
    rows: dict[tuple[int, str], SalesRow] = {}

    def row(chain_id, unit) -> SalesRow:
        return rows.setdefault((chain_id, unit), SalesRow(chain_id, chains[chain_id], unit))

    for r in agreed:
        s = row(r["chain_id"], r["unit"])
        s.agreed_annual += r["volume"]
        s.agreements += r["n"]
    for r in delivered:
        s = row(r["chain_id"], r["unit"])
        s.delivered_total += r["total"]
        s.delivered_last_12_months += r["recent"]
        s.deliveries += r["n"]
        s.values[r["currency"]] = s.values.get(r["currency"], ZERO) + r["value_sum"]
    result.sales = sorted(rows.values(), key=lambda s: (s.value_chain, s.unit))
