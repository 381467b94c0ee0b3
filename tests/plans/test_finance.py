"""Tests for plans.finance: literal textbook values plus numpy-financial references."""

from decimal import Decimal

import numpy_financial as npf
import pytest

from plans.finance import (
    SOURCES,
    BudgetSplit,
    CashFlowYear,
    FinanceInputError,
    IrrStatus,
    analyse,
    benefit_cost_ratio,
    grant_per_family,
    incremental_flows,
    irr,
    npv,
    payback_year,
    shares_by_source,
    total_investment,
    totals_by_source,
)

D = Decimal


def flows_of(*values: str | int) -> list[Decimal]:
    return [D(v) for v in values]


def year(t: int, rw: str, cw: str, rwo: str = "0", cwo: str = "0") -> CashFlowYear:
    return CashFlowYear(t, D(rw), D(cw), D(rwo), D(cwo))


PLAN_LINES = [
    BudgetSplit(grant=D(12000), producer_cash=D(1500), producer_in_kind=D(2500)),
    BudgetSplit(grant=D(8000), buyer=D(3000), credit=D(2000)),
    BudgetSplit(grant=D(5000), producer_cash=D(500), producer_in_kind=D(1000), other=D(500)),
]
PLAN_YEARS = [
    year(0, "4000", "2500", "3500", "2000"),
    year(1, "14500", "6200", "3600", "2050"),
    year(2, "18200", "7100", "3700", "2100"),
    year(3, "21000", "7800", "3800", "2150"),
    year(4, "21000", "7800", "3900", "2200"),
    year(5, "21000", "7800", "4000", "2250"),
]


# --- textbook examples (hand-checked literals) ---------------------------------


def test_two_period_textbook_example() -> None:
    flows = flows_of(-100, 60, 60)
    assert npv(D("0.10"), flows) == D("4.13")
    assert irr(flows) == D("0.1307")


def test_classic_five_period_example() -> None:
    flows = flows_of(-1000, 500, 400, 300, 100)
    assert npv(D("0.10"), flows) == D("78.82")
    assert irr(flows) == D("0.1449")


def test_irr_exactly_on_sampling_grid() -> None:
    assert irr(flows_of(-100, 110)) == D("0.1000")
    assert npv(D("0.10"), flows_of(-100, 110)) == D("0.00")


def test_results_are_quantized_decimals() -> None:
    assert str(npv(D("0.10"), flows_of(-100, 60, 60))) == "4.13"
    assert str(irr(flows_of(-100, 60, 60))) == "0.1307"
    assert str(npv(D(0), flows_of(-100, 100))) == "0.00"


def test_npv_rounds_half_even() -> None:
    assert npv(D(0), flows_of("0.125")) == D("0.12")
    assert npv(D(0), flows_of("0.135")) == D("0.14")


def test_npv_at_zero_rate_is_plain_sum() -> None:
    assert npv(D(0), flows_of(-1000, 500, 400, 300, 100)) == D("300.00")


# --- independent float references (numpy-financial) -----------------------------

REFERENCE_FLOWS = [
    ["-100", "60", "60"],
    ["-1000", "500", "400", "300", "100"],
    ["-36000", "6750", "9500", "11550", "11500", "11450"],
    ["-25000.50", "3200.75", "4100", "5200.10", "6000", "6000", "6000", "6000"],
    ["-500", "0", "0", "800"],
    ["-5000", "-2000", "1500", "2500", "3000", "3000", "3000", "3000", "2000"],
    ["-100", "300"],
    ["-1000", "100", "100", "100", "100", "100", "100", "100", "100", "100"],
    ["1000", "-300", "-400", "-500"],
    ["-100", "50", "40"],
]


@pytest.mark.parametrize("raw", REFERENCE_FLOWS)
@pytest.mark.parametrize("rate", ["0", "0.05", "0.10", "0.12", "0.185"])
def test_npv_matches_numpy_financial(raw: list[str], rate: str) -> None:
    expected = npf.npv(float(rate), [float(v) for v in raw])
    assert abs(float(npv(D(rate), flows_of(*raw))) - expected) <= 0.01


@pytest.mark.parametrize("raw", REFERENCE_FLOWS)
def test_irr_matches_numpy_financial(raw: list[str]) -> None:
    expected = npf.irr([float(v) for v in raw])
    assert abs(float(irr(flows_of(*raw))) - expected) <= 0.0001


# --- IRR edge cases ---------------------------------------------------------------


def test_irr_none_without_sign_change() -> None:
    assert irr(flows_of(100, 50, 20)) is None
    assert irr(flows_of(-100, -50, 0)) is None
    assert irr(flows_of(0, 0)) is None
    assert irr([]) is None


def test_irr_none_when_root_beyond_search_range() -> None:
    # True IRR is 99900 % (-1 then +1000), above the 10 000 % upper bound.
    assert irr(flows_of(-1, 1000)) is None


