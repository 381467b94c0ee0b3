"""The portfolio dashboard (§8): ministry staff and funders, read only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.policy import can_view_portfolio
from core.money import format_money

from .. import charts
from ..dashboard import NotAllowedFilter, Portfolio, portfolio

FILTERS = ("program", "region", "value_chain")


def _filter_values(request: HttpRequest) -> dict[str, int | None]:
    """The GET filters as ids; a value that is not an id is a page that does not exist."""
    values: dict[str, int | None] = {}
    for name in FILTERS:
        raw = request.GET.get(name, "").strip()
        if not raw:
            values[name] = None
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            raise Http404(_("No such filter value.")) from None
    return values


def _charts(p: Portfolio) -> dict:
    stages = [row for row in p.by_stage if row.count]
    out = {
        "stages": charts.bar_chart(
            [row.label for row in stages],
            [charts.Series(_("Alliances"), [row.count for row in stages])],
            title=_("Alliances by stage"),
            description=_("Number of alliances at each stage of the business-plan workflow."),
            category_header=_("Stage"),
            empty_message=_("No alliance to show."),
        ),
        "money": [],
        "money_over_time": [],
    }
    for total in p.money_totals:
        rows = [m for m in p.money if m.program.reporting_currency == total.currency]
        currency = total.currency
        out["money"].append(
            charts.bar_chart(
                [m.program.code for m in rows],
                [
                    charts.Series(_("Committed"), [m.committed_reporting for m in rows]),
                    charts.Series(_("Paid"), [m.paid_reporting for m in rows]),
                ],
                title=_("Committed and paid per programme (%(currency)s)") % {"currency": currency},
                description=_(
                    "Grant commitments net of released amounts, and payments net of "
                    "reversals, converted at each programme's reporting rate."
                ),
                unit=currency,
                fmt=lambda v, c=currency: format_money(v, c),
                category_header=_("Programme"),
            )
        )
    for series in p.money_over_time:
        currency = series.currency
        out["money_over_time"].append(
            charts.line_chart(
                series.labels,
                [
                    charts.Series(_("Committed (cumulative)"), series.committed),
                    charts.Series(_("Paid (cumulative)"), series.paid),
                ],
                title=_("Committed and paid over time (%(currency)s)") % {"currency": currency},
                description=_(
                    "Cumulative commitments by quarter of approval and cumulative payments "
                    "by quarter of payment, converted at each programme's reporting rate."
                ),
                unit=currency,
                fmt=lambda v, c=currency: format_money(v, c),
                category_header=_("Quarter"),
            )
        )
    b = p.beneficiaries
    out["beneficiaries"] = charts.bar_chart(
        [_("Families / members"), _("Women"), _("Youth")],
        [
            charts.Series(_("Planned"), [b.planned_families, b.planned_women, b.planned_youth]),
            charts.Series(_("Reached"), [b.reached_members, b.reached_women, b.reached_youth]),
        ],
        title=_("Beneficiaries: planned and reached"),
        description=_(
            "Planned in the approved business plans; reached as reported in each "
            "alliance's latest accepted monitoring report."
        ),
        category_header=_("Beneficiaries"),
        empty_message=_("No beneficiaries planned or reported yet."),
    )
    sales = [s for s in p.sales if s.share_of_agreed is not None]
    out["sales"] = charts.bar_chart(
        [f"{s.value_chain} ({s.unit})" for s in sales],
        [
            charts.Series(
                _("Delivered in the last 12 months, % of the agreed annual volume"),
                [s.share_of_agreed * 100 for s in sales],
            )
        ],
        title=_("Sales against agreed volumes"),
        description=_(
            "Confirmed deliveries of the last 12 months as a share of the agreed annual "
            "volume, per value chain and unit."
        ),
        unit="%",
        fmt=lambda v: charts.number(v, 1),
        category_header=_("Value chain"),
        empty_message=_("No confirmed purchase agreement yet."),
    )
    return out


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Alliances, money, beneficiaries and sales of the portfolio the user may see."""
    if not can_view_portfolio(request.user):
        raise PermissionDenied(_("Only ministry staff and funders see the portfolio dashboard."))
    filters = _filter_values(request)
    try:
        p = portfolio(request.user, **filters)
    except NotAllowedFilter:
        raise Http404(_("No such programme, region or value chain.")) from None
    return render(
        request,
        "monitoring/dashboard.html",
        {"portfolio": p, "charts": _charts(p)},
    )


urlpatterns = [
    path("portfolio/", dashboard, name="dashboard"),
]
