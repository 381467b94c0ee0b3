"""An alliance's indicator table (baselines, targets, values per period, to date) and
the form where officers set its baselines and targets (§8). Keyed by the business plan's
pk; the buyer does not see monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.policy import (
    ActionRefused,
    monitoring_alliances_visible_to,
    require_roles,
)
from core.formats import format_money, format_percent
from plans.views.common import enforce, plan_or_404

from .. import services
from ..forms import (
    TargetsForm,
)
from ..models import Indicator
from ..selectors import indicator_table, indicators_for, volume_unit
from .common import number_text, show_refusal, status_for

# --- indicators, baselines and targets ---------------------------------------------------


def _monitoring_plan(request, pk):
    """The plan if the user may read its monitoring (not the buyer's business): else 404."""
    plan = plan_or_404(request, pk)
    if not monitoring_alliances_visible_to(request.user).filter(pk=plan.alliance_id).exists():
        raise Http404(_("No such business plan."))
    return plan


def _horizon(plan) -> int:
    version = plan.current_version
    return version.horizon_years if version else 1


@dataclass
class Shown:
    """One indicator line of the table, formatted for the page."""

    indicator: Indicator
    unit: str
    baseline: str
    targets: list[str]
    end_target: str
    cells: list[tuple]  # (report, value as shown)
    to_date: str
    progress: int | None  # per cent of the end-of-plan target
    progress_text: str


def _cell_text(cell, fmt) -> str:
    if cell is None or cell.value is None:
        return "—"
    parts = []
    if cell.women is not None:
        parts.append(_("women %(count)s") % {"count": number_text(cell.women)})
    if cell.youth is not None:
        parts.append(_("youth %(count)s") % {"count": number_text(cell.youth)})
    text = fmt(cell.value)
    return f"{text} ({', '.join(parts)})" if parts else text


def _formatter(indicator: Indicator, currency: str):
    if indicator.is_money:
        return lambda v: "—" if v is None else format_money(v, currency)
    return number_text


@login_required
@require_GET
def indicators(request: HttpRequest, pk: int) -> HttpResponse:
    """Per indicator: baseline, targets, value per report period, to date and progress."""
    plan = _monitoring_plan(request, pk)
    alliance = plan.alliance
    currency = alliance.program.currency
    units = {"currency": currency, "volume_unit": volume_unit(alliance)}
    reports, rows = indicator_table(alliance)
    years = list(range(1, _horizon(plan) + 1))
    shown = []
    for row in rows:
        i = row.indicator
        fmt = _formatter(i, currency)
        unit = i.unit_for(**units)
        cells = []
        for r in reports:
            cells.append((r, _cell_text(row.cells.get(r.pk), fmt)))
        shown.append(
            Shown(
                indicator=i,
                unit=unit,
                baseline=fmt(row.baseline),
                targets=[fmt(row.targets.get(y)) for y in years],
                end_target=fmt(row.end_target),
                cells=cells,
                to_date=fmt(row.to_date),
                progress=row.progress,
                progress_text=format_percent(
                    None if row.progress is None else Decimal(row.progress) / 100
                ),
            )
        )
    return render(
        request,
        "monitoring/indicators.html",
        {
            "plan": plan,
            "tab": "indicators",
            "reports": reports,
            "years": years,
            "rows": shown,
            "can_set_targets": bool(
                require_roles(
                    request.user, alliance, services.TARGET_SETTERS, _("set baselines and targets")
                )
            ),
        },
    )


def _targets_initial(alliance) -> dict:
    initial = {}
    for b in alliance.indicator_baselines.select_related("indicator"):
        initial[f"{b.indicator.code}__baseline"] = b.value
    for t in alliance.indicator_targets.select_related("indicator"):
        suffix = f"y{t.year}" if t.year else "end"
        key = f"{t.indicator.code}__{suffix}"
        initial[key] = t.value
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    """The alliance's baselines and targets (plan years and end of plan), all or nothing."""
    plan = _monitoring_plan(request, pk)
    alliance = plan.alliance
    enforce(
        require_roles(
            request.user, alliance, services.TARGET_SETTERS, _("set baselines and targets")
        )
    )
    form = TargetsForm(
        request.POST if request.method == "POST" else None,
        indicators=indicators_for(alliance),
        years=_horizon(plan),
        currency=alliance.program.currency,
        initial=_targets_initial(alliance),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.targets_save(
                    alliance=alliance,
                    by=request.user,
                    baselines=form.baselines(),
                    targets=form.targets(),
                )
            except ActionRefused as refusal:
                show_refusal(request, refusal, form, form.field_for)
                status = status_for(refusal)
            else:
                messages.success(request, _("Baselines and targets saved."))
                return redirect("monitoring:indicators", pk=plan.pk)
    units = {"currency": alliance.program.currency, "volume_unit": volume_unit(alliance)}
    grid = [(indicator, indicator.unit_for(**units), *fields) for indicator, *fields in form.grid()]
    return render(
        request,
        "monitoring/targets.html",
        {"plan": plan, "tab": "indicators", "form": form, "years": form.years, "grid": grid},
        status=status,
    )


urlpatterns = [
    path("plans/<int:pk>/indicators/", indicators, name="indicators"),
    path("plans/<int:pk>/targets/", targets, name="targets"),
]