def test_irr_with_two_roots_returns_the_one_nearest_zero() -> None:
    # -100, 230, -132 has IRRs of exactly 10 % and 20 %.
    assert irr(flows_of(-100, 230, -132)) == D("0.1000")


def test_irr_negative_rate_of_return() -> None:
    # 40x^2 + 50x - 100 = 0 with x = 1/(1+r): x = 1.075184..., r = -0.069927...
    assert irr(flows_of(-100, 50, 40)) == D("-0.0699")


# --- budget splits ----------------------------------------------------------------


def test_budget_split_total() -> None:
    assert PLAN_LINES[0].total == D(16000)
    assert BudgetSplit().total == D(0)


def test_total_investment_and_totals_by_source() -> None:
    assert total_investment(PLAN_LINES) == D(36000)
    assert totals_by_source(PLAN_LINES) == {
        "grant": D(25000),
        "producer_cash": D(2000),
        "producer_in_kind": D(3500),
        "buyer": D(3000),
        "credit": D(2000),
        "other": D(500),
    }


def test_totals_by_source_has_every_key_when_empty() -> None:
    assert totals_by_source([]) == dict.fromkeys(SOURCES, D(0))
    assert total_investment([]) == D(0)


def test_shares_for_realistic_three_line_plan() -> None:
    shares = shares_by_source(PLAN_LINES)
    assert shares == {
        "grant": D("0.6944"),
        "producer_cash": D("0.0556"),
        "producer_in_kind": D("0.0972"),
        "buyer": D("0.0833"),
        "credit": D("0.0556"),
        "other": D("0.0139"),
    }
    assert abs(sum(shares.values()) - 1) <= D("0.0001")


def test_shares_round_half_even() -> None:
    shares = shares_by_source([BudgetSplit(grant=D(1), credit=D(31))])
    assert shares["grant"] == D("0.0312")  # 0.03125
    assert shares["credit"] == D("0.9688")  # 0.96875


def test_shares_all_zero_for_zero_investment() -> None:
    assert shares_by_source([BudgetSplit()]) == dict.fromkeys(SOURCES, D(0))
    assert shares_by_source([]) == dict.fromkeys(SOURCES, D(0))


def test_negative_budget_amount_is_rejected() -> None:
    with pytest.raises(FinanceInputError, match="'credit' must be a non-negative"):
        BudgetSplit(credit=D("-1"))


def test_float_budget_amount_is_rejected() -> None:
    with pytest.raises(FinanceInputError, match="'grant'"):
        BudgetSplit(grant=1.5)  # type: ignore[arg-type]


# --- incremental flows ------------------------------------------------------------


def test_incremental_flows_subtract_without_project_and_investment() -> None:
    years = [year(0, "0", "0"), year(1, "150", "30", "50", "20")]
    assert incremental_flows(D(100), years) == flows_of(-100, 90)


def test_incremental_flows_accept_unordered_years() -> None:
    shuffled = [PLAN_YEARS[3], PLAN_YEARS[0], PLAN_YEARS[5], *PLAN_YEARS[1:3]]
    shuffled.append(PLAN_YEARS[4])
    expected = flows_of(-36000, 6750, 9500, 11550, 11500, 11450)
    assert incremental_flows(D(36000), shuffled) == expected
    assert incremental_flows(D(36000), PLAN_YEARS) == expected


def test_incremental_flows_single_year() -> None:
    assert incremental_flows(D(1000), [year(0, "500", "200", "100", "50")]) == [D(-750)]


def test_incremental_flows_without_years() -> None:
    assert incremental_flows(D(1000), []) == [D(-1000)]
    assert incremental_flows(D(0), []) == [D(0)]


@pytest.mark.parametrize("years_given", [[0, 2], [1, 2], [0, 1, 1], [-1, 0]])
def test_non_contiguous_years_are_rejected(years_given: list[int]) -> None:
    years = [year(t, "10", "5") for t in years_given]
    with pytest.raises(FinanceInputError, match="contiguous from 0"):
        incremental_flows(D(0), years)


def test_negative_investment_is_rejected() -> None:
    with pytest.raises(FinanceInputError, match="Investment cannot be negative"):
        incremental_flows(D(-1), [])


# --- benefit/cost ratio -------------------------------------------------------------


def test_benefit_cost_ratio_small_example() -> None:
    # Benefits 100/1.1 + 100/1.21 = 173.55; costs 100 + 10/1.1 + 10/1.21 = 117.36.
    years = [year(0, "0", "0"), year(1, "150", "30", "50", "20")]
    years.append(year(2, "150", "30", "50", "20"))
    assert benefit_cost_ratio(D("0.10"), D(100), years) == D("1.48")


def test_benefit_cost_ratio_zero_investment() -> None:
    years = [year(0, "0", "0"), year(1, "30", "10")]
    assert benefit_cost_ratio(D(0), D(0), years) == D("3.00")
    assert benefit_cost_ratio(D(0), D(0), [year(0, "30", "0")]) is None
    assert benefit_cost_ratio(D("0.1"), D(0), []) is None


