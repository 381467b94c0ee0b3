"""Financial analysis of a smallholder business plan.

Pure module (stdlib only) so it can be unit-tested without Django and reused
by views, reports and exports. All money is ``Decimal``: floats would make
totals drift and reports disagree with the approved budget by cents.
"""

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from itertools import accumulate, pairwise

SOURCES = ("grant", "producer_cash", "producer_in_kind", "buyer", "credit", "other")

_CENTS = Decimal("0.01")
_BASIS = Decimal("0.0001")
_ZERO = Decimal(0)
# Rates at which NPV is sampled to bracket IRR roots: -99 % .. 10 000 %.
_IRR_GRID = tuple(
    sorted(
        {Decimal(i) / 20 for i in range(-10, 41)}  # -0.5 .. 2.0 step 0.05
        | {Decimal(n) / 100 for n in (-99, -95, -90, -80, -70, -60, 250, 300, 400)}
        | {Decimal(n) for n in (5, 7, 10, 15, 20, 30, 50, 75, 100)}
    )
)


class FinanceInputError(ValueError):
    """Inputs that make the analysis meaningless; the message is shown to users."""


class IrrStatus(StrEnum):
    """Why ``irr`` has (or lacks) a value, so the UI can explain a missing IRR."""

    OK = "ok"
    NO_SIGN_CHANGE = "no_sign_change"
    NO_ROOT = "no_root"


@dataclass(frozen=True)
class BudgetSplit:
    """One investment budget line split by funding source, validated on creation."""

    grant: Decimal = Decimal(0)
    producer_cash: Decimal = Decimal(0)
    producer_in_kind: Decimal = Decimal(0)
    buyer: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    other: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        """Reject floats and negatives early so errors point at the bad line."""
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float) or value < 0:
                msg = f"'{field.name}' must be a non-negative Decimal, got {value!r}."
                raise FinanceInputError(msg)

    @property
    def total(self) -> Decimal:
        """Whole line cost, whatever pays for it."""
        return sum((getattr(self, source) for source in SOURCES), _ZERO)


@dataclass(frozen=True)
class CashFlowYear:
    """One projection year; ``costs_with`` excludes the initial investment."""

    year: int
    revenue_with: Decimal
    costs_with: Decimal
    revenue_without: Decimal
    costs_without: Decimal


@dataclass(frozen=True)
class PlanAnalysis:
    """Everything the plan review screen and reports need, computed once."""

    total_investment: Decimal
    totals_by_source: dict[str, Decimal]
    shares_by_source: dict[str, Decimal]
    flows: list[Decimal]
    npv: Decimal
    irr: Decimal | None
    irr_status: IrrStatus
    benefit_cost_ratio: Decimal | None
    payback_year: int | None
    grant_per_family: Decimal | None


def _ordered_years(years: Sequence[CashFlowYear]) -> list[CashFlowYear]:
    """Sort years, insisting on 0..N without gaps: the year is the discount exponent."""
    ordered = sorted(years, key=lambda y: y.year)
    found = [y.year for y in ordered]
    if found != list(range(len(ordered))):
        msg = f"Projection years must be contiguous from 0, got {found}."
        raise FinanceInputError(msg)
    return ordered


def _round(value: Decimal, step: Decimal) -> Decimal:
    """Banker's rounding, so repeated rounding does not bias totals upwards."""
    return value.quantize(step, ROUND_HALF_EVEN)


def _present_value(rate: Decimal, flows: Sequence[Decimal]) -> Decimal:
    """Unrounded NPV with extra precision, shared by npv, irr and BCR."""
    if rate <= -1:  # (1 + rate) ** t would divide by zero or flip signs
        raise FinanceInputError(f"Discount rate must be above -1, got {rate}.")
    with decimal.localcontext(prec=40):
        factor = 1 + rate
        return sum((Decimal(flow) / factor**t for t, flow in enumerate(flows)), _ZERO)


def total_investment(lines: Iterable[BudgetSplit]) -> Decimal:
    """Total cost of all budget lines."""
    return sum((line.total for line in lines), _ZERO)


def totals_by_source(lines: Iterable[BudgetSplit]) -> dict[str, Decimal]:
    """Sum per funding source; every source key is present, even when zero."""
    budget = list(lines)
    return {s: sum((getattr(line, s) for line in budget), _ZERO) for s in SOURCES}


def shares_by_source(lines: Iterable[BudgetSplit]) -> dict[str, Decimal]:
    """Fraction (0..1, 4 dp) of the investment per source; all zero if no budget."""
    totals = totals_by_source(lines)
    grand_total = sum(totals.values(), _ZERO)
    if grand_total == 0:
        return dict.fromkeys(SOURCES, _BASIS * 0)
    return {s: _round(v / grand_total, _BASIS) for s, v in totals.items()}


