"""The money rules of DESIGN.md §4 at their boundaries, in XOF (no minor unit) and COP
(two decimals): exactly at a cap or a minimum passes, one minor unit beyond fails with a
message that says what is off and by how much; the same rules at approval, and the
programme budget that commitments may never exceed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funding.models import GrantCommitment, Program, ProgramFunding
from plans import finance, services
from plans.models import CommitteeDecision, PlanStatus
from plans.rules import plan_rule_breaches
from tests.factories import FunderFactory, add_budget
from tests.plans.support import refused, snapshot

# A plan of each status the tests start from, built once with the module's world.
pytestmark = pytest.mark.prebuilt(PlanStatus.DRAFT, PlanStatus.COMMITTEE)

D = Decimal
S = PlanStatus

# Minor unit and how core/formats.py writes the currency in English.
UNIT = {"XOF": D("1"), "COP": D("0.01")}
CURRENCIES = ["XOF", "COP"]


def fmt(currency: str, amount: str) -> str:
    """The literal English rendering: `fmt("XOF", "14,000,001")` -> "XOF 14,000,001" (a
    no-break space between the ISO code and the figure)."""
    return f"{currency}\u00a0{amount}"


def loose_program(currency: str, **caps) -> Program:
    """A programme (not saved: the rules only read it) with every rule slack but `caps`."""
    values = {
        "currency": currency,
        "max_grant_per_alliance": D("1000000000"),
        "max_grant_per_family": D("1000000000"),
        "max_grant_share": D("1.0000"),
        "min_counterpart_share": D("0.0000"),
    }
    values.update(caps)
    return Program(**values)


YEARS = [finance.CashFlowYear(y, D("12000000"), D("5000000"), D("4000000"), D("2000000"))
         for y in range(6)]  # fmt: skip


def breaches(program, *, grant, cash, in_kind, buyer, families=14, approved=None):
    analysis = finance.analyse(
        lines=[finance.BudgetSplit(grant=grant, producer_cash=cash, producer_in_kind=in_kind,
                                   buyer=buyer)],
        years=YEARS,
        discount_rate=D("0.12"),
        families=families,
    )  # fmt: skip
    return [
        (b.code, b.message)
        for b in plan_rule_breaches(
            program=program, analysis=analysis, families=families, grant=approved
        )
    ]


# --- plan_rule_breaches ---------------------------------------------------------------


@pytest.mark.parametrize("currency", CURRENCIES)
def test_every_rule_exactly_at_its_limit_passes(currency):
    # 14,000,000 grant = the cap per alliance = 14 families x 1,000,000 = 70% of 20,000,000;
    # counterpart 3,000,000 + 1,000,000 = 20% of 20,000,000.
    program = loose_program(
        currency,
        max_grant_per_alliance=D("14000000"),
        max_grant_per_family=D("1000000"),
        max_grant_share=D("0.7000"),
        min_counterpart_share=D("0.2000"),
    )
    assert (
        breaches(
            program,
            grant=D("14000000"),
            cash=D("3000000"),
            in_kind=D("1000000"),
            buyer=D("2000000"),
        )
        == []
    )


@pytest.mark.parametrize("currency", CURRENCIES)
def test_max_grant_per_alliance(currency):
    u = UNIT[currency]
    program = loose_program(currency, max_grant_per_alliance=D("14000000"))
    lines = {"cash": D("3000000"), "in_kind": D("1000000")}

    assert breaches(program, grant=D("14000000"), buyer=D("2000000"), **lines) == []
    over = breaches(program, grant=D("14000000") + u, buyer=D("2000000") - u, **lines)

    text = {"XOF": ("14,000,001", "14,000,000", "1"), "COP": ("14,000,000.01", "14,000,000.00",
                                                             "0.01")}[currency]  # fmt: skip
    grant, cap, by = (fmt(currency, t) for t in text)
    assert over == [
        (
            "max_grant_per_alliance",
            f"The grant ({grant}) is above the programme's maximum per alliance ({cap}) by {by}.",
        )
    ]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_max_grant_share(currency):
    u = UNIT[currency]
    program = loose_program(currency, max_grant_share=D("0.7000"))
    lines = {"cash": D("3000000"), "in_kind": D("1000000")}

    assert breaches(program, grant=D("14000000"), buyer=D("2000000"), **lines) == []
    over = breaches(program, grant=D("14000000") + u, buyer=D("2000000") - u, **lines)

    text = {
        "XOF": ("14,000,001", "20,000,000", "14,000,000", "1"),
        "COP": ("14,000,000.01", "20,000,000.00", "14,000,000.00", "0.01"),
    }[currency]
    grant, total, cap, by = (fmt(currency, t) for t in text)
    assert over == [
        (
            "max_grant_share",
            f"The grant ({grant}) is above 70% of the total investment of {total} ({cap}) by {by}.",
        )
    ]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_max_grant_share_of_a_total_that_is_not_round(currency):
    # 70% of 20,000,000 + one unit is 14,000,000.7 units: 14,000,000 is the largest grant.
    u = UNIT[currency]
    program = loose_program(currency, max_grant_share=D("0.7000"))
    lines = {"cash": D("3000000"), "in_kind": D("1000000"), "buyer": D("2000000")}

    assert breaches(program, grant=D("14000000"), **{**lines, "buyer": D("2000000") + u}) == []
    over = breaches(program, grant=D("14000000") + u, **lines)

    text = {
        "XOF": ("14,000,001", "20,000,001", "14,000,000", "1"),
        "COP": ("14,000,000.01", "20,000,000.01", "14,000,000.00", "0.01"),
    }[currency]
    grant, total, cap, by = (fmt(currency, t) for t in text)
    assert over == [
        (
            "max_grant_share",
            f"The grant ({grant}) is above 70% of the total investment of {total} ({cap}) by {by}.",
        )
    ]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_min_counterpart_share(currency):
    u = UNIT[currency]
    program = loose_program(currency, min_counterpart_share=D("0.2000"))
    lines = {"grant": D("14000000"), "cash": D("3000000")}

    assert breaches(program, in_kind=D("1000000"), buyer=D("2000000"), **lines) == []
    under = breaches(program, in_kind=D("1000000") - u, buyer=D("2000000") + u, **lines)

    text = {
        "XOF": ("3,999,999", "20,000,000", "4,000,000", "1"),
        "COP": ("3,999,999.99", "20,000,000.00", "4,000,000.00", "0.01"),
    }[currency]
    counterpart, total, floor, by = (fmt(currency, t) for t in text)
    assert under == [
        (
            "min_counterpart_share",
            f"The producers' counterpart, cash and in kind ({counterpart}), is below 20% of the "
            f"total investment of {total} ({floor}) by {by}.",
        )
    ]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_min_counterpart_share_of_a_total_that_is_not_round(currency):
    # 20% of 20,000,000 + one unit is 4,000,000.2 units: 4,000,001 is the least counterpart.
    u = UNIT[currency]
    program = loose_program(currency, min_counterpart_share=D("0.2000"))
    lines = {"grant": D("14000000"), "cash": D("3000000"), "buyer": D("2000000")}

    assert breaches(program, in_kind=D("1000000") + u, **lines) == []
    under = breaches(program, in_kind=D("1000000"), **{**lines, "buyer": D("2000000") + u})

    text = {
        "XOF": ("4,000,000", "20,000,001", "4,000,001", "1"),
        "COP": ("4,000,000.00", "20,000,000.01", "4,000,000.01", "0.01"),
    }[currency]
    counterpart, total, floor, by = (fmt(currency, t) for t in text)
    assert under == [
        (
            "min_counterpart_share",
            f"The producers' counterpart, cash and in kind ({counterpart}), is below 20% of the "
            f"total investment of {total} ({floor}) by {by}.",
        )
    ]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_max_grant_per_family(currency):
    u = UNIT[currency]
    program = loose_program(currency, max_grant_per_family=D("1000000"))
    lines = {"cash": D("3000000"), "in_kind": D("1000000")}

    assert breaches(program, grant=D("14000000"), buyer=D("2000000"), **lines) == []
    over = breaches(program, grant=D("14000000") + u, buyer=D("2000000") - u, **lines)
    fewer = breaches(program, grant=D("14000000"), buyer=D("2000000"), families=13, **lines)

    text = {
        "XOF": ("14,000,001", "1,000,000", "14,000,000", "1"),
        "COP": ("14,000,000.01", "1,000,000.00", "14,000,000.00", "0.01"),
    }[currency]
    grant, per_family, cap, by = (fmt(currency, t) for t in text)
    assert over == [
        (
            "max_grant_per_family",
            f"The grant ({grant}) is above the maximum of {per_family} per family for 14 "
            f"families ({cap}) by {by}.",
        )
    ]
    text = {
        "XOF": ("14,000,000", "1,000,000", "13,000,000", "1,000,000"),
        "COP": ("14,000,000.00", "1,000,000.00", "13,000,000.00", "1,000,000.00"),
    }[currency]
    grant, per_family, cap, by = (fmt(currency, t) for t in text)
    assert fewer == [
        (
            "max_grant_per_family",
            f"The grant ({grant}) is above the maximum of {per_family} per family for 13 "
            f"families ({cap}) by {by}.",
        )
    ]


def test_the_approved_grant_is_checked_instead_of_the_requested_one():
    program = loose_program("XOF", max_grant_per_alliance=D("13000000"))
    lines = {"grant": D("14000000"), "cash": D("3000000"), "in_kind": D("1000000")}
    assert breaches(program, buyer=D("2000000"), approved=D("13000000"), **lines) == []
    assert [c for c, _m in breaches(program, buyer=D("2000000"), **lines)] == [
        "max_grant_per_alliance"
    ]


# --- the submit guard, on real plans ----------------------------------------------------


def _use_currency(world, currency, **caps):
    for name, value in {"currency": currency, **caps}.items():
        setattr(world.program, name, value)
    world.program.save()


def _draft(world, *, grant, cash, in_kind, buyer):
    plan = world.build(S.DRAFT)
    version = plan.current_version
    version.budget_lines.all().delete()
    add_budget(version, grant=grant, cash=cash, in_kind=in_kind, buyer=buyer)
    return plan


RULES = {
    # rule: (programme caps, lines exactly at the limit, the lines one unit beyond)
    "max_grant_per_alliance": (
        {"max_grant_per_alliance": D("14000000"), "max_grant_share": D("0.7500")},
        lambda u: {"grant": D("14000000") + u, "buyer": D("2000000") - u},
    ),
    "max_grant_share": ({}, lambda u: {"grant": D("14000000") + u, "buyer": D("2000000") - u}),
    "min_counterpart_share": (
        {},
        lambda u: {"in_kind": D("1000000") - u, "buyer": D("2000000") + u},
    ),
    # 30 families on Coop A's roster: 30 x 466,667 = 14,000,010.
    "max_grant_per_family": (
        {"max_grant_per_family": D("466667"), "max_grant_share": D("0.7500")},
        lambda u: {"grant": D("14000010") + u, "buyer": D("2000000") - D("10") - u},
    ),
}
SUBMIT_MESSAGES = {
    ("XOF", "max_grant_per_alliance"): "The grant (XOF\u00a014,000,001) is above the "
    "programme's maximum per alliance (XOF\u00a014,000,000) by XOF\u00a01.",
    (
        "COP",
        "max_grant_per_alliance",
    ): "The grant (COP\u00a014,000,000.01) is above the programme's "
    "maximum per alliance (COP\u00a014,000,000.00) by COP\u00a00.01.",
    ("XOF", "max_grant_share"): "The grant (XOF\u00a014,000,001) is above 70% of the total "
    "investment of XOF\u00a020,000,000 (XOF\u00a014,000,000) by XOF\u00a01.",
    ("COP", "max_grant_share"): "The grant (COP\u00a014,000,000.01) is above 70% of the total "
    "investment of COP\u00a020,000,000.00 (COP\u00a014,000,000.00) by COP\u00a00.01.",
    ("XOF", "min_counterpart_share"): "The producers' counterpart, cash and in kind "
    "(XOF\u00a03,999,999), is below 20% of the total investment of XOF\u00a020,000,000 "
    "(XOF\u00a04,000,000) by XOF\u00a01.",
    ("COP", "min_counterpart_share"): "The producers' counterpart, cash and in kind "
    "(COP\u00a03,999,999.99), is below 20% of the total investment of COP\u00a020,000,000.00 "
    "(COP\u00a04,000,000.00) by COP\u00a00.01.",
    ("XOF", "max_grant_per_family"): "The grant (XOF\u00a014,000,011) is above the maximum of "
    "XOF\u00a0466,667 per family for 30 families (XOF\u00a014,000,010) by XOF\u00a01.",
    ("COP", "max_grant_per_family"): "The grant (COP\u00a014,000,010.01) is above the maximum of "
    "COP\u00a0466,667.00 per family for 30 families (COP\u00a014,000,010.00) by COP\u00a00.01.",
}


@pytest.mark.parametrize("beyond", [False, True], ids=["exact", "one-unit-beyond"])
@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("currency", CURRENCIES)
def test_submit_at_the_boundary(world, currency, rule, beyond):
    caps, change = RULES[rule]
    _use_currency(world, currency, **caps)
    lines = {"grant": D("14000000"), "cash": D("3000000"), "in_kind": D("1000000"),
             "buyer": D("2000000")}  # fmt: skip
    lines.update(change(UNIT[currency] if beyond else D("0")))
    plan = _draft(world, **lines)

    if not beyond:
        services.plan_submit(plan=plan, by=world.producer)
        assert plan.status == S.SUBMITTED
        return
    before = snapshot(plan)
    error = refused(lambda: services.plan_submit(plan=plan, by=world.producer), "conflict")
    assert error.reasons == (SUBMIT_MESSAGES[currency, rule],)
    assert snapshot(plan) == before


def test_submit_lists_every_breach(world):
    plan = _draft(world, grant=D("16000000"), cash=D("1000000"), in_kind=D("0"),
                  buyer=D("3000000"))  # fmt: skip
    error = refused(lambda: services.plan_submit(plan=plan, by=world.producer), "conflict")
    assert error.reasons == (
        "The grant (XOF\u00a016,000,000) is above 70% of the total investment of "
        "XOF\u00a020,000,000 (XOF\u00a014,000,000) by XOF\u00a02,000,000.",
        "The producers' counterpart, cash and in kind (XOF\u00a01,000,000), is below 20% of "
        "the total investment of XOF\u00a020,000,000 (XOF\u00a04,000,000) by "
        "XOF\u00a03,000,000.",
    )


def test_submit_refuses_amounts_finer_than_the_minor_unit(world):
    plan = _draft(world, grant=D("14000000.50"), cash=D("3000000"), in_kind=D("1000000"),
                  buyer=D("1999999.50"))  # fmt: skip
    error = refused(lambda: services.plan_submit(plan=plan, by=world.producer), "conflict")
    assert error.reasons == (
        "Budget line “Maize sheller” has amounts finer than the XOF minor unit.",
    )


# --- at approval, the committee's grant is checked again ---------------------------------


@pytest.mark.parametrize("currency", CURRENCIES)
def test_approval_rechecks_caps_lowered_after_submission(world, currency):
    _use_currency(world, currency)
    plan = world.build(S.COMMITTEE)
    _use_currency(world, currency, max_grant_per_alliance=D("13000000"))
    before = snapshot(plan)

    error = refused(
        lambda: services.plan_approve(plan=plan, by=world.committee, approved_grant="14000000"),
        "conflict",
    )

    grant, cap, by = (
        fmt(currency, t)
        for t in {
            "XOF": ("14,000,000", "13,000,000", "1,000,000"),
            "COP": ("14,000,000.00", "13,000,000.00", "1,000,000.00"),
        }[currency]
    )
    assert error.reasons == (
        f"The grant ({grant}) is above the programme's maximum per alliance ({cap}) by {by}.",
    )
    assert snapshot(plan) == before

    services.plan_approve(plan=plan, by=world.committee, approved_grant="13000000")
    assert (plan.status, plan.commitment.amount) == (S.APPROVED, D("13000000"))


# --- the programme budget ---------------------------------------------------------------


def _set_budget(world, *amounts):
    """The programme's budget as one funding row per amount (several funders)."""
    ProgramFunding.objects.filter(program=world.program).delete()
    for amount in amounts:
        ProgramFunding.objects.create(program=world.program, funder=FunderFactory(), amount=amount)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_approval_exactly_at_the_available_budget(world, currency):
    _use_currency(world, currency)
    plan = world.build(S.COMMITTEE)
    _set_budget(world, D("10000000"), D("4000000"))
    assert world.program.available == D("14000000")

    services.plan_approve(plan=plan, by=world.committee, approved_grant=D("14000000"))

    assert plan.status == S.APPROVED
    assert world.program.committed == D("14000000")
    assert world.program.available == D("0")


