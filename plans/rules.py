"""The programme's money rules of §4, checked at submission and again at approval.

`plan_rule_breaches` returns every rule a plan breaks, each with a message that says
exactly what is off and by how much, so the producer knows what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from core.formats import format_percent
from core.money import ZERO, format_money, round_money

from .finance import PlanAnalysis


@dataclass(frozen=True)
class RuleBreach:
    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def _percent(share: Decimal) -> str:
    return format_percent(share, digits=2)


def plan_rule_breaches(
    *, program, analysis: PlanAnalysis, families: int, grant: Decimal | None = None
) -> list[RuleBreach]:
    """Every cap and minimum of the programme that the plan breaks, with what is off.

    `grant` defaults to the grant share of the budget lines (the amount requested); at
    approval the committee's approved grant is checked instead.
    """
    cur = program.currency
    money = lambda amount: format_money(amount, cur)  # noqa: E731
    total = analysis.total_investment
    grant = analysis.totals_by_source["grant"] if grant is None else grant
    counterpart = (
        analysis.totals_by_source["producer_cash"] + analysis.totals_by_source["producer_in_kind"]
    )
    breaches: list[RuleBreach] = []

    if total <= ZERO:
        breaches.append(
            RuleBreach("no_investment", "budget_lines", _("The plan has no investment budget."))
        )
    if families <= 0:
        breaches.append(
            RuleBreach(
                "no_families",
                "beneficiary_families",
                _("The plan has no beneficiary families: add the members to the roster."),
            )
        )
    if grant <= ZERO:
        breaches.append(
            RuleBreach("no_grant", "grant", _("The plan requests no grant from the programme."))
        )

    cap = program.max_grant_per_alliance
    if grant > cap:
        breaches.append(
            RuleBreach(
                "max_grant_per_alliance",
                "grant",
                _(
                    "The grant (%(grant)s) is above the programme's maximum per alliance "
                    "(%(cap)s) by %(over)s."
                )
                % {"grant": money(grant), "cap": money(cap), "over": money(grant - cap)},
            )
        )
    if families > 0:
        family_cap = program.max_grant_per_family * families
        if grant > family_cap:
            breaches.append(
                RuleBreach(
                    "max_grant_per_family",
                    "grant",
                    _(
                        "The grant (%(grant)s) is above the maximum of %(per_family)s per "
                        "family for %(families)s families (%(cap)s) by %(over)s."
                    )
                    % {
                        "grant": money(grant),
                        "per_family": money(program.max_grant_per_family),
                        "families": families,
                        "cap": money(family_cap),
                        "over": money(grant - family_cap),
                    },
                )
            )
    if total > ZERO:
        # Whole minor units: the largest grant allowed and the smallest counterpart
        # required, so that a breach never reads "above 14,000,001 by 0".
        share_cap = round_money(total * program.max_grant_share, cur, ROUND_FLOOR)
        if grant > share_cap:
            breaches.append(
                RuleBreach(
                    "max_grant_share",
                    "grant",
                    _(
                        "The grant (%(grant)s) is above %(share)s of the total investment "
                        "of %(total)s (%(cap)s) by %(over)s."
                    )
                    % {
                        "grant": money(grant),
                        "share": _percent(program.max_grant_share),
                        "total": money(total),
                        "cap": money(share_cap),
                        "over": money(grant - share_cap),
                    },
                )
            )
        floor = round_money(total * program.min_counterpart_share, cur, ROUND_CEILING)
        if counterpart < floor:
            breaches.append(
                RuleBreach(
                    "min_counterpart_share",
                    "producer_cash",
                    _(
                        "The producers' counterpart, cash and in kind (%(counterpart)s), is "
                        "below %(share)s of the total investment of %(total)s (%(floor)s) by "
                        "%(short)s."
                    )
                    % {
                        "counterpart": money(counterpart),
                        "share": _percent(program.min_counterpart_share),
                        "total": money(total),
                        "floor": money(floor),
                        "short": money(floor - counterpart),
                    },
                )
            )
    return breaches
