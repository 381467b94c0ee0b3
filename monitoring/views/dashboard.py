"""The portfolio dashboard (§8): ministry staff and funders, read only."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.policy import can_view_portfolio
from core.money import format_money

from .. import charts
from ..dashboard import (
    NotAllowedFilter,
    Portfolio,
    check_filters,
    portfolio,
    portfolio_slices,
    portfolio_version,
)

FILTERS = ("program", "region", "value_chain")
# An entry is never stale: its key holds the version of the slices it was computed from.
# Its lifetime only bounds how long unread entries (and the markup of a previous
# release) stay in the cache.
CACHE_SECONDS = 15 * 60


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


def _cache_key(slices: list[dict], filters: dict, today: datetime.date) -> str:
    """What the figures and their markup depend on: the slices the reader sees (not who
    the reader is: every national officer shares one entry) at their current version,
    the filters, the language, the time zone and the day ("the last 12 months")."""
    return ":".join(
        (
            "portfolio-page",
            portfolio_version(slices),
            *(str(filters[name] or "") for name in FILTERS),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            today.isoformat(),
        )
    )


def _figures(user, slices: list[dict], filters: dict) -> tuple[Portfolio, SafeString]:
    """The dashboard's figures and their markup (filters, tables, charts): from the cache
    when a reader of the same slices asked for them since the slices were last refreshed,
    else computed and kept. A cache outage only means computing them (core/cache.py)."""
    today = timezone.localdate()
    key = _cache_key(slices, filters, today)
    cached = cache.get(key)
    if cached is not None:
        return cached
    p = portfolio(user, **filters, today=today, slices=slices)
    markup = render_to_string(
        "monitoring/_dashboard_figures.html", {"portfolio": p, "charts": _charts(p)}
    )
    cache.set(key, (p, markup), CACHE_SECONDS)
    return p, markup


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Alliances, money, beneficiaries and sales of the portfolio the user may see."""
    if not can_view_portfolio(request.user):
        raise PermissionDenied(_("Only ministry staff and funders see the portfolio dashboard."))
    filters = _filter_values(request)
    slices = portfolio_slices(request.user)
    try:
        check_filters(slices, **filters)
    except NotAllowedFilter:
        raise Http404(_("No such programme, region or value chain.")) from None
    p, figures = _figures(request.user, slices, filters)
    return render(request, "monitoring/dashboard.html", {"portfolio": p, "figures": figures})


urlpatterns = [
    path("portfolio/", dashboard, name="dashboard"),
]