@pytest.mark.parametrize("currency", CURRENCIES)
def test_approval_one_unit_above_the_available_budget(world, currency):
    _use_currency(world, currency)
    plan = world.build(S.COMMITTEE)
    _set_budget(world, D("10000000"), D("4000000") - UNIT[currency])
    before = snapshot(plan)

    error = refused(
        lambda: services.plan_approve(plan=plan, by=world.committee, approved_grant="14000000"),
        "conflict",
    )

    left, grant, over = (
        fmt(currency, t)
        for t in {
            "XOF": ("13,999,999", "14,000,000", "1"),
            "COP": ("13,999,999.99", "14,000,000.00", "0.01"),
        }[currency]
    )
    assert error.reasons == (
        f"The programme has {left} of its budget left; a grant of {grant} would exceed it by "
        f"{over}.",
    )
    assert snapshot(plan) == before
    assert (GrantCommitment.objects.count(), CommitteeDecision.objects.count()) == (0, 0)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_cancel_releases_budget_so_that_another_approval_fits(world, currency):
    _use_currency(world, currency)
    first = world.build(S.COMMITTEE)
    second = world.build(S.COMMITTEE, org=world.org_b)
    _set_budget(world, D("20000000"))
    services.plan_approve(plan=first, by=world.committee, approved_grant="14000000")
    assert world.program.available == D("6000000")
    before = snapshot(second)

    error = refused(
        lambda: services.plan_approve(plan=second, by=world.committee, approved_grant="14000000"),
        "conflict",
    )
    left, grant, over = (
        fmt(currency, t)
        for t in {
            "XOF": ("6,000,000", "14,000,000", "8,000,000"),
            "COP": ("6,000,000.00", "14,000,000.00", "8,000,000.00"),
        }[currency]
    )
    assert error.reasons == (
        f"The programme has {left} of its budget left; a grant of {grant} would exceed it by "
        f"{over}.",
    )
    assert snapshot(second) == before

    services.plan_cancel(plan=first, by=world.officer, comment="The buyer withdrew.")
    assert world.program.available == D("20000000")
    services.plan_approve(plan=second, by=world.committee, approved_grant="14000000")

    assert (first.status, second.status) == (S.CANCELLED, S.APPROVED)
    assert world.program.committed == D("14000000")
    assert world.program.available == D("6000000")