def incremental_flows(investment: Decimal, years: Sequence[CashFlowYear]) -> list[Decimal]:
    """Net "with minus without project" flow per year; investment paid in year 0."""
    if investment < 0:
        raise FinanceInputError(f"Investment cannot be negative: {investment}.")
    ordered = _ordered_years(years)
    flows = [
        (y.revenue_with - y.costs_with) - (y.revenue_without - y.costs_without) for y in ordered
    ] or [_ZERO]
    flows[0] -= investment
    return flows


def npv(rate: Decimal, flows: Sequence[Decimal]) -> Decimal:
    """Net present value, flows[0] undiscounted; rounded to cents for display."""
    return _round(_present_value(rate, flows), _CENTS)


def _solve_irr(flows: Sequence[Decimal]) -> tuple[Decimal | None, IrrStatus]:
    """IRR plus the reason it may be missing (for ``analyse``); see ``irr``."""
    if not (any(f > 0 for f in flows) and any(f < 0 for f in flows)):
        return None, IrrStatus.NO_SIGN_CHANGE  # NPV can never reach zero
    values = [(rate, _present_value(rate, flows)) for rate in _IRR_GRID]
    brackets = [(lo, hi, f_lo) for (lo, f_lo), (hi, f_hi) in pairwise(values) if f_lo * f_hi <= 0]
    if not brackets:
        return None, IrrStatus.NO_ROOT
    lo, hi, f_lo = min(brackets, key=lambda b: min(abs(b[0]), abs(b[1])))
    with decimal.localcontext(prec=40):
        while f_lo != 0 and hi - lo > Decimal("1e-12"):
            mid = (lo + hi) / 2
            f_mid = _present_value(mid, flows)
            if f_mid == 0 or (f_mid < 0) == (f_lo < 0):
                lo, f_lo = mid, f_mid
            else:
                hi = mid
        root = lo if f_lo == 0 else (lo + hi) / 2
        return _round(root, _BASIS), IrrStatus.OK


def irr(flows: Sequence[Decimal]) -> Decimal | None:
    """Internal rate of return as a fraction (4 decimals), or None when undefined.

    NPV is sampled on a fixed grid of rates from -0.99 to 100; among the grid
    intervals where NPV changes sign, the one nearest 0 % is bisected. So with
    several sign changes in the flows (several IRRs) the root closest to zero
    is returned. None when there is no sign change or no bracketed root.
    """
    return _solve_irr(flows)[0]


def benefit_cost_ratio(
    rate: Decimal, investment: Decimal, years: Sequence[CashFlowYear]
) -> Decimal | None:
    """PV of extra revenue / PV of investment and extra costs; None if costs <= 0."""
    if investment < 0:
        raise FinanceInputError(f"Investment cannot be negative: {investment}.")
    ys = _ordered_years(years)
    benefits = _present_value(rate, [y.revenue_with - y.revenue_without for y in ys])
    costs = investment + _present_value(rate, [y.costs_with - y.costs_without for y in ys])
    return _round(benefits / costs, _CENTS) if costs > 0 else None


def payback_year(flows: Sequence[Decimal]) -> int | None:
    """First year whose cumulative undiscounted flow is >= 0; None if never."""
    return next((t for t, c in enumerate(accumulate(flows)) if c >= 0), None)


def grant_per_family(grant: Decimal, families: int) -> Decimal | None:
    """Grant per beneficiary family (2 decimals); None without any family."""
    return _round(grant / families, _CENTS) if families > 0 else None


def analyse(
    *,
    lines: Iterable[BudgetSplit],
    years: Sequence[CashFlowYear],
    discount_rate: Decimal,
    families: int,
) -> PlanAnalysis:
    """Run the whole analysis; raises FinanceInputError for invalid inputs."""
    if discount_rate < 0:
        raise FinanceInputError(f"Discount rate cannot be negative: {discount_rate}.")
    budget = list(lines)
    investment = total_investment(budget)
    totals = totals_by_source(budget)
    flows = incremental_flows(investment, years)
    rate_of_return, status = _solve_irr(flows)
    return PlanAnalysis(
        total_investment=investment,
        totals_by_source=totals,
        shares_by_source=shares_by_source(budget),
        flows=flows,
        npv=npv(discount_rate, flows),
        irr=rate_of_return,
        irr_status=status,
        benefit_cost_ratio=benefit_cost_ratio(discount_rate, investment, years),
        payback_year=payback_year(flows),
        grant_per_family=grant_per_family(totals["grant"], families),
    )