def test_benefit_cost_ratio_none_when_costs_not_positive() -> None:
    # Project saves more operating costs than the investment costs.
    years = [year(0, "0", "0"), year(1, "10", "0", "0", "500")]
    assert benefit_cost_ratio(D(0), D(100), years) is None


def test_benefit_cost_ratio_matches_numpy_reference() -> None:
    benefits = [float(y.revenue_with - y.revenue_without) for y in PLAN_YEARS]
    costs = [float(y.costs_with - y.costs_without) for y in PLAN_YEARS]
    costs[0] += 36000
    expected = npf.npv(0.12, benefits) / npf.npv(0.12, costs)
    result = benefit_cost_ratio(D("0.12"), D(36000), PLAN_YEARS)
    assert abs(float(result) - expected) <= 0.005


# --- payback and grant per family ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([-100, 60, 60], 2),
        ([-100, 50, 50], 2),
        ([-100, 110], 1),
        ([-36000, 6750, 9500, 11550, 11500, 11450], 4),
        ([0, -10, 20], 0),
        ([10, -20, 5], 0),
        ([-100, 10, 10], None),
        ([], None),
    ],
)
def test_payback_year(raw: list[int], expected: int | None) -> None:
    assert payback_year(flows_of(*raw)) == expected


def test_grant_per_family() -> None:
    assert grant_per_family(D(25000), 30) == D("833.33")
    assert grant_per_family(D("1000.25"), 2) == D("500.12")  # half even
    assert grant_per_family(D(25000), 0) is None
    assert grant_per_family(D(25000), -3) is None


# --- rates --------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["-1", "-1.5"])
def test_rate_at_or_below_minus_one_is_rejected(rate: str) -> None:
    with pytest.raises(FinanceInputError, match="above -1"):
        npv(D(rate), flows_of(-100, 60))
    with pytest.raises(FinanceInputError, match="above -1"):
        benefit_cost_ratio(D(rate), D(0), [year(0, "1", "1")])


def test_analyse_rejects_negative_discount_rate() -> None:
    with pytest.raises(FinanceInputError, match="cannot be negative"):
        analyse(lines=[], years=[], discount_rate=D("-0.01"), families=1)


# --- full analysis ------------------------------------------------------------------


def test_analyse_realistic_plan() -> None:
    result = analyse(
        lines=iter(PLAN_LINES),  # a one-shot iterable must be enough
        years=PLAN_YEARS,
        discount_rate=D("0.12"),
        families=30,
    )
    assert result.total_investment == D(36000)
    assert result.totals_by_source["grant"] == D(25000)
    assert result.shares_by_source["grant"] == D("0.6944")
    assert result.flows == flows_of(-36000, 6750, 9500, 11550, 11500, 11450)
    assert result.npv == D("-373.32")
    assert result.irr == D("0.1161")
    assert result.irr_status is IrrStatus.OK
    assert result.benefit_cost_ratio == D("0.99")
    assert result.payback_year == 4
    assert result.grant_per_family == D("833.33")


def test_analyse_without_sign_change() -> None:
    result = analyse(
        lines=[],
        years=[year(0, "100", "0"), year(1, "100", "0")],
        discount_rate=D("0.10"),
        families=0,
    )
    assert result.flows == flows_of(100, 100)
    assert result.irr is None
    assert result.irr_status is IrrStatus.NO_SIGN_CHANGE
    assert result.irr_status == "no_sign_change"
    assert result.npv == D("190.91")
    assert result.shares_by_source == dict.fromkeys(SOURCES, D(0))
    assert result.benefit_cost_ratio is None
    assert result.payback_year == 0
    assert result.grant_per_family is None


def test_analyse_root_outside_search_range() -> None:
    result = analyse(
        lines=[BudgetSplit(grant=D(1))],
        years=[year(0, "0", "0"), year(1, "1000", "0")],
        discount_rate=D(0),
        families=1,
    )
    assert result.irr is None
    assert result.irr_status is IrrStatus.NO_ROOT
    assert result.benefit_cost_ratio == D("1000.00")


def test_analyse_single_year_plan() -> None:
    result = analyse(
        lines=[BudgetSplit(grant=D(600), producer_cash=D(400))],
        years=[year(0, "500", "200", "100", "50")],
        discount_rate=D("0.10"),
        families=4,
    )
    assert result.flows == [D(-750)]
    assert result.npv == D("-750.00")
    assert result.irr is None
    assert result.irr_status is IrrStatus.NO_SIGN_CHANGE
    assert result.benefit_cost_ratio == D("0.35")  # 400 / (1000 + 150)
    assert result.payback_year is None
    assert result.grant_per_family == D("150.00")
    assert result.shares_by_source["producer_cash"] == D("0.4000")


def test_analyse_rejects_gap_in_years() -> None:
    with pytest.raises(FinanceInputError, match=r"got \[0, 2\]"):
        analyse(
            lines=[BudgetSplit(grant=D(100))],
            years=[year(0, "0", "0"), year(2, "50", "0")],
            discount_rate=D("0.10"),
            families=1,
        )
